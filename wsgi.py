"""WSGI entry point: ``gunicorn wsgi:app`` in production; ``flask`` finds it by itself."""

from hwc import create_app

app = create_app()
