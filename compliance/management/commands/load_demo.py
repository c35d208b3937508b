from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from compliance import releases
from compliance.demo import DemoConflict, load_demo
from compliance.models import Release


class Command(BaseCommand):
    help = "Load the demo register (the seed vendor's GDPR page). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Also publish the demo as release 1 when nothing is published yet, so that the "
            "public pages have something to show.",
        )

    def handle(self, *args, publish=False, **options):
        try:
            outcome = load_demo()
        except DemoConflict as conflict:
            raise CommandError(
                _(
                    "The register belongs to %(organisation)s; the demo is loaded only into an "
                    "empty register or the demo's own."
                )
                % {"organisation": conflict}
            ) from conflict
        self.stdout.write(
            _("Demo register: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % outcome
        )
        if publish and not Release.objects.exists():
            release = releases.publish(note=_("The demo register"))
            self.stdout.write(_("Published %(release)s.") % {"release": release})
