"""Use cases: the domain engine and the store combined, with the permission checks that every
adapter (REST API, web pages, CLI) shares. Adapters translate; rules live here."""
