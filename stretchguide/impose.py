"""Impose card pages onto A4 and Letter sheets: duplex sheets and fold sheets.

Geometry is in millimetres with the origin at the sheet's top-left corner and y
pointing down (as in CSS); only `_place` converts to PDF points, y up.
Duplex sheets assume long-edge binding of a portrait sheet: the back of a cell
lies at the cell's mirror image across the sheet's vertical centre line.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
from collections.abc import Iterable, Sequence

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

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
    sheets = sheet_count(grid, items)
    out = []
    for s in range(sheets):
        count = min(grid.per_sheet, items - s * grid.per_sheet)
        box = label_box(grid, count)
        out.append(SheetMarks(tuple(cut_marks(grid, count)),
                              f"Sheet {s + 1} of {sheets}, fronts ({paper}). Print double-sided, "
                              "flip on long edge, at 100% (actual size).", box))
        # Why no marks on backs: a back printed slightly off would show a second, wrong cut line.
        out.append(SheetMarks((), f"Sheet {s + 1} of {sheets}, backs.", box))
    return out


def fold_marks(grid: Grid, items: int) -> list[SheetMarks]:
    """Return the overlays of fold sheets: cut marks around pairs and a dashed fold line."""
    sheets = sheet_count(grid, items)
    out = []
    for s in range(sheets):
        count = min(grid.per_sheet, items - s * grid.per_sheet)
        out.append(SheetMarks(
            (*cut_marks(grid, count), *fold_lines(grid, count)),
            f"Sheet {s + 1} of {sheets}. Cut along the solid marks, fold on the dashed line, "
            "glue back to back. Print at 100% (actual size).", label_box(grid, count)))
    return out


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
    date: str  # a PDF date string such as D:20000101000000Z


class Sheets:
    """A PDF of sheets being assembled: overlay pages with card pages drawn on top.

    Why Form XObjects: each card page is copied once and drawn with one `Do` per
    placement, instead of pypdf re-parsing and merging content streams (slow).
    """

    def __init__(self, deck: bytes | Sequence[PageObject], overlay: bytes) -> None:
        # Pages already parsed may be shared: parsing a large deck costs more than imposing it.
        self.cards = PdfReader(io.BytesIO(deck)).pages if isinstance(deck, bytes) else deck
        self.marks = PdfReader(io.BytesIO(overlay))
        self.writer = PdfWriter()
        self._forms: dict[int, IndirectObject] = {}

    def form(self, index: int) -> IndirectObject:
        """Return card page `index` as a Form XObject in the output, copying it once."""
        if index not in self._forms:
            page = self.cards[index]
            contents = page.get_contents()
            form = DecodedStreamObject()
            form.set_data(contents.get_data() if contents is not None else b"")
            form.update({
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(FloatObject(v) for v in page.mediabox),
                NameObject("/Resources"): _dictionary(page.get("/Resources")).clone(self.writer),
            })
            self._forms[index] = self.writer._add_object(form.flate_encode())
        return self._forms[index]

    def add_sheet(self, overlay_index: int, placements: Sequence[tuple[int, Ctm]]) -> None:
        """Add a sheet: overlay page `overlay_index` with card pages drawn at the given matrices."""
        page = self.writer.add_page(self.marks.pages[overlay_index])
        # Sheets are for printing only; the overlay's tag tree is not copied, so drop its key.
        page.pop(NameObject("/StructParents"), None)
        resources = DictionaryObject(_dictionary(page.get("/Resources")))
        xobjects = DictionaryObject(_dictionary(resources.get("/XObject")))
        ops = []
        for k, (index, ctm) in enumerate(placements):
            name = f"/Card{k}"
            xobjects[NameObject(name)] = self.form(index)
            matrix = " ".join(f"{v:.4f}" for v in ctm)
            ops.append(f"q {matrix} cm {name} Do Q")
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        # Why q/Q around the overlay: its stream leaves its own transformation in place.
        before, after = DecodedStreamObject(), DecodedStreamObject()
        before.set_data(b"q\n")
        after.set_data(("Q\n" + "\n".join(ops) + "\n").encode("ascii"))
        contents = page.get("/Contents")
        target = contents.get_object() if contents is not None else None
        existing = [] if target is None else list(target) if isinstance(target, ArrayObject) \
            else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [self.writer._add_object(before), *existing, self.writer._add_object(after)])


def _dictionary(value: object) -> DictionaryObject:
    """Resolve an optional, possibly indirect, dictionary."""
    target = value.get_object() if isinstance(value, PdfObject) else value
    return target if isinstance(target, DictionaryObject) else DictionaryObject()


def impose_duplex(deck: bytes | Sequence[PageObject], pairs: Sequence[tuple[int, int]], grid: Grid,
                  back_offset: tuple[float, float], overlay: bytes, name: str, meta: Meta) -> bytes:
    """Put fronts on one side of each sheet and their backs behind them on the next page."""
    sheets = Sheets(deck, overlay)
    front_turn, back_turn = (90, -90) if grid.rotated else (0, 0)
    for s, start in enumerate(range(0, len(pairs), grid.per_sheet)):
        batch = pairs[start:start + grid.per_sheet]
        sheets.add_sheet(2 * s, [(front, place(grid.cell(i), grid.sheet_h, front_turn))
                                 for i, (front, _) in enumerate(batch)])
        sheets.add_sheet(2 * s + 1, [
            (back, place(grid.mirror(grid.cell(i)), grid.sheet_h, back_turn, back_offset))
            for i, (_, back) in enumerate(batch)])
    return finish(sheets.writer, name, meta)


def impose_fold(deck: bytes | Sequence[PageObject], pairs: Sequence[tuple[int, int]], grid: Grid, overlay: bytes,
                name: str, meta: Meta) -> bytes:
    """Put each front beside its back, one fold apart, for one-sided printing."""
    sheets = Sheets(deck, overlay)
    turn = 90 if grid.rotated else 0
    card_w = grid.item_w / 2 * MM
    for s, start in enumerate(range(0, len(pairs), grid.per_sheet)):
        placements = []
        for i, (front, back) in enumerate(pairs[start:start + grid.per_sheet]):
            ctm = place(grid.cell(i), grid.sheet_h, turn)
            placements += [(front, ctm), (back, then(card_w, ctm))]
        sheets.add_sheet(s, placements)
    return finish(sheets.writer, name, meta)


def finish(writer: PdfWriter, name: str, meta: Meta) -> bytes:
    """Set metadata and a fixed identifier, and return the PDF bytes."""
    writer.compress_identical_objects()
    writer.add_metadata({"/Title": meta.title, "/Author": meta.author, "/Creator": "stretchguide",
                         "/CreationDate": meta.date, "/ModDate": meta.date})
    writer.root_object[NameObject("/Lang")] = TextStringObject(meta.language)
    # Why: a fixed identifier (pypdf may otherwise pick a random one) keeps builds byte-identical.
    digest = ByteStringObject(hashlib.sha256(f"{meta.title}/{name}".encode()).digest()[:16])
    writer._ID = ArrayObject([digest, digest])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---- Joining tagged documents ----------------------------------------------------------


def merge_tagged(parts: Iterable[PdfReader], titles: Sequence[str], name: str) -> bytes:
    """Join tagged PDFs into one tagged PDF: pages, tag trees, and a bookmark per part.

    The document keeps the first part's metadata (title, author, language, XMP) as if it
    were that document with the other parts' pages added. Why not WeasyPrint: joining the
    parts' bytes lets each part come from the cache instead of being laid out again.
    """
    writer = PdfWriter()
    tree = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    tree_ref = writer._add_object(tree)
    document = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"),
                                 NameObject("/S"): NameObject("/Document"), NameObject("/P"): tree_ref})
    document_ref = writer._add_object(document)
    kids, nums, role_map = ArrayObject(), ArrayObject(), DictionaryObject()
    offset = 0
    starts = []
    for index, reader in enumerate(parts):
        root = reader.root_object
        if index == 0:
            _copy_document_keys(reader, writer)
        starts.append(len(writer.pages))
        source_tree = _dictionary(root.get("/StructTreeRoot"))
        if source_tree.indirect_reference is not None:
            # Why: the parts' tag elements point up to their tree root; map it onto the joined one.
            translated = writer._id_translated.setdefault(id(reader), {"PreventGC": reader})
            translated[source_tree.indirect_reference.idnum] = tree_ref.idnum
        keys = 0
        for page in reader.pages:
            new = writer.add_page(page)
            if "/StructParents" in page:  # add_page drops it: set it again, renumbered
                keys = max(keys, _number(page["/StructParents"]) + 1)
                new[NameObject("/StructParents")] = NumberObject(_number(page["/StructParents"]) + offset)
            for annotation in new.get("/Annots", ArrayObject()):
                target = annotation.get_object()
                if "/StructParent" in target:
                    keys = max(keys, _number(target["/StructParent"]) + 1)
                    target[NameObject("/StructParent")] = NumberObject(_number(target["/StructParent"]) + offset)
        number_tree = _dictionary(source_tree.get("/ParentTree"))
        entries = list(_dictionary(number_tree).get("/Nums", ArrayObject()))
        for key, value in zip(entries[::2], entries[1::2], strict=True):
            nums += [NumberObject(_number(key) + offset), value.clone(writer)]
            keys = max(keys, _number(key) + 1)
        top = source_tree.get("/K")
        for kid in (top if isinstance(top, ArrayObject) else [top] if top is not None else []):
            cloned = kid.clone(writer)
            element = cloned.get_object()
            if isinstance(element, DictionaryObject):
                element[NameObject("/P")] = document_ref
            kids.append(cloned)
        for role, standard in _dictionary(source_tree.get("/RoleMap")).items():
            role_map[NameObject(role)] = standard.clone(writer)
        offset += keys
        # Why: the writer keeps every part it copied from alive; a part is done, so let it go.
        writer._id_translated.pop(id(reader), None)
    document[NameObject("/K")] = kids
    tree[NameObject("/K")] = document_ref
    tree[NameObject("/ParentTree")] = writer._add_object(DictionaryObject({NameObject("/Nums"): nums}))
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(offset)
    if role_map:
        tree[NameObject("/RoleMap")] = role_map
    writer.root_object[NameObject("/StructTreeRoot")] = tree_ref
    for title, start in zip(titles, starts, strict=True):
        writer.add_outline_item(title=title, page_number=start)
    writer.compress_identical_objects()
    digest = ByteStringObject(hashlib.sha256(name.encode()).digest()[:16])
    writer._ID = ArrayObject([digest, digest])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def merge_pdfs(parts: Sequence[bytes], titles: Sequence[str], name: str) -> bytes:
    """Join tagged PDFs given as bytes; see merge_tagged (this one can run in another process)."""
    return merge_tagged((PdfReader(io.BytesIO(data)) for data in parts), titles, name)


def _number(value: object) -> int:
    """Resolve an integer that may be stored indirectly."""
    target = value.get_object() if isinstance(value, PdfObject) else value
    return int(target) if isinstance(target, int) else 0


def _copy_document_keys(reader: PdfReader, writer: PdfWriter) -> None:
    """Copy a document's information, XMP metadata, language and viewer settings."""
    info = reader.metadata
    if info is not None:
        writer.add_metadata(dict(info))
    root = reader.root_object
    for key in ("/Metadata", "/Lang", "/MarkInfo", "/ViewerPreferences"):
        if key in root:
            writer.root_object[NameObject(key)] = root[key].clone(writer)
