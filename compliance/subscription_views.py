"""The public pages of e-mail subscriptions: the form, the confirmation and the unsubscribe
links (compliance/subscriptions.py does the work, compliance/public_forms.py guards the form).

Like every public page they set no cookie; they are made per request (the form's token is
fresh each time) and never cached. A link from an e-mail only shows a button on GET: mail
scanners open links, and opening must neither confirm nor unsubscribe. The button posts back
to the same address; RFC 8058's one-click POST from a mail program lands there too.
"""

from django import forms
from django.http import HttpResponseNotAllowed
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from compliance import public, public_forms, subscriptions
from compliance.consent_log import client_address


class SubscribeForm(public_forms.PublicForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=())

    field_order = ["email", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = public.languages()
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "required": True})


SUBSCRIBE_PAGE = "subprocessors/subscribe"
SUBSCRIBE_TEMPLATE = "compliance/public/subscribe.html"


@csrf_exempt  # no cookie on public pages: the form carries its own signed token
def subscribe(request, language):
    """GET: the form; POST: ask for a confirmation e-mail (the same answer for any address)."""
    language = public_forms.language_or_404(language)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method != "POST":
        initial = {"language": language, "token": public_forms.make_token("subscribe")}
        context = {"page": SUBSCRIBE_PAGE, "form": SubscribeForm(initial=initial)}
        return public_forms.render_page(request, language, SUBSCRIBE_TEMPLATE, context)
    with translation.override(language):
        form = SubscribeForm(request.POST)
        refusal = public_forms.refusal(request, "subscribe")
        if refusal is not None or not form.is_valid():
            message, status = refusal or ("", 400)
            context = {"page": SUBSCRIBE_PAGE, "form": form.again("subscribe"), "refused": message}
            return public_forms.render_page(request, language, SUBSCRIBE_TEMPLATE, context, status)
        if not public_forms.honeypot_filled(request.POST):
            subscriptions.subscribe(
                form.cleaned_data["email"],
                form.cleaned_data["language"],
                address=client_address(request),
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
    return public_forms.render_page(
        request, language, "compliance/public/subscribe_sent.html", {"page": SUBSCRIBE_PAGE}
    )


LINK_TEMPLATE = "compliance/public/subscription_link.html"


def _link(request, language, token, *, find, act, ask):
    """A link from an e-mail: GET shows the button `ask`; POST does `act` and says the outcome
    (`act` returns the template's context for it)."""
    language = public_forms.language_or_404(language)
    context = {"page": "subprocessors"}
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    try:
        subscriber = find(token)
    except subscriptions.InvalidLink:
        return public_forms.render_page(
            request, language, LINK_TEMPLATE, {**context, "invalid": True}, status=400
        )
    if request.method == "POST":
        return public_forms.render_page(
            request, language, LINK_TEMPLATE, {**context, **act(subscriber)}
        )
    context.update(ask=ask, email=subscriber.email)
    return public_forms.render_page(request, language, LINK_TEMPLATE, context)


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
