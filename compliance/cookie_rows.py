"""The rows of the cookie page's tables, written in Python.

The page of a 50,000-item register is 50,000 rows; Django's template loop spent most of the
page's first render on them (each row resolves some twenty variables and tags). The rows are
the same markup as before, every text escaped here (html.escape: what Django's escape calls,
without its lazy-string wrapper, which cost a third of the time), and the labels translated
once per page instead of once per row.
"""

from html import escape

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext


def cookie_rows(items, organisation_name):
    """The <tr> rows of one category's table (a SafeString)."""
    provider_label = escape(gettext("Provider"))
    purpose_label = escape(gettext("Purpose"))
    retention_label = escape(gettext("Retention"))
    type_label = escape(gettext("Type"))
    consent_label = escape(gettext("Consent"))
    third_party = f' <span class="party">({escape(gettext("third party"))})</span>'
    first_party = (
        f'{escape(organisation_name)} <span class="party">({escape(gettext("first party"))})</span>'
    )
    access = f'<br><span class="party">{escape(gettext("third parties may have access"))}</span>'
    to_complete = render_to_string("compliance/shared/to_complete.html")
    required = escape(gettext("required"))
    not_required = escape(gettext("not required"))
    rows = []
    for item in items:
        provider = (escape(item["provider"]) + third_party if item["provider"] else first_party) + (
            access if item["third_party_access"] else ""
        )
        purpose = f"<strong>{escape(item['purpose'])}</strong>" if item["purpose"] else ""
        if item["description"]:
            purpose += "<br>" + escape(item["description"])
        rows.append(
            f'<tr>\n<th scope="row"><code>{escape(item["name"])}</code></th>\n'
            f'<td data-label="{provider_label}">{provider}</td>\n'
            f'<td data-label="{purpose_label}">{purpose}</td>\n'
            f'<td data-label="{retention_label}">'
            f"{escape(item['retention']) if item['retention'] else to_complete}</td>\n"
            f'<td data-label="{type_label}">{escape(item["type"])}</td>\n'
            f'<td data-label="{consent_label}">'
            f"{required if item['consent_required'] else not_required}</td>\n</tr>\n"
        )
    return mark_safe("".join(rows))
