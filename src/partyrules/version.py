"""The version of the library, in the base layer so that any layer can record it (the ledger does)."""

__version__ = "0.1.0"
