"""WSGI entry point (gunicorn compliance.wsgi).

Production settings unless DJANGO_ENV says otherwise.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
os.environ.setdefault("DJANGO_ENV", "production")

application = get_wsgi_application()

from compliance.consent_endpoint import WithConsentEndpoint  # noqa: E402  (needs the apps)

application = WithConsentEndpoint(application)
