"""antifraud: the software of a national anti-fraud center."""

__version__ = "0.1.0"
