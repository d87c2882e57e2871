"""gunicorn running the bot's WSGI app, configured from code instead of a file.

Importing this module imports gunicorn, which reads WEB_CONCURRENCY; `bot serve`
checks that variable first.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from bot.config import Settings


class GunicornApplication(BaseApplication):
    """Runs the bot's WSGI app inside gunicorn, configured from code instead of a file."""

    def __init__(self, settings: Settings, options: dict) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        # gunicorn 25.1 and newer open a control socket at one fixed path per user,
        # which a second server on the same host takes over; the bot does not use it.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from bot.runtime import build_runtime
        from bot.wsgi import make_wsgi_app

        runtime = build_runtime(self._settings)
        runtime.warm_up_in_background()
        return make_wsgi_app(runtime)
