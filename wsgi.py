"""Entry point for WSGI servers: ``gunicorn wsgi:app``."""
from votes import create_app
from votes.web import compile_templates

app = create_app()
compile_templates(app)  # before the first request (and, preloaded, before the fork)
