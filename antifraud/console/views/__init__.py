"""The console's pages, one module per part of an analyst's day."""
