from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from compliance.demo import DemoConflict, load_demo


class Command(BaseCommand):
    help = "Load the demo register (the seed vendor's GDPR page). Running it again changes nothing."

    def handle(self, *args, **options):
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
