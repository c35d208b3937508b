"""What a scan's observations mean against the register: the scan report's findings.

Read-only: the register and the known-cookie library are loaded once per report (a few
queries whatever the number of observations), and each observation is matched in memory.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from compliance.models import (
    PLACEHOLDER,
    Cookie,
    JobState,
    KnownCookie,
    ObservationKind,
    Scan,
    ScanObservation,
    ScanPhase,
    StorageItem,
    name_pattern,
)
from compliance.retention import DAYS_PER_UNIT, RetentionKind
from compliance.scanner.addresses import host_of, is_first_party, registrable_domain

# Browsers cap a cookie's life at 400 days and clocks drift: a lifetime is "longer than
# declared" only past this margin.
LIFETIME_MARGIN_SECONDS = 24 * 3600
# "Declared but not seen" looks at this many of the site's latest finished scans.
RECENT_SCANS = 3

STORAGE_KINDS = {
    ObservationKind.LOCAL_STORAGE: "local_storage",
    ObservationKind.SESSION_STORAGE: "session_storage",
    ObservationKind.INDEXED_DB: "indexeddb",
}


class FindingKind:
    """Finding kinds, most serious first (the report's order)."""

    BEFORE_CONSENT = "before_consent"
    AFTER_REFUSAL = "after_refusal"
    UNDECLARED = "undeclared"
    LONGER_THAN_DECLARED = "longer"
    UNKNOWN_HOST = "unknown_host"
    NOT_SEEN = "not_seen"

    ORDER = [
        BEFORE_CONSENT,
        AFTER_REFUSAL,
        UNDECLARED,
        LONGER_THAN_DECLARED,
        UNKNOWN_HOST,
        NOT_SEEN,
    ]
    TITLES = {
        BEFORE_CONSENT: _("Set before consent although declared as needing it"),
        AFTER_REFUSAL: _("Set after “reject all” although declared as needing consent"),
        UNDECLARED: _("Not in the register"),
        LONGER_THAN_DECLARED: _("Kept longer than the register declares"),
        UNKNOWN_HOST: _("Third-party hosts of no declared provider"),
        NOT_SEEN: _("Declared but not seen in the latest scans"),
    }
    SEVERITY = {
        BEFORE_CONSENT: "violation",
        AFTER_REFUSAL: "violation",
        UNDECLARED: "error",
        LONGER_THAN_DECLARED: "error",
        UNKNOWN_HOST: "warning",
        NOT_SEEN: "warning",
    }


@dataclass
class Declared:
    """A register row the scan compares with."""

    model: type
    pk: int
    name: str
    kind: str  # "cookie" or a storage type
    domain: str
    consent_required: bool
    max_seconds: float | None  # None: no end declared (persistent) or no retention given
    provider_id: int | None
    pattern: object = None

    def matches(self, observation):
        if self.kind != register_kind(observation):
            return False
        if self.domain and not domains_overlap(self.domain, observation.domain):
            return False
        return bool(self.pattern.match(observation.name))


def register_kind(observation):
    """The register's kind of what was observed: "cookie" or a storage type."""
    return "cookie" if observation.kind == "cookie" else STORAGE_KINDS.get(observation.kind)


class DeclaredIndex:
    """The declared items by kind and exact name, those with placeholders apart: an
    observation is compared with the items of its name and the patterned ones of its kind,
    not with every row of a register that can hold tens of thousands."""

    def __init__(self, items):
        self.exact, self.patterned = {}, {}
        for position, item in enumerate(items):
            if PLACEHOLDER.search(item.name):
                self.patterned.setdefault(item.kind, []).append((position, item))
            else:
                self.exact.setdefault((item.kind, item.name), []).append((position, item))

    def matching(self, observation):
        """[(position in the register's order, item)] of every item `observation` is."""
        kind = register_kind(observation)
        candidates = self.exact.get((kind, observation.name), []) + self.patterned.get(kind, [])
        return [(position, item) for position, item in candidates if item.matches(observation)]

    def first(self, observation):
        found = self.matching(observation)
        return min(found, key=lambda pair: pair[0])[1] if found else None


@dataclass
class Finding:
    kind: str
    name: str
    domain: str = ""
    observation_kind: str = ""
    phases: list = field(default_factory=list)
    observation_id: int | None = None
    declared: Declared | None = None
    known: dict | None = None
    detail: str = ""

    @property
    def severity(self):
        return FindingKind.SEVERITY[self.kind]

    @property
    def kind_label(self):
        kind = self.observation_kind
        return ObservationKind(kind).label if kind in ObservationKind.values else kind

    @property
    def phase_labels(self):
        return [phase.label for phase in ScanPhase if phase in self.phases]

    @property
    def declared_url_name(self):
        return f"admin:compliance_{self.declared.model._meta.model_name}_change"


def domains_overlap(declared, observed):
    declared, observed = declared.lower().lstrip("."), observed.lower().lstrip(".")
    return (
        declared == observed
        or observed.endswith("." + declared)
        or declared.endswith("." + observed)
    )


def max_seconds(item):
    if item.retention_kind == RetentionKind.SESSION:
        return 0.0
    if item.retention_kind == RetentionKind.DURATION and item.retention_value:
        return item.retention_value * DAYS_PER_UNIT[item.retention_unit] * 86400
    return None


def declared_items():
    fields = [
        "pk", "name", "domain", "consent_required", "retention_kind", "retention_value",
        "retention_unit", "provider_id",
    ]  # fmt: skip
    items = []
    for model, kind_of in (
        (Cookie, lambda row: "cookie"),
        (StorageItem, lambda row: row.storage_type),
    ):
        only = fields + (["storage_type"] if model is StorageItem else [])
        for row in model.objects.only(*[f for f in only if f != "pk"]):
            items.append(
                Declared(
                    model, row.pk, row.name, kind_of(row), row.domain, row.consent_required,
                    max_seconds(row), row.provider_id, name_pattern(row.name),
                )
            )  # fmt: skip
    return items


def known_library():
    """{name: entry} for exact names and [(prefix, entry)] for wildcard ones, in one query."""
    exact, prefixes = {}, []
    for known in KnownCookie.objects.only(
        "name", "wildcard", "platform", "category", "retention", "data_controller", "description"
    ):
        entry = {
            "name": known.name,
            "platform": known.platform,
            "category": known.category,
            "retention": known.retention,
            "provider": known.data_controller,
            "description": known.description,
        }
        if known.wildcard:
            prefixes.append((known.name, entry))
        else:
            exact.setdefault(known.name, entry)
    prefixes.sort(key=lambda pair: -len(pair[0]))
    return exact, prefixes


def known_for(name, library):
    exact, prefixes = library
    if name in exact:
        return exact[name]
    return next((entry for prefix, entry in prefixes if name.startswith(prefix)), None)


def provider_domains(items):
    """Registrable domains the declared third-party items live on: a host of one of them
    belongs to a declared provider."""
    return {
        registrable_domain(item.domain.lower().lstrip("."))
        for item in items
        if item.provider_id and item.domain
    }


def build(scan):
    """The findings of `scan`, most serious first."""
    site_host = host_of(scan.site.base_url)
    items = declared_items()
    index = DeclaredIndex(items)
    library = known_library()
    observations = list(scan.observations.all())
    findings = []
    undeclared = {}
    for observation in observations:
        if observation.kind == ObservationKind.REQUEST_HOST:
            continue
        matched = index.first(observation)
        if matched is None:
            key = (observation.kind, observation.name, observation.domain)
            finding = undeclared.get(key)
            if finding is None:
                finding = undeclared[key] = Finding(
                    FindingKind.UNDECLARED,
                    observation.name,
                    observation.domain,
                    observation.kind,
                    observation_id=observation.pk,
                    known=known_for(observation.name, library),
                )
            finding.phases.append(observation.phase)
            continue
        if matched.consent_required and observation.phase == ScanPhase.BEFORE_CONSENT:
            findings.append(_about(FindingKind.BEFORE_CONSENT, observation, matched))
        if matched.consent_required and observation.phase == ScanPhase.REJECTED:
            findings.append(_about(FindingKind.AFTER_REFUSAL, observation, matched))
        if (
            observation.kind == ObservationKind.COOKIE
            and matched.max_seconds is not None
            and (observation.lifetime_seconds or 0) > matched.max_seconds + LIFETIME_MARGIN_SECONDS
        ):
            finding = _about(FindingKind.LONGER_THAN_DECLARED, observation, matched)
            finding.detail = _lifetime_detail(observation.lifetime_seconds, matched.max_seconds)
            findings.append(finding)
    findings.extend(undeclared.values())

    known_domains = provider_domains(items)
    hosts = {}
    for observation in observations:
        if observation.kind != ObservationKind.REQUEST_HOST:
            continue
        if is_first_party(observation.name, site_host):
            continue
        if registrable_domain(observation.name) in known_domains:
            continue
        hosts.setdefault(
            observation.name,
            Finding(FindingKind.UNKNOWN_HOST, observation.name, observation.name, "host"),
        ).phases.append(observation.phase)
    findings.extend(hosts.values())
    findings.extend(_not_seen(scan, items, index))
    order = {kind: position for position, kind in enumerate(FindingKind.ORDER)}
    return sorted(findings, key=lambda f: (order[f.kind], f.name.lower(), f.domain))


def _about(kind, observation, declared):
    return Finding(
        kind, observation.name, observation.domain, observation.kind, [observation.phase],
        observation.pk, declared,
    )  # fmt: skip


def _lifetime_detail(seconds, declared_seconds):
    """'kept 400 days, declared 183 days', with the language's plural forms."""
    from django.utils.translation import gettext

    from compliance.retention import RetentionUnit, duration_text

    return gettext("kept %(seen)s, declared %(declared)s") % {
        "seen": duration_text(round(seconds / 86400), RetentionUnit.DAYS),
        "declared": duration_text(round(declared_seconds / 86400), RetentionUnit.DAYS),
    }


def _not_seen(scan, items, index):
    """Declared items that none of the site's latest finished scans (this one included) saw."""
    recent = list(
        Scan.objects.filter(site=scan.site)
        .filter(Q(state=JobState.DONE) | Q(pk=scan.pk))
        .order_by("-queued_at")
        .values_list("pk", flat=True)[:RECENT_SCANS]
    )
    seen = list(
        ScanObservation.objects.filter(scan__in=recent)
        .exclude(kind=ObservationKind.REQUEST_HOST)
        .values_list("kind", "name", "domain")
        .distinct()
    )
    matched = set()
    for kind, name, domain in seen:
        probe = ScanObservation(kind=kind, name=name, domain=domain)
        matched.update(position for position, _item in index.matching(probe))
    return [
        Finding(FindingKind.NOT_SEEN, item.name, item.domain, item.kind, declared=item)
        for position, item in enumerate(items)
        if position not in matched
    ]


def summary(findings, names=5):
    """{finding kind: {"count": n, "names": the first `names`}}, kept on the scan for the
    dashboard and the list of scans."""
    result = {}
    for finding in findings:
        entry = result.setdefault(finding.kind, {"count": 0, "names": []})
        entry["count"] += 1
        if len(entry["names"]) < names:
            entry["names"].append(finding.name)
    return result
