"""Control characters: refused on the way in, removed on the way out.

XML 1.0 (the Atom feed), XLSX cells and HTML validators reject C0 control characters other
than tab and line breaks; Word's manual line break (U+000B) is the one people paste most. Every
text field of the register refuses them (RegisterModel.clean_fields, so forms and imports
alike), and renderers pass what is already stored, releases included, through
`without_controls`, so a release published before the rule still renders.
"""

import json
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls except tab (09), line feed (0A) and carriage return (0D); DEL (7F) too, and the
# two non-characters XML also forbids. Word's U+000B and U+000C become a line break when
# removed from stored text, so that "line one<VT>line two" stays two lines.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
LINE_BREAKING = re.compile("[\x0b\x0c]")


def first_control(value):
    """(position, character) of the first control character in `value`, or None."""
    match = CONTROL_CHARACTERS.search(value) if isinstance(value, str) else None
    return (match.start(), match.group()) if match else None


def remove_controls(value):
    """`value` without control characters (a vertical tab or form feed becomes a line break)."""
    if not isinstance(value, str) or not CONTROL_CHARACTERS.search(value):
        return value
    return CONTROL_CHARACTERS.sub("", LINE_BREAKING.sub("\n", value))


# A control character as JSON writes it: C0 controls escaped (\u000b; backspace and form feed
# as \b and \f), DEL and the two non-characters as they are. A text holding a backslash and
# "u000b" or "b" matches too: the structure is then walked, which is only slower.
CONTROL_IN_JSON = re.compile(r"\\(?:u00(?:0[0-8bcef]|1[0-9a-f])|[bf])|[\x7f\ufffe\uffff]")


def without_controls(tree):
    """A JSON-like structure (dicts, lists, strings) with every text cleaned: the structure
    itself when it holds no control character (the rule on the way in makes that the usual
    case, and json.dumps finds it out ten times faster than walking a large release)."""
    if isinstance(tree, (dict, list)):
        try:
            written = json.dumps(tree, ensure_ascii=False)
        except (TypeError, ValueError):
            written = None
        if written is not None and not CONTROL_IN_JSON.search(written):
            return tree
    return _cleaned(tree)


def _cleaned(tree):
    if isinstance(tree, str):
        return remove_controls(tree)
    if isinstance(tree, dict):
        return {remove_controls(key): _cleaned(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_cleaned(item) for item in tree]
    return tree


def control_error(value):
    """A ValidationError naming the control character in `value` and where it is, or None."""
    found = first_control(value)
    if found is None:
        return None
    position, character = found
    return ValidationError(
        _(
            "Contains the invisible control character U+%(code)04X at position %(position)d "
            "(Word's manual line break is one). Remove it, or use an ordinary line break."
        ),
        code="control_character",
        params={"code": ord(character), "position": position + 1},
    )


def refuse_controls(value):
    """A field validator: text with a control character is refused."""
    error = control_error(value)
    if error is not None:
        raise error
