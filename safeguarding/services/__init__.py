"""The use cases: one function per press, each given a Press (services/press.py)."""
