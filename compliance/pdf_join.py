"""Joining a document rendered in parts into one tagged PDF (pikepdf, qpdf underneath).

The frame (compliance.document_parts) is a whole PDF/A-3b, PDF/UA-1 document with empty pages
where the parts go. Joining puts each part's pages in the place of those pages and keeps what
makes the file what it claims to be:

- one structure tree: WeasyPrint tags each page's content under the document's element, page
  after page, so the parts' elements go between the frame's, in page order, and the frame's
  elements for the empty pages are dropped; the parent tree (marked content and annotations to
  their elements) is numbered again over the joined pages;
- the running heads, page numbers ("Page X of Y") and draft watermark: drawn on each empty page
  of the frame, they are drawn on the part's page that replaces it, as a pagination artifact
  (a screen reader skips them, as PDF/UA asks);
- the contents' links: the frame's named destinations pointing at an empty page point at the
  part's page instead;
- the bookmarks: one outline built again from every piece's headings (their levels, not their
  depth in each piece's own outline, which starts wherever the piece does);
- the frame's catalogue: language, XMP metadata (PDF/A and PDF/UA identification), output
  intent, viewer preferences. The parts' own catalogues are dropped.
"""

import io

import pikepdf
from pikepdf import Array, Dictionary, Name

FURNITURE = Name("/Furniture")


def join(frame, first_page, parts):
    """PDF bytes of `frame` (a RenderedPart) with `parts` (RenderedParts) in place of its empty
    pages from index `first_page` on."""
    out = pikepdf.open(io.BytesIO(frame.pdf))
    page_count = sum(part.page_count for part in parts)
    empty_pages = [out.pages[index] for index in range(first_page, first_page + page_count)]
    empty_page_index = {page.obj.objgen: index for index, page in enumerate(empty_pages)}
    frame_page_index = {page.obj.objgen: index for index, page in enumerate(out.pages)}
    furniture = [_furniture(out, page) for page in empty_pages]

    tree_root = out.Root.StructTreeRoot
    document = _kids(tree_root)[0]
    source_of_page = {page.obj.objgen: None for page in out.pages}  # None: the frame
    parent_trees = {None: _numbers(tree_root.ParentTree)}
    before, after = [], []
    for element in _kids(document):
        page_index = frame_page_index[element.Pg.objgen]
        if page_index < first_page:
            before.append(element)
        elif page_index >= first_page + page_count:
            after.append(element)
        # An empty page's own elements (its placeholder) are left out of the tree.

    font_tags = {_subset_tag(font) for page in out.pages for font in _fonts(page)}
    joined_elements, position, retagged = [], first_page, set()
    for part_index, part in enumerate(parts):
        source = pikepdf.open(io.BytesIO(part.pdf))
        source_root = source.Root.StructTreeRoot
        source_document = _kids(source_root)[0]
        # Copying an element copies what it refers to: not its parent, the part's document
        # element, which would bring the part's whole tree root along.
        del source_document["/P"]
        for page in source.pages:
            out.pages.insert(position, page)
            joined = out.pages[position]
            source_of_page[joined.obj.objgen] = part_index
            _retag_fonts(joined, font_tags, retagged)
            _draw_furniture(out, joined, furniture[position - first_page])
            position += 1
        for element in map(out.copy_foreign, _kids(source_document)):
            element.P = document
            joined_elements.append(element)
        parent_trees[part_index] = _numbers(out.copy_foreign(source_root.ParentTree))
        source.close()
    for _ in range(page_count):
        del out.pages[position]

    document.K = Array([*before, *joined_elements, *after])
    _number_parent_tree(out, tree_root, source_of_page, parent_trees)
    _point_destinations(out, empty_page_index, first_page)
    _write_outline(out, _bookmarks(frame, first_page, page_count, parts))
    result = io.BytesIO()
    # The joined pieces' objects in compressed object streams, as WeasyPrint writes its own
    # (PDF/A-3 allows them): written one by one they would take five times the bytes.
    out.save(result, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return result.getvalue()


def _kids(element):
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _fonts(page):
    return [font for _name, font in page.Resources.get("/Font", Dictionary()).items()]


def _subset_tag(font):
    return str(font.get("/BaseFont", "")).lstrip("/").partition("+")[0]


def _retag_fonts(page, tags, retagged):
    """Give the font subsets of a part's page tags no other subset has: each piece subsets the
    same fonts under the same tag (ABCDEF+Document-Sans), and PDF requires different subsets
    in one file to have different tags (ISO 32000-1, 9.6.4); a viewer may otherwise take one
    subset's glyphs for another's."""
    for font in _fonts(page):
        if font.objgen in retagged or "+" not in str(font.get("/BaseFont", "")):
            continue
        retagged.add(font.objgen)
        number = len(tags)
        while True:
            tag = "".join(chr(ord("A") + (number // 26**place) % 26) for place in range(6))
            if tag not in tags:
                break
            number += 1
        tags.add(tag)
        renamed = Name("/" + tag + "+" + str(font.BaseFont).partition("+")[2])
        font.BaseFont = renamed
        for descendant in font.get("/DescendantFonts", []):
            descendant.BaseFont = renamed
            if "/FontDescriptor" in descendant:
                descendant.FontDescriptor.FontName = renamed
        if "/FontDescriptor" in font:
            font.FontDescriptor.FontName = renamed


def _numbers(number_tree):
    """A flat number tree (WeasyPrint writes one) as {key: value}."""
    if "/Kids" in number_tree:
        raise ValueError("Only a flat parent tree can be joined.")
    numbers = number_tree.Nums
    return {int(numbers[index]): numbers[index + 1] for index in range(0, len(numbers), 2)}


def _furniture(out, page):
    """What an empty page of the frame draws (running heads, page number, watermark) as a form
    XObject, its marked-content tags removed: it is drawn as one artifact."""
    operations = [
        (operands, operator)
        for operands, operator in pikepdf.parse_content_stream(page)
        if str(operator) not in ("BDC", "BMC", "EMC")
    ]
    form = pikepdf.Stream(out, pikepdf.unparse_content_stream(operations))
    form.Type = Name.XObject
    form.Subtype = Name.Form
    form.BBox = page.MediaBox
    form.Resources = page.Resources
    return out.make_indirect(form)


def _draw_furniture(out, page, form):
    """Draw `form` over `page` as a pagination artifact, the page's own drawing state saved."""
    resources = Dictionary(dict(page.Resources.items()))
    xobjects = page.Resources.get("/XObject", Dictionary())
    resources.XObject = Dictionary(dict(xobjects.items()))
    resources.XObject[FURNITURE] = form
    page.Resources = resources
    page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
    page.contents_add(
        pikepdf.Stream(out, b"\nQ\n/Artifact <</Type /Pagination>> BDC\nq /Furniture Do Q\nEMC\n")
    )


def _number_parent_tree(out, tree_root, source_of_page, parent_trees):
    """Number the parent tree again over the joined pages: pages first, then annotations, each
    key pointing where its piece's key pointed."""
    numbers, key = [], 0
    for page in out.pages:
        old = page.obj.get("/StructParents")
        if old is not None:
            numbers += [key, parent_trees[source_of_page[page.obj.objgen]][int(old)]]
            page.obj.StructParents = key
            key += 1
    for page in out.pages:
        for annotation in page.obj.get("/Annots", []):
            old = annotation.get("/StructParent")
            if old is not None:
                numbers += [key, parent_trees[source_of_page[page.obj.objgen]][int(old)]]
                annotation.StructParent = key
                key += 1
    tree_root.ParentTree = out.make_indirect(Dictionary(Nums=Array(numbers)))
    tree_root.ParentTreeNextKey = key


def _point_destinations(out, empty_page_index, first_page):
    """The frame's named destinations on an empty page point at the part's page instead."""
    names = out.Root.get("/Names")
    destinations = names.get("/Dests") if names is not None else None
    if destinations is None:
        return
    if "/Kids" in destinations:
        raise ValueError("Only a flat name tree of destinations can be joined.")
    entries = destinations.Names
    for index in range(1, len(entries), 2):
        destination = entries[index]
        page_index = empty_page_index.get(destination[0].objgen)
        if page_index is not None:
            destination[0] = out.pages[first_page + page_index].obj


def _bookmarks(frame, first_page, page_count, parts):
    """Every piece's headings in page order, with the joined document's page indexes."""
    bookmarks = [mark for mark in frame.bookmarks if mark[2] < first_page]
    offset = first_page
    for part in parts:
        bookmarks += [
            (level, label, page + offset, x, y, state)
            for level, label, page, x, y, state in part.bookmarks
        ]
        offset += part.page_count
    bookmarks += [mark for mark in frame.bookmarks if mark[2] >= first_page + page_count]
    return bookmarks


def _write_outline(out, bookmarks):
    """The document outline of `bookmarks`, nested by heading level as WeasyPrint nests it (a
    heading belongs under the last heading of a lower level)."""
    if "/Outlines" in out.Root:
        del out.Root["/Outlines"]
    if not bookmarks:
        return
    root = out.make_indirect(Dictionary(Type=Name.Outlines))
    # Each open item: [level, its dictionary, its children's dictionaries, closed].
    open_items = [[0, root, [], False]]
    for level, label, page, x, y, state in bookmarks:
        while open_items[-1][0] >= level:
            _close(*open_items.pop())
        item = out.make_indirect(
            Dictionary(
                Title=pikepdf.String(label),
                Dest=Array([out.pages[page].obj, Name.XYZ, x, y, 0]),
                Parent=open_items[-1][1],
            )
        )
        open_items[-1][2].append(item)
        open_items.append([level, item, [], state == "closed"])
    while open_items:
        _close(*open_items.pop())
    out.Root.Outlines = root


def _close(_level, item, children, closed):
    """Link an outline item's children and count the items shown under it (negative when it
    is closed), as PDF's outline items do."""
    for previous, following in zip(children, children[1:], strict=False):
        previous.Next, following.Prev = following, previous
    if not children:
        return
    item.First, item.Last = children[0], children[-1]
    shown = len(children) + sum(max(int(child.get("/Count", 0)), 0) for child in children)
    item.Count = -shown if closed else shown
