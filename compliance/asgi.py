"""ASGI entry point. Production settings unless DJANGO_ENV says otherwise."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
os.environ.setdefault("DJANGO_ENV", "production")

application = get_asgi_application()
