"""Exports too big for one request, written by a worker and kept for a day for download."""
