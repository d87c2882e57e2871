"""Local stand-ins of the Genesys Cloud API and the Slack Web API, for the demo and tests.

Both bind only loopback addresses and use the standard library's HTTP server.
"""

from bot.sandbox.genesys import DEMO_USER_ID, Fault, GenesysSandbox, RecordedRequest
from bot.sandbox.slack import SlackMessage, SlackSandbox

__all__ = ["DEMO_USER_ID", "Fault", "GenesysSandbox", "RecordedRequest", "SlackMessage", "SlackSandbox"]
