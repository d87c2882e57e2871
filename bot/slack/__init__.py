"""Slack: the Bolt app, its listeners and the messages it sends.

Bolt and slack_sdk types stop at this package.
"""
