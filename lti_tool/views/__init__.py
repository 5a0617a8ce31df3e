"""Blueprints: URL maps and thin controllers. Each module exposes ``bp``."""
