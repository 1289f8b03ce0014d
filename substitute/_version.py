"""The package version (one place; the root package and every audit stamp read it from here)."""

__version__ = "0.1.0"
