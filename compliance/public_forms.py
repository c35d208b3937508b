"""What protects the public forms (subscribing to change notices; later, objections) while
public pages set no cookie, so Django's CSRF cookie is not there:

- a signed, time-limited token in the form itself, naming the form it was made for: a post
  without one made by us in the last PUBLIC_FORM_MAX_AGE_SECONDS is refused;
- a honeypot: a field people do not see and leave empty; a post that fills it is answered as
  if it had worked and nothing is kept;
- a limit per address and hour (PUBLIC_FORM_RATE_PER_HOUR, in each process).

Every field is size-limited by the form; pages escape what they show.
"""

from django import forms
from django.conf import settings
from django.core import signing
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext

from compliance import branding, public
from compliance.consent_log import client_address
from compliance.rate_limit import RateLimit
from compliance.sanitize import remove_controls

TOKEN_SALT = "compliance.public_forms.token"
# The honeypot's name: one a form filler fills in without thinking.
HONEYPOT = "website"

rate_limit = RateLimit(3600, "PUBLIC_FORM_RATE_PER_HOUR")
# The form may post to this origin only; everything else as on the other public pages.
FORM_CONTENT_SECURITY_POLICY = public.CONTENT_SECURITY_POLICY.replace(
    "form-action 'none'", "form-action 'self'"
)


def make_token(form_name):
    """A token for one form, signed with the secret key and timestamped."""
    return signing.dumps({"form": form_name}, salt=TOKEN_SALT)


def token_is_valid(token, form_name):
    """True when `token` is ours, for this form, and young enough."""
    try:
        payload = signing.loads(
            token or "", salt=TOKEN_SALT, max_age=settings.PUBLIC_FORM_MAX_AGE_SECONDS
        )
    except signing.BadSignature:  # expired tokens included (SignatureExpired)
        return False
    return isinstance(payload, dict) and payload.get("form") == form_name


def honeypot_filled(data):
    return bool(data.get(HONEYPOT, "").strip())


def allowed(request):
    """False when the request's address has posted too many forms this hour."""
    return rate_limit.allow(client_address(request))


def refusal(request, form_name):
    """(message, HTTP status) when a post must be refused before its fields are looked at:
    too many from the address, or a token that is not this form's; None when it may go on."""
    if not allowed(request):
        return gettext("Too many requests from your network: try again in an hour."), 429
    if not token_is_valid(request.POST.get("token"), form_name):
        return gettext("The form has expired or was not sent from this page: send it again."), 400
    return None


class PublicForm(forms.Form):
    """A public form: its token in a hidden field, its errors told to assistive technology."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=500)

    def mark_errors(self):
        """Fields in error say so, and point at their message."""
        for name in self.errors:
            if name in self.fields and name != "token":
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
                )

    def again(self, form_name):
        """The form as sent, with its errors and a fresh token: it can be sent again as it is."""
        data = self.data.copy()
        data["token"] = make_token(form_name)
        form = type(self)(data)
        form.is_valid()
        form.mark_errors()
        return form


def language_or_404(language):
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return language


def render_page(request, language, template, context, status=200):
    """A public form's page in `language`: made per request, never cached, no cookie; the
    form may post to this origin only."""
    release = public.latest()
    if release is None:
        raise Http404("Nothing is published yet.")
    organisation = public.snapshot_of(release).get("organisation") or {}
    with translation.override(language):
        response = TemplateResponse(
            request,
            template,
            {
                "language": language,
                "languages": public.languages(),
                "page": context.pop("page"),
                "release": release,
                "register": {
                    "organisation": {
                        "legal_name": remove_controls(organisation.get("legal_name")),
                        **branding.presented(organisation),
                    }
                },
                "honeypot": HONEYPOT,
                **context,
            },
            status=status,
        )
        response.render()
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = FORM_CONTENT_SECURITY_POLICY
    response["X-Robots-Tag"] = "noindex"
    return response
