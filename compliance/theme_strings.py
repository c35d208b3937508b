"""Interface strings of the admin's theme (django-unfold), which ships no translations.

Listed here so that makemessages keeps them in locale/: the project's catalogues take
precedence over every app's, so unfold's templates show them in Polish, Czech and German.
Only the strings of the parts of unfold this admin uses (no editor, no guardian, no history
app); check the list when upgrading unfold (tests/test_locale.py finds the ones it misses).
"""

from django.utils.translation import gettext_noop

THEME_STRINGS = [
    gettext_noop("Add new item"),
    gettext_noop("Add row"),
    gettext_noop("After you've created a user, you’ll be able to edit more user options."),
    gettext_noop("All applications"),
    gettext_noop("Apply Filters"),
    gettext_noop("Cancel"),
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this object"
    ),
    gettext_noop("Choose file to upload"),
    gettext_noop("Click to cancel"),
    gettext_noop("Click to download"),
    gettext_noop("Collapse"),
    gettext_noop("Current file"),
    gettext_noop("Dark"),
    gettext_noop("Date"),
    gettext_noop("Date from"),
    gettext_noop("Date to"),
    gettext_noop("Default"),
    gettext_noop("Edit"),
    gettext_noop("Expand row"),
    gettext_noop("False"),
    gettext_noop("Filters"),
    gettext_noop("Forgotten your password or username?"),
    gettext_noop("From"),
    gettext_noop("General"),
    gettext_noop("Go back"),
    gettext_noop("Light"),
    gettext_noop("Loading more results..."),
    gettext_noop("More actions"),
    gettext_noop("Next"),
    gettext_noop("No data"),
    gettext_noop("No recent searches"),
    gettext_noop("No results found"),
    gettext_noop("No results matching your query"),
    gettext_noop("Previous"),
    gettext_noop("Recent searches"),
    gettext_noop("Reset filters"),
    gettext_noop("Reset to default"),
    gettext_noop("Return to site"),
    gettext_noop("Revert"),
    gettext_noop("Run"),
    gettext_noop("Search apps and models..."),
    gettext_noop("Select action"),
    gettext_noop("Select action to run"),
    gettext_noop("Select all rows"),
    gettext_noop("Select record"),
    gettext_noop("Select value"),
    gettext_noop("System"),
    gettext_noop("This item will be deleted."),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("This page yielded into no results. Create a new item or reset your filters."),
    gettext_noop("To"),
    gettext_noop("Toggle password visibility"),
    gettext_noop("True"),
    gettext_noop("Type to search"),
    gettext_noop("Value"),
    gettext_noop("You have been successfully logged out from the administration"),
]
