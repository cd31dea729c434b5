"""inventory: a small, exact inventory service for warehouses."""

__version__ = "0.1.0"
