"""PDF/UA-1 (ISO 14289-1) rules a machine can check, read with pikepdf (qpdf) from the bytes:
what veraPDF's PDF/UA profile and the Matterhorn Protocol test on identification, structure,
headings, tables, links, language and fonts. veraPDF itself cannot be installed here."""

import io
import re
import xml.etree.ElementTree as ET

import pikepdf

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
SCHEMA = "{http://www.aiim.org/pdfa/ns/schema#}"
DC = "{http://purl.org/dc/elements/1.1/}"
# A description that is only an anchor or a file name ("annex-1") says nothing to a listener.
BARE_ID = re.compile(r"[a-z0-9_-]+")
TABLE_GROUPS = {"/Table", "/THead", "/TBody", "/TFoot"}


def _xmp_values(xmp, namespace, name):
    """A property's values whether written as an attribute or as an element."""
    values = [
        description.get(f"{namespace}{name}")
        for description in xmp.iter(f"{RDF}Description")
        if description.get(f"{namespace}{name}") is not None
    ]
    return values + [element.text for element in xmp.iter(f"{namespace}{name}")]


def _kids(element):
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def structure(pdf):
    """The structure elements in reading order: (type, element, parent type)."""
    found = []

    def walk(element, parent_type):
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            return
        kind = str(element.S)
        found.append((kind, element, parent_type))
        for kid in _kids(element):
            walk(kid, kind)

    for top in _kids(pdf.Root.StructTreeRoot):
        walk(top, "/StructTreeRoot")
    return found


def problems(content, language):
    """Every PDF/UA-1 (and PDF/A-3b identification) rule `content` breaks, as sentences."""
    pdf = pikepdf.open(io.BytesIO(content))
    found = []
    root = pdf.Root

    # Identification (ISO 14289-1 5; PDF/A-3 6.6.2.3: pdfuaid described by an extension schema).
    xmp = ET.fromstring(bytes(root.Metadata.read_bytes()))
    if _xmp_values(xmp, PDFUAID, "part") != ["1"]:
        found.append("XMP does not claim PDF/UA-1 (pdfuaid:part)")
    if _xmp_values(xmp, PDFAID, "part") != ["3"] or _xmp_values(xmp, PDFAID, "conformance") != [
        "B"
    ]:
        found.append("XMP does not claim PDF/A-3b")
    declared = [e.text for e in xmp.iter(f"{SCHEMA}namespaceURI")]
    if "http://www.aiim.org/pdfua/ns/id/" not in declared:
        found.append("pdfuaid is used without a PDF/A extension schema")
    # dc:title is a language alternative: its text sits in rdf:Alt/rdf:li.
    titles = [text for title in xmp.iter(f"{DC}title") for text in title.itertext()]
    if not any(text.strip() for text in titles):
        found.append("no dc:title")

    # Document level (7.1): tagged, titled, in a language.
    if not root.get("/MarkInfo", {}).get("/Marked"):
        found.append("not marked as tagged (MarkInfo/Marked)")
    if not root.get("/ViewerPreferences", {}).get("/DisplayDocTitle"):
        found.append("the viewer is not told to show the title (DisplayDocTitle)")
    if str(root.get("/Lang", "")) != language:
        found.append(f"the document's language is {root.get('/Lang')!r}, not {language!r}")
    if "/StructTreeRoot" not in root:
        return found + ["no structure tree"]

    elements = structure(pdf)
    # Headings (7.4.2): begin with H1, never skip a level going down.
    levels = [int(kind[2]) for kind, _e, _p in elements if re.fullmatch(r"/H[1-6]", kind)]
    if not levels or levels[0] != 1:
        found.append(f"the first heading is not H1: {levels[:1]}")
    for before, after in zip(levels, levels[1:], strict=False):
        if after > before + 1:
            found.append(f"heading level jumps from H{before} to H{after}")

    # Tables (7.5): cells in rows, rows in tables, every header cell with its scope.
    parents = {}
    for kind, element, parent in elements:
        parents[element.objgen] = parent
        if kind in ("/TH", "/TD") and parent != "/TR":
            found.append(f"a {kind} outside a table row ({parent})")
        if kind == "/TR" and parent not in TABLE_GROUPS:
            found.append(f"a table row outside a table ({parent})")
        if kind == "/TH":
            scope = element.get("/A", {}).get("/Scope")
            if str(scope) not in ("/Row", "/Column", "/Both"):
                found.append("a table header cell without Scope")
        if kind == "/Figure" and not str(element.get("/Alt", "")).strip():
            found.append("a figure without alternative text")

    # Links (7.18.5): each annotation in a Link element, described, pages in structure order.
    linked = set()
    for kind, element, _parent in elements:
        if kind == "/Link":
            for kid in _kids(element):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    linked.add(kid.Obj.objgen)
    for number, page in enumerate(pdf.pages, start=1):
        annotations = list(page.obj.get("/Annots", []))
        if annotations and page.obj.get("/Tabs") != "/S":
            found.append(f"page {number}: annotations not in structure order (Tabs)")
        for annotation in annotations:
            if annotation.get("/Subtype") != "/Link":
                continue
            contents = str(annotation.get("/Contents", "")).strip()
            if not contents or BARE_ID.fullmatch(contents):
                found.append(f"page {number}: a link described as {contents!r}")
            if annotation.objgen not in linked:
                found.append(f"page {number}: a link annotation outside a Link element")

    # Fonts (7.21): embedded, with a way to Unicode.
    for number, page in enumerate(pdf.pages, start=1):
        for name, font in page.obj.Resources.get("/Font", {}).items():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor", {})
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                found.append(f"page {number}: font {name} is not embedded")
            if "/ToUnicode" not in font:
                found.append(f"page {number}: font {name} has no ToUnicode map")
    return found


def link_descriptions(content):
    pdf = pikepdf.open(io.BytesIO(content))
    return [
        str(annotation.get("/Contents", ""))
        for page in pdf.pages
        for annotation in page.obj.get("/Annots", [])
        if annotation.get("/Subtype") == "/Link"
    ]
