"""Entry point for gunicorn: `gunicorn wsgi:app`. Production mode unless LMS_MODE says otherwise."""
import os

from lms import create_app

os.environ.setdefault("LMS_MODE", "production")
app = create_app()
