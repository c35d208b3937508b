from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from compliance.models import Release
from compliance.releases import RedactionRefused, occurs_in, redact


class Command(BaseCommand):
    help = (
        "Remove personal data from published releases (Art. 17 GDPR): replace each named value "
        "in the release's snapshot, note, change notices and documents. The release keeps its "
        "number; the redaction is recorded with who, when, why and the content hashes before "
        "and after, and public outputs say that the release was redacted."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--release", type=int, action="append", help="A release number.")
        target.add_argument(
            "--all",
            action="store_true",
            dest="every_release",
            help="Every release in which a value occurs.",
        )
        parser.add_argument(
            "--value", action="append", required=True, help="A value to remove (repeatable)."
        )
        parser.add_argument(
            "--replacement", default=None, help="What to put in its place (default: [redacted])."
        )
        parser.add_argument("--reason", required=True, help="Why, e.g. 'erasure request 2026-41'.")
        parser.add_argument("--user", help="Redact as this user (needs the publisher role).")

    def handle(self, *args, release, every_release, value, replacement, reason, user, **options):
        redactor = None
        if user:
            try:
                redactor = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"There is no user {user!r}.") from None
        if every_release:
            targets = [r for r in Release.objects.order_by("number") if occurs_in(r, value)]
            if not targets:
                raise CommandError("None of the values occurs in any release.")
        else:
            targets = list(Release.objects.filter(number__in=release).order_by("number"))
            missing = sorted(set(release) - {r.number for r in targets})
            if missing:
                raise CommandError(f"There is no release {missing[0]}.")
        for target in targets:
            present = [v for v in value if occurs_in(target, [v])] if every_release else value
            try:
                redaction = redact(
                    target, [(v, replacement) for v in present], reason=reason, user=redactor
                )
            except RedactionRefused as refused:
                raise CommandError(f"Not redacted: {' '.join(refused.reasons)}") from None
            total = sum(item["occurrences"] for item in redaction.replacements)
            self.stdout.write(
                f"Release {target.number}: {total} occurrence(s) redacted; content hash "
                f"{redaction.original_content_hash[:12]} -> {redaction.content_hash[:12]}"
            )
