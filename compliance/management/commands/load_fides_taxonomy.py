from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from compliance import fides


class Command(BaseCommand):
    help = (
        "Add the Fides privacy taxonomy (fideslang) to the register as a starting library: "
        "data categories with their hierarchy, data subjects, and data uses as purposes whose "
        "legal basis is left to choose. Keeps what the register already has."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            nargs="+",
            choices=fides.PARTS,
            default=list(fides.PARTS),
            help="Load only these parts.",
        )
        parser.add_argument("--user", help="Record the change in the history as this user.")

    def handle(self, *args, only, user, **options):
        who = None
        if user:
            try:
                who = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist as error:
                raise CommandError(f"There is no user {user!r}.") from error
        try:
            report = fides.load(parts=tuple(only), user=who)
        except fides.TaxonomyMissing as missing:
            raise CommandError(str(missing)) from missing
        self.stdout.write(report.summary())
