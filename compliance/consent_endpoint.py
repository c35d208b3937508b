"""POST /api/v1/consent without the rest of the site's request handling.

Every choice a visitor makes on a registered site is one request here, so this is by far the
busiest path, and its cost is the endpoint's capacity (issue 19: 1,000 records/s with a p99
under 50 ms on two workers). Through Django's full handler a record took 0.92 ms of CPU in
this process, about a third of it in things the endpoint does not use: middleware (sessions,
messages, authentication, CSRF, locale, whitenoise, the admin's policy) and URL resolution
(measured: 0.60 ms now; bench/README.md, "Proof of consent"). So the WSGI application answers
this one path itself, as Django's WSGIHandler does (the request_started and request_finished
signals, which check and close database connections; errors turned into responses and logged
by Django's own convert_exception_to_response; 4xx and 5xx logged), with the middleware that
matter to an API answer applied by their own code: the security and common middleware's checks,
the security headers and X-Frame-Options. The view sets no cookie and touches no session; it
picks the language of an error message itself.

A request this path should not answer alone goes to the full application, which answers it as
for any other path: anything but a POST, a host not in ALLOWED_HOSTS (400, logged as a
security event), a user agent in DISALLOWED_USER_AGENTS (403) and a plain-HTTP request when
HTTPS is enforced (the redirect).
"""

from django.core import signals
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import get_resolver, set_script_prefix
from django.utils.log import log_response

from compliance import views


class WithConsentEndpoint:
    """A WSGI application: POST /api/v1/consent answered here, anything else by `application`."""

    def __init__(self, application):
        self.application = application
        self.view = convert_exception_to_response(views.consent_record)
        self.security = SecurityMiddleware(self.view)
        self.frame_options = XFrameOptionsMiddleware(self.view)
        self.common = CommonMiddleware(self.view)
        self.path = None

    def __call__(self, environ, start_response):
        if self.path is None:  # the URLconf cannot be read while the module is imported
            # PATH_INFO is below the script name, and so is this path.
            self.path = "/" + get_resolver().reverse("consent-record")
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST":
            return self.application(environ, start_response)
        request = WSGIRequest(environ)  # reads nothing yet: the body is still there to pass on
        if not self._answers_alone(request):
            return self.application(environ, start_response)
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        response = self.view(request)
        response = self.security.process_response(request, response)
        response = self.frame_options.process_response(request, response)
        if "Content-Length" not in response:  # as CommonMiddleware adds it
            response["Content-Length"] = str(len(response.content))
        response._handler_class = self.__class__
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return response  # the server's close() sends request_finished

    def _answers_alone(self, request):
        """False when the full application must answer: an HTTPS redirect, a host not in
        ALLOWED_HOSTS, a user agent in DISALLOWED_USER_AGENTS, a PREPEND_WWW redirect (the
        security and common middleware's own checks)."""
        try:
            return (
                self.security.process_request(request) is None
                and self.common.process_request(request) is None
            )
        except (DisallowedHost, PermissionDenied):
            return False
