"""WSGI entry point (gunicorn codecapsule.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codecapsule.settings")
application = get_wsgi_application()
