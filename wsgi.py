"""WSGI entry point for gunicorn and ``flask --app wsgi``."""

from web.app import create_app

app = create_app()
