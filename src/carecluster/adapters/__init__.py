"""Adapters between the use cases and the outside: the repositories over the database."""
