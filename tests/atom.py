"""Checks an Atom feed as an independent validator would: RFC 4287's RELAX NG grammar
(tests/schemas/atom.rnc, turned into RELAX NG's XML form by rnc2rng and applied by libxml2),
the rules RFC 4287 states in prose and Schematron, and RFC 4151's syntax for tag: ids."""

import re
from functools import cache
from pathlib import Path

import rnc2rng
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).parent / "schemas" / "atom.rnc"

# RFC 4151 section 2.1, with RFC 3986's pchar.
_DNS = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"
_PCHAR = r"([A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
TAG_URI = re.compile(
    rf"tag:({_DNS}|[A-Za-z0-9._%+-]+@{_DNS}),\d{{4}}(-\d{{2}}(-\d{{2}})?)?:"
    rf"({_PCHAR}|[/?])*(#({_PCHAR}|[/?])*)?"
)


@cache
def relax_ng():
    grammar = rnc2rng.dumps(rnc2rng.load(str(SCHEMA)))
    # rnc2rng declares the RNC's `namespace local = ""` as xmlns:local="", which XML forbids;
    # the grammar itself refers to the empty namespace as ns="" and needs no prefix for it.
    grammar = grammar.replace('xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(grammar.encode()))


def problems(content):
    """Everything wrong with a feed's bytes, as sentences (empty when it is valid)."""
    document = etree.fromstring(content)
    schema = relax_ng()
    found = [str(error) for error in schema.error_log] if not schema.validate(document) else []
    entries = document.findall(f"{ATOM}entry")
    if document.find(f"{ATOM}author") is None and any(
        entry.find(f"{ATOM}author") is None for entry in entries
    ):
        found.append("the feed has no author and an entry has none either (RFC 4287 4.1.1)")
    ids = [document.findtext(f"{ATOM}id")] + [entry.findtext(f"{ATOM}id") for entry in entries]
    found += [f"id {i!r} is not a tag: URI (RFC 4151)" for i in ids if not TAG_URI.fullmatch(i)]
    if len(set(ids)) != len(ids):
        found.append("ids repeat")
    for entry in entries:
        alternate = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        if not alternate and entry.find(f"{ATOM}content") is None:
            found.append(f"entry {entry.findtext(f'{ATOM}id')} has neither content nor link")
        if entry.find(f"{ATOM}content") is None and entry.find(f"{ATOM}summary") is None:
            # 4.1.1.1: no content (only a link) needs a summary.
            found.append(f"entry {entry.findtext(f'{ATOM}id')} has no summary")
    if document.find(f"{ATOM}link[@rel='self']") is None:
        found.append("the feed does not link to itself (rel=self, RFC 4287 4.1.1 SHOULD)")
    return found


def entries(content):
    """(id, title, summary, alternate link) of each entry."""
    document = etree.fromstring(content)
    return [
        (
            entry.findtext(f"{ATOM}id"),
            entry.findtext(f"{ATOM}title"),
            entry.findtext(f"{ATOM}summary"),
            entry.find(f"{ATOM}link").get("href"),
        )
        for entry in document.findall(f"{ATOM}entry")
    ]
