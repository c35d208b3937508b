"""The public pages of e-mail subscriptions: the form, the confirmation and the unsubscribe
links (compliance/subscriptions.py does the work, compliance/public_forms.py guards the form).

Like every public page they set no cookie; they are made per request (the form's token is
fresh each time) and never cached. A link from an e-mail only shows a button on GET: mail
scanners open links, and opening must neither confirm nor unsubscribe. The button posts back
to the same address; RFC 8058's one-click POST from a mail program lands there too.
"""

from django import forms
from django.conf import settings
from django.core.validators import EmailValidator
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from compliance import public, public_forms, subscriptions
from compliance.consent_log import client_address
from compliance.sanitize import remove_controls

# The form may post to this origin only; everything else as on the other public pages.
FORM_CONTENT_SECURITY_POLICY = public.CONTENT_SECURITY_POLICY.replace(
    "form-action 'none'", "form-action 'self'"
)


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, validators=[EmailValidator()]
    )
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=())
    token = forms.CharField(widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = public.languages()
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "required": True})

    def mark_errors(self):
        """Fields in error say so to assistive technology, and point at their message."""
        for name in self.errors:
            if name in self.fields and name != "token":
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
                )


def _page(request, language, template, context, status=200):
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
                    "organisation": {"legal_name": remove_controls(organisation.get("legal_name"))}
                },
                "honeypot": public_forms.HONEYPOT,
                **context,
            },
            status=status,
        )
        response.render()
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = FORM_CONTENT_SECURITY_POLICY
    response["X-Robots-Tag"] = "noindex"
    return response


def _language(language):
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return language


SUBSCRIBE_PAGE = "subprocessors/subscribe"
SUBSCRIBE_TEMPLATE = "compliance/public/subscribe.html"


def _refused(request, language, form, message, status):
    """The form again, with what is wrong and a fresh token (it can be sent again as it is)."""
    data = request.POST.copy()
    data["token"] = public_forms.make_token("subscribe")
    form = SubscribeForm(data)
    form.is_valid()  # the fields' own errors, beside `message`
    form.mark_errors()
    context = {"page": SUBSCRIBE_PAGE, "form": form, "refused": message}
    return _page(request, language, SUBSCRIBE_TEMPLATE, context, status=status)


@csrf_exempt  # no cookie on public pages: the form carries its own signed token
def subscribe(request, language):
    """GET: the form; POST: ask for a confirmation e-mail (the same answer for any address)."""
    language = _language(language)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method != "POST":
        initial = {"language": language, "token": public_forms.make_token("subscribe")}
        context = {"page": SUBSCRIBE_PAGE, "form": SubscribeForm(initial=initial)}
        return _page(request, language, SUBSCRIBE_TEMPLATE, context)
    with translation.override(language):
        form = SubscribeForm(request.POST)
        if not public_forms.allowed(request):
            message = gettext("Too many requests from your network: try again in an hour.")
            return _refused(request, language, form, message, 429)
        if not public_forms.token_is_valid(request.POST.get("token"), "subscribe"):
            message = gettext("The form has expired or was not sent from this page: send it again.")
            return _refused(request, language, form, message, 400)
        if not form.is_valid():
            return _refused(request, language, form, "", 400)
        if not public_forms.honeypot_filled(request.POST):
            subscriptions.subscribe(
                form.cleaned_data["email"],
                form.cleaned_data["language"],
                address=client_address(request),
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
    return _page(
        request, language, "compliance/public/subscribe_sent.html", {"page": SUBSCRIBE_PAGE}
    )


LINK_TEMPLATE = "compliance/public/subscription_link.html"


def _link(request, language, token, *, find, act, ask):
    """A link from an e-mail: GET shows the button `ask`; POST does `act` and says the outcome
    (`act` returns the template's context for it)."""
    language = _language(language)
    context = {"page": "subprocessors"}
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    try:
        subscriber = find(token)
    except subscriptions.InvalidLink:
        return _page(request, language, LINK_TEMPLATE, {**context, "invalid": True}, status=400)
    if request.method == "POST":
        return _page(request, language, LINK_TEMPLATE, {**context, **act(subscriber)})
    context.update(ask=ask, email=subscriber.email)
    return _page(request, language, LINK_TEMPLATE, context)


def _confirmed(subscriber):
    done = subscriptions.confirm(subscriber)
    return {"confirmed": done, "unsubscribed": not done}


def _unsubscribed(subscriber):
    subscriptions.unsubscribe(subscriber)
    return {"unsubscribed": True}


@csrf_exempt  # the signed link is the proof; no cookie
def confirm(request, language, token):
    find = subscriptions.subscriber_to_confirm
    return _link(request, language, token, find=find, act=_confirmed, ask="confirm")


@csrf_exempt  # the signed link is the proof; mail programs post to it (RFC 8058)
def unsubscribe(request, language, token):
    find = subscriptions.subscriber_to_unsubscribe
    return _link(request, language, token, find=find, act=_unsubscribed, ask="unsubscribe")
