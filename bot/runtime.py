"""Builds the running bot from settings: database, Genesys dialer, calls service, Bolt app."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.calls.service import CallService
from bot.config import Settings
from bot.db.engine import make_engine, make_session_factory
from bot.genesys.client import GenesysDialer
from bot.slack.app import build_app

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    dialer: GenesysDialer
    service: CallService
    app: App

    def warm_up_in_background(self) -> threading.Thread:
        """Import the Genesys SDK off the request path so the first call is not 4 s slower."""
        thread = threading.Thread(target=self._warm_up, name="genesys-warm-up", daemon=True)
        thread.start()
        return thread

    def _warm_up(self) -> None:
        try:
            self.dialer.warm_up()
        except Exception:
            log.exception("Genesys SDK warm-up failed; the first call will retry it")


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    dialer = GenesysDialer(settings)
    service = CallService(sessions=sessions, settings=settings, dialer=dialer)
    app = build_app(settings=settings, service=service)
    return Runtime(settings=settings, engine=engine, sessions=sessions, dialer=dialer, service=service, app=app)
