"""The public objection form of an intended sub-processor (compliance/objections.py does the
work, compliance/public_forms.py guards the form): open during the change's notice period
only, no cookie, never cached."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from compliance import objections, public_forms, subprocessors
from compliance.consent_log import client_address
from compliance.sanitize import control_error

FORM_TEMPLATE = "compliance/public/objection_form.html"


def no_controls(value):
    error = control_error(value)
    if error is not None:
        raise error


class ObjectionForm(public_forms.PublicForm):
    company = forms.CharField(label=_("Company"), max_length=200, validators=[no_controls])
    contact_name = forms.CharField(
        label=_("Contact person"), max_length=200, validators=[no_controls]
    )
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    reason = forms.CharField(
        label=_("Reason for the objection"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        validators=[no_controls],
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 10:
            raise ValidationError(gettext("Say in a few words why you object."))
        return reason


def _change_context(notice, language):
    [change] = subprocessors.presented([subprocessors.from_notice(notice)], language)
    return {"change": change, "open": objections.is_open(notice)}


@csrf_exempt  # no cookie on public pages: the form carries its own signed token
def objection(request, language, anchor):
    """GET: the form (or why it is closed); POST: keep the objection and show its receipt."""
    language = public_forms.language_or_404(language)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    notice = objections.change_for(anchor)
    if notice is None:
        raise Http404
    page = f"subprocessors/object/{anchor}"
    context = {"page": page, **_change_context(notice, language)}
    if not context["open"]:
        # The notice period is over (or the change is not announced yet): said, not taken.
        return public_forms.render_page(request, language, FORM_TEMPLATE, context, status=410)
    if request.method != "POST":
        context["form"] = ObjectionForm(initial={"token": public_forms.make_token("objection")})
        return public_forms.render_page(request, language, FORM_TEMPLATE, context)
    with translation.override(language):
        form = ObjectionForm(request.POST)
        refusal = public_forms.refusal(request, "objection")
        if refusal is not None or not form.is_valid():
            message, status = refusal or ("", 400)
            context.update(form=form.again("objection"), refused=message)
            return public_forms.render_page(request, language, FORM_TEMPLATE, context, status)
        if public_forms.honeypot_filled(request.POST):
            context["reference"] = objections.new_reference()  # looks done; nothing kept
        else:
            kept = objections.submit(
                notice,
                company=form.cleaned_data["company"],
                contact_name=form.cleaned_data["contact_name"],
                email=form.cleaned_data["email"],
                reason=form.cleaned_data["reason"],
                language=language,
                address=client_address(request),
            )
            context["reference"] = kept.reference
    template = "compliance/public/objection_received.html"
    return public_forms.render_page(request, language, template, context)
