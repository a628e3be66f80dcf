"""Kestrel's domain: the safeguarding record and its use cases, in pure Python.

Nothing here imports botbuilder, aiohttp or SQLAlchemy (tests/unit/test_layers.py keeps it so).
"""
