"""Absolute links for email and documents, outside a request too (jobs): BASE_URL + the route's path."""

from __future__ import annotations

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
