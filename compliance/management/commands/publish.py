import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from compliance.releases import PublishRefused, publish


def iso_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(
            _("--effective-date must be a date as YYYY-MM-DD, not %(value)r.") % {"value": text}
        ) from error


class Command(BaseCommand):
    help = "Publish the register as the next release; prints the release number."

    def add_arguments(self, parser):
        parser.add_argument("--note", required=True, help="What this release is, for readers.")
        parser.add_argument("--effective-date", help="YYYY-MM-DD; default today.")
        parser.add_argument(
            "--user",
            help="Publish as this user, who needs the publish permission (publisher role). "
            "Without it the release is recorded as published from the command line.",
        )
        parser.add_argument(
            "--notice-days",
            type=int,
            help="Days between a sub-processor change notice and the change: at least the "
            "period agreed in the organisation's settings (Clause 7.7(a)), which is the default.",
        )

    def handle(self, *args, note, effective_date, user, notice_days, **options):
        effective = iso_date(effective_date) if effective_date else None
        publisher = None
        if user:
            try:
                publisher = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist as error:
                raise CommandError(_("There is no user %(user)r.") % {"user": user}) from error
        try:
            release = publish(
                note=note, user=publisher, effective_date=effective, notice_days=notice_days
            )
        except PublishRefused as refused:
            raise CommandError(
                _("Not published: %(reasons)s") % {"reasons": " ".join(refused.reasons)}
            ) from refused
        self.stdout.write(str(release.number))
