"""What protects the public forms (subscribing to change notices; later, objections) while
public pages set no cookie, so Django's CSRF cookie is not there:

- a signed, time-limited token in the form itself, naming the form it was made for: a post
  without one made by us in the last PUBLIC_FORM_MAX_AGE_SECONDS is refused;
- a honeypot: a field people do not see and leave empty; a post that fills it is answered as
  if it had worked and nothing is kept;
- a limit per address and hour (PUBLIC_FORM_RATE_PER_HOUR, in each process).

Every field is size-limited by the form; pages escape what they show.
"""

from django.conf import settings
from django.core import signing

from compliance.consent_log import client_address
from compliance.rate_limit import RateLimit

TOKEN_SALT = "compliance.public_forms.token"
# The honeypot's name: one a form filler fills in without thinking.
HONEYPOT = "website"

rate_limit = RateLimit(3600, "PUBLIC_FORM_RATE_PER_HOUR")


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
