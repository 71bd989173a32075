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
import re
import struct
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from . import cache
from .cache import Store

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


# ---- Writing PDFs from blocks -----------------------------------------------------------
#
# Why blocks: rewriting a whole deck through a PDF library costs seconds at 1,000 cards, even
# when one card changed. Instead, each part's objects are renumbered into a block of object
# numbers of its own and serialised once; the block is cached, and a deck or sheet file is
# written by laying the blocks one after another under a new catalog and cross-reference
# stream. A block depends only on the part's bytes and its first number, so a file made from the
# cache is byte for byte the file made from scratch; and every part gets the same room (that of
# the largest, rounded up), so editing one card leaves every other block where it was.

#: Object numbers below this are the file's own objects (catalog, page tree, tag tree root...).
FIRST_BLOCK = 16
#: The room of each part, in object numbers and in tag tree keys, is a multiple of this, so that
#: a part that grows a little after an edit still fits, and no other part moves.
BLOCK_STEP = 64
#: Changes whenever the bytes of a block would change, so that old cache entries are not used.
BLOCK_FORMAT = "4"
# What else shapes a block's bytes: how objects are written out, and how they are compressed.
_TOOLS = (BLOCK_FORMAT, pikepdf.__version__, pikepdf.__libqpdf_version__, zlib.ZLIB_RUNTIME_VERSION)

# Tokens of an object as qpdf writes it: a literal string (its parentheses are escaped), which is
# kept as it is, or a reference, which gets its new number. A reference follows a space or "[".
_TOKEN = re.compile(rb"\((?:[^\\()]|\\.)*\)|(?<=[\s\[])(\d+) (\d+) R\b", re.S)
_REFERENCE = re.compile(rb"(?<=[\s\[])(\d+) (\d+) R\b")
_ROW = struct.Struct(">BIH")  # a cross-reference stream row, /W [ 1 4 2 ]
_SIZE = re.compile(rb"/Size (\d+)")
_LENGTH = re.compile(rb"/Length (?:\d+ \d+ R|\d+)")

# The joined document's own objects.
_CATALOG, _PAGES, _INFO, _TREE, _DOCUMENT, _PARENT_TREE, _OUTLINES, _OWN_OBJECTS = range(1, 9)


def open_pdf(data: bytes) -> pikepdf.Pdf:
    """Parse a PDF held in memory."""
    return pikepdf.open(io.BytesIO(data))


@dataclasses.dataclass
class Block:
    """Objects numbered from `first` on, serialised, with their rows of a cross-reference stream.

    Why rows: a deck has ~200,000 objects, too many to handle one by one on every build. A row
    is type 0 (free), 1 (at an offset, here into `data`) or 2 (in an object stream), /W [1 4 2].
    """

    first: int
    count: int
    data: bytes
    rows: bytes  # one row per number from `first` on
    located: list[int]  # which rows are of type 1: their offsets move with the block
    info: dict[str, Any]  # what a file made of blocks needs: page and form numbers, tag tree entries


class Renumber:
    """Objects of one parsed PDF given new numbers from `first`, in the order they are first referred to."""

    def __init__(self, source: pikepdf.Pdf, first: int, outside: dict[tuple[int, int], int]) -> None:
        self.source, self.first, self.outside = source, first, outside
        self.numbers: dict[tuple[int, int], int] = {}
        self.order: list[pikepdf.Object] = []

    def number(self, objgen: tuple[int, int]) -> int:
        """Return the new number of an object, taking it (and later what it refers to) into the block."""
        number = self.numbers.get(objgen)
        if number is None:
            if objgen in self.outside:
                return self.outside[objgen]
            number = self.numbers[objgen] = self.first + len(self.order)
            self.order.append(self.source.get_object(objgen))
        return number

    def text(self, value: Any) -> bytes:
        """Return a value as PDF text: a reference when it is an indirect object, else its content."""
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            return b"%d 0 R" % self.number(value.objgen)
        if isinstance(value, bool):
            return b"true" if value else b"false"
        if not isinstance(value, pikepdf.Object):  # numbers arrive as Python values
            return str(value).encode()
        return self.content(value)

    def content(self, value: pikepdf.Object) -> bytes:
        """Return an object's content as PDF text, renumbered, even when it is indirect."""
        return self._renumber(value.unparse(resolved=True))

    def _renumber(self, text: bytes) -> bytes:
        # Why two patterns: most objects hold no literal string, and the simpler scan is faster.
        return (_TOKEN if b"(" in text else _REFERENCE).sub(self._token, text)

    def _token(self, match: re.Match[bytes]) -> bytes:
        if match.group(1) is None:
            return match.group(0)
        return b"%d 0 R" % self.number((int(match.group(1)), int(match.group(2))))

    def block(self, info: dict[str, Any]) -> Block:
        """Serialise every object taken so far, and all they refer to, into one block."""
        plain: list[tuple[int, bytes]] = []
        streams: list[tuple[int, bytes, bytes]] = []
        index = 0
        while index < len(self.order):
            obj, number = self.order[index], self.first + index
            index += 1
            if isinstance(obj, pikepdf.Stream):
                raw = obj.read_raw_bytes()
                head, found = _LENGTH.subn(b"/Length %d" % len(raw), obj.stream_dict.unparse(resolved=True), 1)
                if not found:
                    raise ValueError(f"stream {obj.objgen} has no /Length")
                streams.append((number, self._renumber(head), raw))
            else:
                plain.append((number, self.content(obj)))
        return pack(plain, streams, self.first + len(self.order), info)


def pack(plain: Sequence[tuple[int, bytes]], streams: Sequence[tuple[int, bytes, bytes]], container: int,
         info: dict[str, Any] | None = None) -> Block:
    """Write objects: the plain ones compressed together in object stream `container`, streams as they are."""
    out = bytearray()
    entries: dict[int, tuple[int, int, int]] = {}
    if plain:
        header, position = [], 0
        for number, text in plain:
            header.append(b"%d %d" % (number, position))
            position += len(text) + 1
        head = b" ".join(header) + b"\n"
        packed = zlib.compress(head + b"\n".join(text for _, text in plain), 6)
        entries[container] = (1, 0, 0)
        out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
            container, len(plain), len(head), len(packed)) + packed + b"\nendstream\nendobj\n"
        for index, (number, _) in enumerate(plain):
            entries[number] = (2, container, index)
    else:
        entries[container] = (0, 0, 0)
    for number, head, raw in streams:
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n" % number + head + b"\nstream\n" + raw + b"\nendstream\nendobj\n"
    first = min(entries)
    numbers = range(first, max(entries) + 1)
    free = (0, 0, 0)  # the numbers in between are unused
    return Block(first, len(numbers), bytes(out), b"".join(_ROW.pack(*entries.get(n, free)) for n in numbers),
                 [n - first for n in numbers if entries.get(n, free)[0] == 1], info or {})


def write_pdf(version: str, blocks: Sequence[Block], seed: str) -> bytes:
    """Write a PDF of blocks and a cross-reference stream, with an identifier derived from `seed`."""
    out = bytearray(b"%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n" % version.encode())
    sections = [(0, 1, _ROW.pack(0, 0, 65535))]
    for block in blocks:
        rows = bytearray(block.rows)
        for row in block.located:  # offsets into the block become offsets into the file
            at = 7 * row + 1
            rows[at:at + 4] = (int.from_bytes(rows[at:at + 4], "big") + len(out)).to_bytes(4, "big")
        sections.append((block.first, block.count, bytes(rows)))
        out += block.data
    sections.sort()
    number = sections[-1][0] + sections[-1][1]
    xref_at = len(out)
    sections.append((number, 1, _ROW.pack(1, xref_at, 0)))
    index = b" ".join(b"%d %d" % (first, count) for first, count, _ in sections)
    packed = zlib.compress(b"".join(rows for _, _, rows in sections), 6)
    # Why a fixed identifier: a random one would make two builds differ; a new file has both halves equal.
    digest = hashlib.sha256(seed.encode()).hexdigest()[:32].encode()
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [ 1 4 2 ] /Index [ %s ] /Root %d 0 R /Info %d 0 R "
            b"/ID [ <%s> <%s> ] /Filter /FlateDecode /Length %d >>\nstream\n" % (
                number, number + 1, index, _CATALOG, _INFO, digest, digest,
                len(packed))) + packed + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _number_entries(tree: pikepdf.Object) -> Iterator[tuple[int, pikepdf.Object]]:
    """Yield the (key, value) pairs of a number tree, in key order."""
    entries = list(tree.get(Name.Nums, Array()))
    for key, value in zip(entries[::2], entries[1::2], strict=True):
        yield int(key), value
    for kid in tree.get(Name.Kids, Array()):
        yield from _number_entries(kid)


def _deck_block(part: pikepdf.Pdf, first: int, key_offset: int) -> Block:
    """Renumber a tagged part's pages and tag tree into a block, its tag keys moved by `key_offset`."""
    renumber = Renumber(part, first, {part.Root.objgen: _CATALOG})
    tree = part.Root.get(Name.StructTreeRoot)
    if isinstance(tree, Dictionary) and tree.is_indirect:
        # The part's top elements point up to its tree root; the joined document's element takes its place.
        renumber.outside[tree.objgen] = _DOCUMENT
    keys = 0
    for page in part.pages:
        renumber.outside[page.obj.Parent.objgen] = _PAGES
        if Name.StructParents in page.obj:
            keys = max(keys, int(page.obj.StructParents) + 1)
            page.obj.StructParents = int(page.obj.StructParents) + key_offset
        for annotation in page.obj.get(Name.Annots, Array()):
            if Name.StructParent in annotation:
                keys = max(keys, int(annotation.StructParent) + 1)
                annotation.StructParent = int(annotation.StructParent) + key_offset
    pages = [renumber.number(page.obj.objgen) for page in part.pages]
    kids: list[str] = []
    nums: list[tuple[int, str]] = []
    roles: dict[str, str] = {}
    if isinstance(tree, Dictionary):
        top = tree.get(Name.K)
        kids = [renumber.text(kid).decode("latin-1")
                for kid in (top if isinstance(top, Array) else [] if top is None else [top])]
        for key, value in _number_entries(tree.get(Name.ParentTree, Dictionary())):
            nums.append((key + key_offset, renumber.text(value).decode("latin-1")))
            keys = max(keys, key + 1)
        roles = {str(role): renumber.text(standard).decode("latin-1")
                 for role, standard in tree.get(Name.RoleMap, Dictionary()).items()}
    return renumber.block({"pages": pages, "kids": kids, "nums": nums, "roles": roles, "keys": keys,
                           "version": part.pdf_version})


def _forms_block(part: pikepdf.Pdf, first: int) -> Block:
    """Renumber a PDF's pages, as Form XObjects with what they draw, into a block."""
    renumber = Renumber(part, first, {part.Root.objgen: _CATALOG})
    used: set[tuple[int, int]] = set()
    forms = []
    for page in part.pages:
        renumber.outside[page.obj.Parent.objgen] = _PAGES
        contents = page.obj.get(Name.Contents)
        if isinstance(contents, pikepdf.Stream) and contents.objgen not in used:
            used.add(contents.objgen)  # the page's own stream becomes the form: its bytes are kept as they are
            form = contents
        else:
            streams = [] if contents is None else list(contents) if isinstance(contents, Array) else [contents]
            form = part.make_stream(b"\n".join(stream.read_bytes() for stream in streams))
        form.Type = Name.XObject
        form.Subtype = Name.Form
        form.BBox = Array([value for value in page.mediabox])
        form.Resources = page.obj.get(Name.Resources, Dictionary())
        forms.append(renumber.number(form.objgen))
    return renumber.block({"forms": forms})


@dataclasses.dataclass
class Parts:
    """The blocks of a row of PDFs: for a deck (pages and tag trees), for sheets (pages as forms), or both."""

    first: bytes  # the first part, whose document information a deck keeps
    deck: list[Block]
    forms: list[Block]
    end: int  # the first object number after every part's room
    store: Store | None  # where the blocks were kept, for the sheets' own


def read_parts(parts: Sequence[bytes], store: Store | None = None, deck: bool = True, forms: bool = False) -> Parts:
    """Make (or take from the store) the blocks of each part, each at the place reserved for it.

    Every part gets the same room, the most objects any part can hold, so that an edited part
    moves no other. Each part is parsed at most once, and only when a block of it is not stored.
    """
    step = BLOCK_STEP * math.ceil((max(map(_object_bound, parts), default=0) + 1) / BLOCK_STEP)
    while True:
        try:
            return _read_parts(parts, store, deck, forms, step)
        except _Overflow:  # a part needs more room than its cross-reference table told: give all more
            step *= 2


class _Overflow(ValueError):
    """A block does not fit in the room reserved for it."""


def _object_bound(data: bytes) -> int:
    """Return the /Size of a PDF's last cross-reference section: more than the number of its objects."""
    start = data.rfind(b"startxref")
    try:
        found = _SIZE.search(data, int(data[start + 9:].split()[0])) if start >= 0 else None
    except (ValueError, IndexError):  # a damaged tail: ask the parser, which can repair it
        found = None
    if found is not None:
        return int(found.group(1))
    with open_pdf(data) as part:
        return int(part.trailer.Size)


def _read_parts(parts: Sequence[bytes], store: Store | None, deck: bool, forms: bool, step: int) -> Parts:
    """Return the blocks of the parts, part k's numbers (and tag keys) from FIRST_BLOCK + k * step."""
    deck_blocks: list[Block] = []
    form_blocks: list[Block] = []
    for index, data in enumerate(parts):
        first = FIRST_BLOCK + index * step
        digest = hashlib.sha256(data).hexdigest()
        deck_key = cache.digest(*_TOOLS, "deck", digest, str(first), str(index * step))
        form_key = cache.digest(*_TOOLS, "forms", digest, str(first))
        deck_block = _load(store, deck_key) if deck else None
        form_block = _load(store, form_key) if forms else None
        if (deck and deck_block is None) or (forms and form_block is None):
            with open_pdf(data) as part:
                if deck and deck_block is None:
                    deck_block = _store(store, deck_key, _fits(_deck_block(part, first, index * step), step))
                if forms and form_block is None:  # after the deck block: this one changes the page streams
                    form_block = _store(store, form_key, _fits(_forms_block(part, first), step))
        if deck_block is not None:
            deck_blocks.append(deck_block)
        if form_block is not None:
            form_blocks.append(form_block)
    return Parts(parts[0], deck_blocks, form_blocks, FIRST_BLOCK + len(parts) * step, store)


def _fits(block: Block, step: int) -> Block:
    """Return the block if its objects and tag keys fit in `step` numbers."""
    if block.count > step or block.info.get("keys", 0) > step:
        raise _Overflow(f"a block of {block.count} objects does not fit in {step}")
    return block


def _load(store: Store | None, key: str) -> Block | None:
    """Return a block from the store, if it has it."""
    hit = store.get(key) if store is not None else None
    if hit is None:
        return None
    data, meta = hit
    try:
        rows = 7 * meta["count"]
        return Block(meta["first"], meta["count"], data[rows:], data[:rows], meta["located"], meta["info"])
    except (KeyError, TypeError, ValueError):  # not an entry this version wrote: make the block again
        return None


def _store(store: Store | None, key: str, block: Block) -> Block:
    """Put a block into the store, and return it."""
    if store is not None:
        store.put(key, block.rows + block.data, {"first": block.first, "count": block.count, "located": block.located,
                                    "info": block.info})
    return block


# ---- Joining tagged documents ----------------------------------------------------------


def join_tagged(parts: Parts, titles: Sequence[str], name: str) -> bytes:
    """Join tagged PDFs into one tagged PDF: pages, tag trees, and a bookmark per part.

    The document keeps the first part's metadata (title, author, language, XMP) as if it
    were that document with the other parts' pages added. Why not WeasyPrint: joining the
    parts' bytes lets each part come from the cache instead of being laid out again.
    """
    blocks = parts.deck
    after = parts.end
    outline = list(range(after, after + len(titles)))
    texts: dict[int, bytes] = {}
    with open_pdf(parts.first) as part:
        # The first part's document keys, and what they refer to (XMP metadata), after the bookmarks.
        head = Renumber(part, after + len(titles) + 1, {})
        catalog = b"<< /Type /Catalog /Pages %d 0 R /StructTreeRoot %d 0 R /Outlines %d 0 R" % (
            _PAGES, _TREE, _OUTLINES)
        for key in (Name.Lang, Name.MarkInfo, Name.ViewerPreferences, Name.Metadata):
            if key in part.Root:
                catalog += b" " + str(key).encode() + b" " + head.text(part.Root[key])
        texts[_CATALOG] = catalog + b" >>"
        info = part.trailer.get(Name.Info)
        texts[_INFO] = head.content(info) if isinstance(info, Dictionary) else b"<< >>"
        extra = head.block({})
    pages = [number for block in blocks for number in block.info["pages"]]
    texts[_PAGES] = b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (
        b" ".join(b"%d 0 R" % number for number in pages), len(pages))
    roles = {role: text for block in blocks for role, text in block.info["roles"].items()}
    role_map = b" /RoleMap << " + " ".join(f"{role} {text}" for role, text in sorted(roles.items())).encode(
        "latin-1") + b" >>" if roles else b""
    texts[_TREE] = b"<< /Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R /ParentTreeNextKey %d%s >>" % (
        _DOCUMENT, _PARENT_TREE, _next_key(blocks), role_map)
    texts[_DOCUMENT] = b"<< /Type /StructElem /S /Document /P %d 0 R /K [ %s ] >>" % (
        _TREE, " ".join(kid for block in blocks for kid in block.info["kids"]).encode("latin-1"))
    texts[_PARENT_TREE] = b"<< /Nums [ %s ] >>" % " ".join(
        f"{key} {value}" for block in blocks for key, value in block.info["nums"]).encode("latin-1")
    texts[_OUTLINES] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
        outline[0], outline[-1], len(outline)) if outline else b"<< /Type /Outlines /Count 0 >>"
    bookmarks = []
    for index, (number, title, block) in enumerate(zip(outline, titles, blocks, strict=True)):
        start = block.info["pages"][0] if block.info["pages"] else pages[0]
        bookmarks.append((number, b"<< /Title %s /Parent %d 0 R /Dest [ %d 0 R /Fit ]%s%s >>" % (
            String(title).unparse(), _OUTLINES, start,
            b" /Prev %d 0 R" % outline[index - 1] if index else b"",
            b" /Next %d 0 R" % outline[index + 1] if index + 1 < len(outline) else b"")))
    version = max((block.info["version"] for block in blocks), default="1.7")
    return write_pdf(version, [pack(sorted(texts.items()), [], _OWN_OBJECTS), *blocks,
                               pack(bookmarks, [], after + len(titles)), extra], name)


def _next_key(blocks: Sequence[Block]) -> int:
    """Return the first tag tree key after those of every block."""
    return max((key + 1 for block in blocks for key, _ in block.info["nums"]), default=0)


def merge_pdfs(parts: Sequence[bytes], titles: Sequence[str], name: str, store: Store | None = None) -> bytes:
    """Join tagged PDFs given as bytes; see join_tagged."""
    return join_tagged(read_parts(parts, store), titles, name)


# ---- Imposing card pages on sheets -----------------------------------------------------

Placements = Sequence[tuple[int, Ctm]]


def impose_duplex(deck: bytes | Parts, pairs: Sequence[tuple[int, int]], grid: Grid,
                  back_offset: tuple[float, float], overlay: bytes, name: str, meta: Meta) -> bytes:
    """Put fronts on one side of each sheet and their backs behind them on the next page."""
    front_turn, back_turn = (90, -90) if grid.rotated else (0, 0)
    sheets: list[tuple[int, Placements]] = []
    for s, start in enumerate(range(0, len(pairs), grid.per_sheet)):
        batch = pairs[start:start + grid.per_sheet]
        sheets.append((2 * s, [(front, place(grid.cell(i), grid.sheet_h, front_turn))
                               for i, (front, _) in enumerate(batch)]))
        sheets.append((2 * s + 1, [(back, place(grid.mirror(grid.cell(i)), grid.sheet_h, back_turn, back_offset))
                                   for i, (_, back) in enumerate(batch)]))
    return write_sheets(deck, sheets, overlay, name, meta)


def impose_fold(deck: bytes | Parts, pairs: Sequence[tuple[int, int]], grid: Grid, overlay: bytes,
                name: str, meta: Meta) -> bytes:
    """Put each front beside its back, one fold apart, for one-sided printing."""
    turn = 90 if grid.rotated else 0
    card_w = grid.item_w / 2 * MM
    sheets: list[tuple[int, Placements]] = []
    for s, start in enumerate(range(0, len(pairs), grid.per_sheet)):
        placements = []
        for i, (front, back) in enumerate(pairs[start:start + grid.per_sheet]):
            ctm = place(grid.cell(i), grid.sheet_h, turn)
            placements += [(front, ctm), (back, then(card_w, ctm))]
        sheets.append((s, placements))
    return write_sheets(deck, sheets, overlay, name, meta)


def write_sheets(deck: bytes | Parts, sheets: Sequence[tuple[int, Placements]], overlay: bytes, name: str,
                 meta: Meta) -> bytes:
    """Write sheets: each an overlay page (marks, label) with card pages drawn on it as Form XObjects.

    Why forms: each card page is written once and drawn with one `Do` per placement.
    """
    parts = read_parts([deck], deck=False, forms=True) if isinstance(deck, bytes) else deck
    forms = [number for block in parts.forms for number in block.info["forms"]]
    # The sheet pages are a block too: after an edit, only the cards' forms have changed.
    key = cache.digest(*_TOOLS, "sheets", hashlib.sha256(overlay).hexdigest(), repr(sheets), repr(forms),
                       str(parts.end))
    block = _load(parts.store, key) or _store(parts.store, key, _sheet_block(overlay, sheets, forms, parts.end))
    pages = block.info["pages"]
    texts = {
        _CATALOG: b"<< /Type /Catalog /Pages %d 0 R /Lang %s >>" % (_PAGES, String(meta.language).unparse()),
        _PAGES: b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (
            b" ".join(b"%d 0 R" % number for number in pages), len(pages)),
        _INFO: b"<< /Title %s /Author %s /Creator %s /CreationDate %s /ModDate %s >>" % tuple(
            String(text).unparse() for text in (meta.title, meta.author, "stretchguide", meta.date, meta.date)),
    }
    return write_pdf(block.info["version"], [pack(sorted(texts.items()), [], _OWN_OBJECTS), *parts.forms, block],
                     f"{meta.title}/{name}")


def _sheet_block(overlay: bytes, sheets: Sequence[tuple[int, Placements]], forms: Sequence[int],
                 first: int) -> Block:
    """Renumber the overlay's pages, with the cards' forms drawn on them, into a block from `first`."""
    with open_pdf(overlay) as marks:
        renumber = Renumber(marks, first, {marks.Root.objgen: _CATALOG})
        placeholders: dict[int, pikepdf.Object] = {}

        def form(index: int) -> pikepdf.Object:
            # A stand-in object of the overlay PDF that is written as a reference to the card's form.
            number = forms[index]
            if number not in placeholders:
                placeholders[number] = marks.make_indirect(Dictionary())
                renumber.outside[placeholders[number].objgen] = number
            return placeholders[number]

        pages = []
        for overlay_index, placements in sheets:
            page = marks.pages[overlay_index].obj
            renumber.outside[page.Parent.objgen] = _PAGES
            # Sheets are for printing only; the overlay's tag tree is not copied, so drop its key.
            if Name.StructParents in page:
                del page[Name.StructParents]
            resources = _shallow_copy(page.get(Name.Resources))
            xobjects = _shallow_copy(resources.get(Name.XObject))
            ops = []
            for k, (index, ctm) in enumerate(placements):
                xobjects[f"/Card{k}"] = form(index)
                ops.append(f"q {' '.join(f'{v:.4f}' for v in ctm)} cm /Card{k} Do Q")
            resources.XObject = xobjects
            page.Resources = resources
            # Why q/Q around the overlay: its stream leaves its own transformation in place.
            contents = page.get(Name.Contents)
            existing = [] if contents is None else list(contents) if isinstance(contents, Array) else [contents]
            page.Contents = Array([marks.make_stream(b"q\n"), *existing,
                                   marks.make_stream(("Q\n" + "\n".join(ops) + "\n").encode("ascii"))])
            pages.append(renumber.number(page.objgen))
        # Object streams came with PDF 1.5.
        return renumber.block({"pages": pages, "version": max(marks.pdf_version, "1.5")})


def _shallow_copy(value: Any) -> Dictionary:
    """Return a new dictionary with the entries of an optional one."""
    return Dictionary(dict(value.items()) if isinstance(value, Dictionary) else {})
