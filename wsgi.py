"""Entry point for WSGI servers: ``gunicorn wsgi:app``."""
from votes import create_app
from votes.web import compile_templates, load_modules

app = create_app()
# Before the first request (and, preloaded, before the fork): what pages load on first use.
load_modules()
compile_templates(app)
