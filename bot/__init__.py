"""callbot: place Genesys Cloud calls from Slack."""

__version__ = "0.1.0"
