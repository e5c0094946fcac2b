"""Entry point for gunicorn: `gunicorn wsgi:app`. Production mode unless LMS_MODE says otherwise."""
import gc
import os

from lms import create_app

os.environ.setdefault("LMS_MODE", "production")
app = create_app(serve=True)  # with LMS_SCHEDULER=inprocess, this process runs the scheduler too
# What start-up made (the app, its routes, templates and translations) lives as long as the process.
# Frozen, it is left out of the collector's full passes, which otherwise walk all of it and stall a
# request by 100 ms or more every few requests on a page that makes many objects (docs/PERFORMANCE.md).
gc.freeze()
