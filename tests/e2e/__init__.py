"""End-to-end tests: the running service behind the Microsoft 365 Agents Playground."""
