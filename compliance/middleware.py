"""A Content-Security-Policy for the admin (public pages set their own, stricter one).

Django 5.2 has no CSP of its own. The admin loads scripts, styles, fonts and images only from
this site; its templates (django-unfold's included) have no inline scripts. Two exceptions:
- 'unsafe-inline' for styles: Django's widgets and unfold's theme colours set inline styles;
- 'unsafe-eval' for scripts: unfold's Alpine.js evaluates its x-* attributes with Function().
  Only markup from our templates carries such attributes: user text is always escaped, so it
  cannot add one, and no script from another origin or inline in the page may run.
"""

from django.conf import settings

ADMIN_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class AdminContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Read once per process: public pages, the hot path, pay one startswith() for this.
        self.admin_prefix = "/" + settings.ADMIN_URL_PREFIX.strip("/") + "/"

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.admin_prefix) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = ADMIN_CONTENT_SECURITY_POLICY
        return response
