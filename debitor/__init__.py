"""Debitor: accounts-receivable back office (domain core and application factory)."""

__version__ = "0.1.0"
