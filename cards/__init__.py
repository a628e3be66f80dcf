"""Adaptive Cards as pure functions of domain views (no I/O, no Teams SDK)."""
