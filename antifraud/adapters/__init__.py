"""Adapters that load external data for the core (suffix list, brands and lexicon files)."""
