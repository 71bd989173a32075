"""Impose card pages onto A4 and Letter sheets: duplex sheets and fold sheets.

Geometry is in millimetres with the origin at the sheet's top-left corner and y
pointing down (as in CSS); only `_place` converts to PDF points, y up.
Duplex sheets assume long-edge binding of a portrait sheet: the back of a cell
lies at the cell's mirror image across the sheet's vertical centre line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
from collections.abc import Iterator, Sequence
from typing import Any, cast

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, OutlineItem

MM = 72 / 25.4
#: Edge of the sheet most printers cannot print on.
MARGIN_MM = 5.0
#: Cut marks start this far outside a card edge and are this long.
MARK_GAP_MM = 1.0
MARK_LEN_MM = 3.5
MARK_ZONE_MM = MARK_GAP_MM + MARK_LEN_MM
MARK_LINE_MM = 0.2
#: Smallest band that holds a one-line sheet label.
LABEL_BAND_MM = 4.5

Ctm = tuple[float, float, float, float, float, float]


@dataclasses.dataclass(frozen=True)
class Box:
    """A rectangle on the sheet: top-left corner and size, in mm."""

    x: float
    y: float
    w: float
    h: float


@dataclasses.dataclass(frozen=True)
class Segment:
    """A printed line from (x1, y1) to (x2, y2), in mm; `kind` is "cut" or "fold"."""

    x1: float
    y1: float
    x2: float
    y2: float
    kind: str = "cut"

    @property
    def vertical(self) -> bool:
        """Whether the line runs down the sheet."""
        return self.x1 == self.x2


@dataclasses.dataclass(frozen=True)
class SheetMarks:
    """What the overlay of one sheet side shows: lines and a label in a free band."""

    segments: tuple[Segment, ...]
    label: str | None
    label_box: Box | None


@dataclasses.dataclass(frozen=True)
class Grid:
    """Items (cards, or front+back pairs) laid out in rows and columns on a sheet."""

    sheet_w: float
    sheet_h: float
    item_w: float  # the item's own (upright) width
    item_h: float
    cols: int
    rows: int
    rotated: bool  # items turned a quarter turn so their top points left
    left: float
    top: float

    @property
    def cell_w(self) -> float:
        """Width one item takes on the sheet."""
        return self.item_h if self.rotated else self.item_w

    @property
    def cell_h(self) -> float:
        """Height one item takes on the sheet."""
        return self.item_w if self.rotated else self.item_h

    @property
    def per_sheet(self) -> int:
        """How many items fit on one sheet."""
        return self.cols * self.rows

    def cell(self, index: int) -> Box:
        """Return the box of the `index`-th item on a sheet, filled row by row."""
        row, col = divmod(index, self.cols)
        return Box(self.left + col * self.cell_w, self.top + row * self.cell_h, self.cell_w, self.cell_h)

    def mirror(self, box: Box) -> Box:
        """Return where `box` lands on the other side of the sheet after a long-edge flip."""
        return Box(self.sheet_w - box.x - box.w, box.y, box.w, box.h)


def plan_grid(sheet_w: float, sheet_h: float, item_w: float, item_h: float,
              margin: float = MARGIN_MM, zone: float = MARK_ZONE_MM) -> Grid:
    """Fit as many items as possible inside the printable area, leaving room for cut marks.

    Items are turned a quarter turn when more fit that way; the grid is centred.
    """
    usable_w = sheet_w - 2 * (margin + zone)
    usable_h = sheet_h - 2 * (margin + zone)
    best: tuple[int, bool, int, int] | None = None
    for rotated in (False, True):
        w, h = (item_h, item_w) if rotated else (item_w, item_h)
        cols = math.floor(usable_w / w + 1e-9)
        rows = math.floor(usable_h / h + 1e-9)
        if best is None or cols * rows > best[2] * best[3]:
            best = (0, rotated, cols, rows)
    assert best is not None
    _, rotated, cols, rows = best
    if cols * rows == 0:
        raise ValueError(f"an item of {item_w}x{item_h} mm does not fit on a {sheet_w}x{sheet_h} mm sheet")
    cell_w, cell_h = (item_h, item_w) if rotated else (item_w, item_h)
    return Grid(sheet_w, sheet_h, item_w, item_h, cols, rows, rotated,
                (sheet_w - cols * cell_w) / 2, (sheet_h - rows * cell_h) / 2)


def sheet_count(grid: Grid, items: int) -> int:
    """Return how many sheets `items` items need."""
    return max(1, math.ceil(items / grid.per_sheet))


def cut_marks(grid: Grid, items: int) -> list[Segment]:
    """Return cut marks around the cells used by `items` items, outside the cards only."""
    cols = min(items, grid.cols)
    rows = math.ceil(items / grid.cols)
    right = grid.left + cols * grid.cell_w
    bottom = grid.top + rows * grid.cell_h
    out = []
    for i in range(cols + 1):
        x = grid.left + i * grid.cell_w
        out.append(Segment(x, grid.top - MARK_ZONE_MM, x, grid.top - MARK_GAP_MM))
        out.append(Segment(x, bottom + MARK_GAP_MM, x, bottom + MARK_ZONE_MM))
    for j in range(rows + 1):
        y = grid.top + j * grid.cell_h
        out.append(Segment(grid.left - MARK_ZONE_MM, y, grid.left - MARK_GAP_MM, y))
        out.append(Segment(right + MARK_GAP_MM, y, right + MARK_ZONE_MM, y))
    return out


def fold_lines(grid: Grid, items: int) -> list[Segment]:
    """Return the fold line of each front+back pair, marked across the pair and beyond it."""
    out = []
    for i in range(items):
        box = grid.cell(i)
        if grid.rotated:  # the pair's front is below its back
            y = box.y + box.h / 2
            out.append(Segment(box.x - MARK_ZONE_MM, y, box.x + box.w + MARK_ZONE_MM, y, "fold"))
        else:
            x = box.x + box.w / 2
            out.append(Segment(x, box.y - MARK_ZONE_MM, x, box.y + box.h + MARK_ZONE_MM, "fold"))
    return out


def label_box(grid: Grid, items: int) -> Box | None:
    """Return a free band above (else below) the cards for a label, if there is one."""
    top_band = grid.top - MARK_ZONE_MM - MARGIN_MM
    if top_band >= LABEL_BAND_MM:
        return Box(MARGIN_MM, MARGIN_MM, grid.sheet_w - 2 * MARGIN_MM, top_band)
    rows = math.ceil(min(items, grid.per_sheet) / grid.cols)
    bottom = grid.top + rows * grid.cell_h + MARK_ZONE_MM
    if grid.sheet_h - MARGIN_MM - bottom >= LABEL_BAND_MM:
        return Box(MARGIN_MM, bottom, grid.sheet_w - 2 * MARGIN_MM, grid.sheet_h - MARGIN_MM - bottom)
    return None


def duplex_marks(grid: Grid, items: int, paper: str) -> list[SheetMarks]:
    """Return the overlays of duplex sheets: a front side with cut marks, then a back side."""
    out = []
    for s in range(sheet_count(grid, items)):
        count = min(grid.per_sheet, items - s * grid.per_sheet)
        box = label_box(grid, count)
        out.append(SheetMarks(tuple(cut_marks(grid, count)),
                              f"Fronts ({paper}). Print double-sided, flip on long edge, at 100% (actual size).",
                              box))
        # Why no marks on backs: a back printed slightly off would show a second, wrong cut line.
        out.append(SheetMarks((), "Backs.", box))
    return out


def fold_marks(grid: Grid, items: int) -> list[SheetMarks]:
    """Return the overlays of fold sheets: cut marks around pairs and a dashed fold line."""
    out = []
    for s in range(sheet_count(grid, items)):
        count = min(grid.per_sheet, items - s * grid.per_sheet)
        out.append(SheetMarks(
            (*cut_marks(grid, count), *fold_lines(grid, count)),
            "Cut along the solid marks, fold on the dashed line, glue back to back. Print at 100% (actual size).",
            label_box(grid, count)))
    return out


def distinct(sides: Sequence[SheetMarks]) -> tuple[list[SheetMarks], list[int]]:
    """Return each different sheet side once, and which of them each side shows.

    Why: a deck of 1,000 cards needs about 1,000 sheet sides but only two or three different
    overlays (a full sheet, the last one, a back); each is laid out once.
    """
    different = list(dict.fromkeys(sides))
    return different, [different.index(side) for side in sides]


# ---- Placing pages ---------------------------------------------------------------------


def place(box: Box, sheet_h: float, turn: int, shift: tuple[float, float] = (0.0, 0.0)) -> Ctm:
    """Return the matrix that puts a page of the item's size into `box`.

    turn: 0 upright, 90 a quarter turn counter-clockwise (top to the left), -90 clockwise.
    shift: extra (x right, y down) in mm, as the back offset.
    """
    x = (box.x + shift[0]) * MM
    top = (sheet_h - box.y - shift[1]) * MM
    if turn == 0:
        return (1, 0, 0, 1, x, top - box.h * MM)
    if turn == 90:  # (x, y) -> (-y, x)
        return (0, 1, -1, 0, x + box.w * MM, top - box.h * MM)
    if turn == -90:  # (x, y) -> (y, -x)
        return (0, -1, 1, 0, x, top)
    raise ValueError(f"turn must be 0, 90 or -90, not {turn}")


def then(first_dx: float, ctm: Ctm) -> Ctm:
    """Return `ctm` applied after a shift of `first_dx` points along the page's x axis."""
    a, b, c, d, e, f = ctm
    return (a, b, c, d, e + a * first_dx, f + b * first_dx)


@dataclasses.dataclass(frozen=True)
class Meta:
    """Document metadata of an imposed PDF."""

    title: str
    author: str
    language: str
    date: str  # an ISO 8601 date and time such as 2000-01-01T00:00:00Z


# ---- Writing PDFs ----------------------------------------------------------------------
#
# Every PDF is assembled from the cards' own PDFs with pikepdf's public API: pages are copied
# with `pages.extend` and `copy_foreign`, drawn on sheets as Form XObjects, and written by
# `save(deterministic_id=True)`, so the same cards give the same bytes.


def open_pdf(data: bytes) -> pikepdf.Pdf:
    """Parse a PDF held in memory."""
    return pikepdf.open(io.BytesIO(data))


def save_pdf(pdf: pikepdf.Pdf, version: str = "") -> bytes:
    """Write a PDF of at least `version` with object streams and an identifier derived from its content."""
    out = io.BytesIO()
    pdf.save(out, min_version=version, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _number_entries(tree: pikepdf.Object) -> Iterator[tuple[int, pikepdf.Object]]:
    """Yield the (key, value) pairs of a number tree, in key order."""
    entries = list(tree.get(Name.Nums, Array()))
    for key, value in zip(entries[::2], entries[1::2], strict=True):
        yield int(key), value
    for kid in tree.get(Name.Kids, Array()):
        yield from _number_entries(kid)


def _copy(pdf: pikepdf.Pdf, source: pikepdf.Pdf, value: pikepdf.Object) -> pikepdf.Object:
    """Return a dictionary, array or stream of `source` as one of `pdf`, with what it refers to."""
    return pdf.copy_foreign(value if value.is_indirect else source.make_indirect(value))


class TagTree:
    """The tag tree of a joined document: one Document element holding each part's tags.

    Why renumber: each part numbers its pages' marked content from 0 (/StructParents and the
    /ParentTree keys); in the joined document every part gets keys of its own.
    """

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        # Why a list: extending a pikepdf Array copies it; a 1,000-card deck took 22 s of CPU, not 7.
        self.nums: list[Any] = []
        self.roles = Dictionary()
        self.next_key = 0

    def add(self, part: pikepdf.Pdf, pages: Sequence[pikepdf.Page]) -> None:
        """Add a part's tags; `pages` are its pages, already copied into the joined document."""
        offset = self.next_key
        for page in pages:
            if Name.StructParents in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
                self.next_key = max(self.next_key, int(page.obj.StructParents) + 1)
            for annotation in page.obj.get(Name.Annots, Array()):
                if Name.StructParent in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
                    self.next_key = max(self.next_key, int(annotation.StructParent) + 1)
        source = part.Root.get(Name.StructTreeRoot)
        if not isinstance(source, Dictionary):
            return
        # After the pages: copy_foreign maps the tags' /Pg and /Obj to the pages and links copied.
        tree = _copy(self.pdf, part, source)
        top = tree.get(Name.K)
        for kid in top if isinstance(top, Array) else [] if top is None else [top]:
            kid = self.pdf.make_indirect(kid)
            kid.P = self.document
            self.document.K.append(kid)
        for key, value in _number_entries(tree.get(Name.ParentTree, Dictionary())):
            self.nums.extend([key + offset, value])
            self.next_key = max(self.next_key, key + offset + 1)
        for role, standard in tree.get(Name.RoleMap, Dictionary()).items():
            self.roles[role] = standard

    def root(self) -> Dictionary:
        """Return the tree's root, to be the document's /StructTreeRoot."""
        root = self.pdf.make_indirect(Dictionary(
            Type=Name.StructTreeRoot, K=self.document, ParentTreeNextKey=self.next_key,
            ParentTree=self.pdf.make_indirect(Dictionary(Nums=Array(self.nums)))))
        if self.roles:
            root.RoleMap = self.roles
        self.document.P = root
        return root


def join_tagged(parts: Sequence[bytes], titles: Sequence[str]) -> bytes:
    """Join tagged PDFs into one tagged PDF: pages, tag trees, and a bookmark per part.

    The document keeps the first part's document information (title, author, language, XMP) as
    if it were that document with the other parts' pages added. Why not WeasyPrint: joining the
    parts' bytes lets each part come from the cache instead of being laid out again.
    """
    with pikepdf.new() as pdf:
        tags = TagTree(pdf)
        starts: list[int] = []
        version = ""
        for index, data in enumerate(parts):
            # pikepdf copies stream data as it copies objects, so each part is closed once copied:
            # keeping 1,000 parts open until the deck was written took 700 MiB instead of 370 MiB.
            with open_pdf(data) as part:
                version = max(version, part.pdf_version)
                if index == 0:
                    pdf.docinfo = cast(Dictionary, _copy(pdf, part, part.docinfo))
                    for key in (Name.MarkInfo, Name.ViewerPreferences, Name.Metadata):
                        if key in part.Root:
                            pdf.Root[key] = _copy(pdf, part, part.Root[key])
                    if Name.Lang in part.Root:
                        pdf.Root.Lang = pikepdf.String(str(part.Root.Lang))
                starts.append(len(pdf.pages))
                pdf.pages.extend(part.pages)
                tags.add(part, pdf.pages[starts[-1]:])
        pdf.Root.StructTreeRoot = tags.root()
        with pdf.open_outline() as outline:
            outline.root.extend(OutlineItem(title, start) for title, start in zip(titles, starts, strict=True))
        return save_pdf(pdf, version)


def enlarge(deck: bytes, width: float, height: float, title: str) -> bytes:
    """Return the deck with each page scaled up to fill `width` x `height` points, centred, titled `title`.

    Why scale instead of laying the cards out again: the cards, their tags, fonts and
    metadata stay as they are, and a large library saves a second layout of every card.
    """
    return _fit(deck, width, height, title, scale_up=True)


def on_paper(document: bytes, paper: tuple[float, float]) -> bytes:
    """Return the document with each page centred, at its size, on pages of `paper` (width, height in mm).

    Why: a document laid out once on the area two papers share (A4 and US Letter, A5 and
    half-letter) prints at full size on both; only the paper around it differs.
    """
    return _fit(document, paper[0] * MM, paper[1] * MM, None, scale_up=False)


def _fit(document: bytes, width: float, height: float, title: str | None, scale_up: bool) -> bytes:
    """Put each page, scaled up to fill it or at its size, in the middle of a `width` x `height` page."""
    with open_pdf(document) as pdf:
        moves: dict[tuple[int, int], Ctm] = {}
        # Pages of one size share the streams that move them: a document has one or two sizes.
        streams: dict[Ctm, tuple[pikepdf.Stream, pikepdf.Stream]] = {}
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(value) for value in page.mediabox)
            scale = min(width / (x1 - x0), height / (y1 - y0)) if scale_up else 1.0
            move = moves[page.obj.objgen] = (scale, 0, 0, scale, round((width - scale * (x1 + x0)) / 2, 4),
                                             round((height - scale * (y1 + y0)) / 2, 4))
            if move not in streams:
                operands: list[Any] = list(move)
                before = pikepdf.unparse_content_stream([([], Operator("q")), (operands, Operator("cm"))])
                after = pikepdf.unparse_content_stream([([], Operator("Q"))])
                streams[move] = (pdf.make_stream(before), pdf.make_stream(after))
            page.contents_add(streams[move][0], prepend=True)
            page.contents_add(streams[move][1])
            for key in (Name.CropBox, Name.BleedBox, Name.TrimBox, Name.ArtBox):
                if key in page.obj:
                    page.obj[key] = _moved(page.obj[key], move)
            page.obj.MediaBox = Array([0, 0, width, height])
        return _save_moved(pdf, moves, title)


#: Crop marks: how far they stay off the trim corner, and their line width (points).
CROP_GAP_MM = 1.0
CROP_LINE_PT = 0.25


def add_bleed(deck: bytes, bleed: float, title: str) -> bytes:
    """Return the deck for a print shop: each page grown by `bleed` points a side, with crop marks.

    The face keeps its size as the TrimBox; MediaBox and BleedBox take the bleed. The marks
    lie in the bleed, on the lines of the trim, stopping CROP_GAP_MM short of the corner, and
    are tagged as artifacts. Why from the deck and not laid out again: a second layout of every
    card would double the cards' cost, and the tags stay as they are. The cards' faces are
    white to their edges, so the bleed is white paper: what runs off a trim edge is the
    page's own background, which WeasyPrint paints over the whole page.
    """
    gap = CROP_GAP_MM * MM
    with open_pdf(deck) as pdf:
        moves: dict[tuple[int, int], Ctm] = {}
        # Pages of one box share the streams that move them and draw their marks.
        streams: dict[tuple[float, ...], tuple[pikepdf.Stream, pikepdf.Stream]] = {}
        for page in pdf.pages:
            box = x0, y0, x1, y1 = tuple(float(value) for value in page.mediabox)
            width, height = x1 - x0 + 2 * bleed, y1 - y0 + 2 * bleed
            move = moves[page.obj.objgen] = (1, 0, 0, 1, bleed - x0, bleed - y0)
            trim = [bleed, bleed, width - bleed, height - bleed]
            if box not in streams:
                # Each corner: a horizontal and a vertical stroke in the bleed, on the trim's lines.
                marks: list[tuple[list[Any], Operator]] = [([CROP_LINE_PT], Operator("w")), ([0], Operator("G"))]
                for x, sx in ((trim[0], -1), (trim[2], 1)):
                    for y, sy in ((trim[1], -1), (trim[3], 1)):
                        marks += [([x + sx * gap, y], Operator("m")), ([x + sx * bleed, y], Operator("l")),
                                  ([x, y + sy * gap], Operator("m")), ([x, y + sy * bleed], Operator("l"))]
                marks.append(([], Operator("S")))
                operands: list[Any] = list(move)
                before = pikepdf.unparse_content_stream([([], Operator("q")), (operands, Operator("cm"))])
                after = pikepdf.unparse_content_stream(
                    [([], Operator("Q")), ([Name.Artifact, Dictionary(Type=Name.Pagination)], Operator("BDC")),
                     ([], Operator("q")), *marks, ([], Operator("Q")), ([], Operator("EMC"))])
                streams[box] = (pdf.make_stream(before), pdf.make_stream(after))
            page.contents_add(streams[box][0], prepend=True)
            page.contents_add(streams[box][1])
            for key in (Name.CropBox, Name.ArtBox):
                if key in page.obj:
                    del page.obj[key]
            page.obj.MediaBox = Array([0, 0, width, height])
            page.obj.BleedBox = Array([0, 0, width, height])
            page.obj.TrimBox = Array([round(value, 4) for value in trim])
        return _save_moved(pdf, moves, title)


def _save_moved(pdf: pikepdf.Pdf, moves: dict[tuple[int, int], Ctm], title: str | None) -> bytes:
    """Move each page's links and the places its tags give (a figure's /BBox) as its content moved; save
    as `title` (None: as titled)."""
    for page in pdf.pages:
        for annotation in page.obj.get(Name.Annots, Array()):
            annotation.Rect = _moved(annotation.Rect, moves[page.obj.objgen])
    # Why every object rather than a walk down the tag tree: each tag is an object of its own, and
    # a deck of 1,000 cards has about 190,000 tags, of which only the 2,000 figures give a place.
    for element in pdf.objects:
        if isinstance(element, Dictionary) and Name.S in element and Name.A in element and Name.Pg in element:
            attributes = element.A
            for attribute in attributes if isinstance(attributes, Array) else [attributes]:
                if isinstance(attribute, Dictionary) and Name.BBox in attribute:
                    attribute.BBox = _moved(attribute.BBox, moves[element.Pg.objgen])
    if title is not None:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp["dc:title"] = title
    return save_pdf(pdf, pdf.pdf_version)


def _moved(rect: pikepdf.Object, ctm: Ctm) -> Array:
    """Return a rectangle [x0 y0 x1 y1] moved by a matrix that scales and shifts."""
    a, _, _, d, e, f = ctm
    x0, y0, x1, y1 = (float(value) for value in rect)
    return Array([round(value, 4) for value in (a * x0 + e, d * y0 + f, a * x1 + e, d * y1 + f)])


# ---- Imposing card pages on sheets -----------------------------------------------------

Placements = Sequence[tuple[int, Ctm]]


class Deck:
    """A deck opened to draw its pages on sheets: each page's content becomes a Form XObject, made once.

    The sheet files are written from this same document: its pages are swapped for the sheets each
    time, so the cards' content, fonts and images are never copied. Why: drawing 2,000 pages with
    `as_form_xobject` and copying the forms into each sheet file held the content of every page
    uncompressed (670 MiB for a 1,000-card deck, against 510 MiB), and compressed it again for
    every file.
    """

    def __init__(self, data: bytes) -> None:
        self.pdf = open_pdf(data)
        self.version = self.pdf.pdf_version
        self.forms = [_page_form(self.pdf, page) for page in self.pdf.pages]

    def __enter__(self) -> Deck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pdf.close()


def _page_form(pdf: pikepdf.Pdf, page: pikepdf.Page) -> pikepdf.Object:
    """Return a page's content as a Form XObject: its own content stream made a form, or pikepdf's copy."""
    contents = page.obj.get(Name.Contents)
    if not isinstance(contents, pikepdf.Stream) or Name.Rotate in page.obj or Name.UserUnit in page.obj:
        return pdf.make_indirect(page.as_form_xobject())
    contents.Type, contents.Subtype = Name.XObject, Name.Form
    contents.BBox, contents.Resources = page.trimbox, page.obj.get(Name.Resources, Dictionary())
    if Name.Group in page.obj:
        contents.Group = page.obj.Group
    return contents


def impose_duplex(deck: Deck | bytes, pairs: Sequence[tuple[int, int]], grid: Grid, back_offset: tuple[float, float],
                  overlay: bytes, sides: Sequence[int], meta: Meta) -> bytes:
    """Put fronts on one side of each sheet and their backs behind them on the next page.

    sides: which page of `overlay` each sheet side shows, fronts and backs taking turns.
    """
    front_turn, back_turn = (90, -90) if grid.rotated else (0, 0)
    sheets: list[tuple[int, Placements]] = []
    for s, start in enumerate(range(0, len(pairs), grid.per_sheet)):
        batch = pairs[start:start + grid.per_sheet]
        sheets.append((sides[2 * s], [(front, place(grid.cell(i), grid.sheet_h, front_turn))
                                      for i, (front, _) in enumerate(batch)]))
        sheets.append((sides[2 * s + 1], [
            (back, place(grid.mirror(grid.cell(i)), grid.sheet_h, back_turn, back_offset))
            for i, (_, back) in enumerate(batch)]))
    return write_sheets(deck, sheets, overlay, meta)


def impose_fold(deck: Deck | bytes, pairs: Sequence[tuple[int, int]], grid: Grid, overlay: bytes, sides: Sequence[int],
                meta: Meta) -> bytes:
    """Put each front beside its back, one fold apart, for one-sided printing.

    sides: which page of `overlay` each sheet shows.
    """
    turn = 90 if grid.rotated else 0
    card_w = grid.item_w / 2 * MM
    sheets: list[tuple[int, Placements]] = []
    for s, start in enumerate(range(0, len(pairs), grid.per_sheet)):
        placements = []
        for i, (front, back) in enumerate(pairs[start:start + grid.per_sheet]):
            ctm = place(grid.cell(i), grid.sheet_h, turn)
            placements += [(front, ctm), (back, then(card_w, ctm))]
        sheets.append((sides[s], placements))
    return write_sheets(deck, sheets, overlay, meta)


def write_sheets(deck: Deck | bytes, sheets: Sequence[tuple[int, Placements]], overlay: bytes, meta: Meta) -> bytes:
    """Write sheets: each an overlay page (marks, label) with card pages drawn on it.

    Why Form XObjects: each card page and each overlay page is stored once and drawn with one
    `Do` wherever it is placed. The sheets replace the deck's pages, in a catalogue and document
    information of their own: the deck's tags, bookmarks and metadata are not written.
    """
    with contextlib.ExitStack() as stack:
        cards = deck if isinstance(deck, Deck) else stack.enter_context(Deck(deck))
        marks = stack.enter_context(open_pdf(overlay))
        pdf = cards.pdf
        del pdf.pages[:]
        pdf.trailer.Root = pdf.make_indirect(Dictionary(Type=Name.Catalog, Pages=pdf.Root.Pages))
        pdf.trailer.Info = pdf.make_indirect(Dictionary())
        if Name.ID in pdf.trailer:
            del pdf.trailer.ID  # a new document: its identifier is made from its own content
        mark_forms = pdf.copy_foreign(marks.make_indirect(Array([page.as_form_xobject() for page in marks.pages])))
        for overlay_index, placements in sheets:
            box = marks.pages[overlay_index].mediabox
            page = pdf.add_blank_page(page_size=(float(box[2]), float(box[3])))
            xobjects = Dictionary(Marks=mark_forms[overlay_index])
            operations: list[tuple[list[Any], Operator]] = [([Name.Marks], Operator("Do"))]
            for k, (index, ctm) in enumerate(placements):
                name = Name(f"/Card{k}")
                xobjects[name] = cards.forms[index]
                operations += [([], Operator("q")), ([round(value, 4) for value in ctm], Operator("cm")),
                               ([name], Operator("Do")), ([], Operator("Q"))]
            page.Resources = Dictionary(XObject=xobjects)
            page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(operations))
        describe(pdf, meta)
        return save_pdf(pdf, cards.version)


def describe(pdf: pikepdf.Pdf, meta: Meta) -> None:
    """Set a PDF's language, and its title, author and dates in XMP and document information."""
    pdf.Root.Lang = meta.language
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = meta.title
        xmp["dc:creator"] = [meta.author]
        xmp["xmp:CreatorTool"] = "stretchguide"
        xmp["xmp:CreateDate"] = meta.date
        xmp["xmp:ModifyDate"] = meta.date


# ---- Booklets for saddle stitching -------------------------------------------------------


def saddle_order(pages: int) -> list[tuple[tuple[int | None, int | None], tuple[int | None, int | None]]]:
    """Return, for each folded sheet, the (left, right) pages of its front and of its back.

    Pages are numbered from 0; the count is padded with blanks (None) to a multiple of 4. For n
    pages the first sheet's front holds [n, 1] and its back [2, n - 1] (counting from 1), the
    next sheet the pages inside those, so the folded, nested sheets read in order.
    """
    padded = 4 * max(1, math.ceil(pages / 4))

    def page(index: int) -> int | None:
        return index if index < pages else None

    return [((page(padded - 1 - 2 * s), page(2 * s)), (page(2 * s + 1), page(padded - 2 - 2 * s)))
            for s in range(padded // 4)]


def impose_saddle(reading: bytes, sheet_w: float, sheet_h: float, meta: Meta) -> bytes:
    """Put a booklet's pages two-up on landscape sheets (`sheet_w` x `sheet_h` mm), in saddle-stitch order.

    Each sheet takes two PDF pages, its front and its back: printed double-sided, flipped on the
    short edge, folded in half and nested, the sheets read as the booklet. A page smaller than
    its half of the sheet is centred in it; a bigger one is scaled down to fit.
    """
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(open_pdf(reading))
        pdf = stack.enter_context(pikepdf.new())
        forms = pdf.copy_foreign(source.make_indirect(Array([page.as_form_xobject() for page in source.pages])))
        boxes = [tuple(float(value) for value in page.mediabox) for page in source.pages]
        half = sheet_w * MM / 2
        height = sheet_h * MM
        for sheet in saddle_order(len(source.pages)):
            for left, right in sheet:
                page = pdf.add_blank_page(page_size=(sheet_w * MM, height))
                xobjects = Dictionary()
                operations: list[tuple[list[Any], Operator]] = []
                for slot, index in enumerate((left, right)):
                    if index is None:
                        continue
                    x0, y0, x1, y1 = boxes[index]
                    scale = min(1.0, half / (x1 - x0), height / (y1 - y0))
                    dx = slot * half + (half - scale * (x1 - x0)) / 2 - scale * x0
                    dy = (height - scale * (y1 - y0)) / 2 - scale * y0
                    name = Name(f"/Page{slot}")
                    xobjects[name] = forms[index]
                    operations += [([], Operator("q")),
                                   ([round(value, 4) for value in (scale, 0, 0, scale, dx, dy)], Operator("cm")),
                                   ([name], Operator("Do")), ([], Operator("Q"))]
                page.Resources = Dictionary(XObject=xobjects)
                page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(operations))
        describe(pdf, meta)
        return save_pdf(pdf, source.pdf_version)
