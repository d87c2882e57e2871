"""The call use case: who may call, what to dial, place it, record it, report it.

Nothing in this package imports Slack or Genesys SDK types.
"""
