"""A content-addressed store of rendered outputs, so unchanged cards are not rendered again.

Why content-addressed: an entry's key is a hash of everything that shapes its bytes, so a
changed input gives a new key and a stale entry can never be found; nothing is invalidated
by hand. Entries are checked against a digest when read, so a damaged file is re-rendered.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def digest(*parts: bytes | str) -> str:
    """Return the SHA-256 of the parts, each length-prefixed so no two splits collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """Return a digest of the names and bytes of `paths` (in sorted order)."""
    parts: list[bytes | str] = []
    for path in sorted(set(paths)):
        parts += [path.as_posix(), path.read_bytes() if path.is_file() else b"<missing>"]
    return digest(*parts)


class Store:
    """Files under `root`/<kind>/: <key>.bin with its bytes, <key>.json with what came with them."""

    def __init__(self, root: Path | None, kind: str) -> None:
        self.folder = root / kind if root is not None else None

    def get(self, key: str) -> tuple[bytes, dict[str, Any]] | None:
        """Return the entry stored under `key`, or None when it is missing or damaged."""
        if self.folder is None:
            return None
        try:
            meta = json.loads((self.folder / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
            data = (self.folder / key[:2] / f"{key}.bin").read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        return data, meta

    def made(self, key: str, make: Callable[[], bytes]) -> bytes:
        """Return the bytes stored under `key`, or make, store and return them."""
        hit = self.get(key)
        if hit is not None:
            return hit[0]
        data = make()
        self.put(key, data, {})
        return data

    def put(self, key: str, data: bytes | Iterable[bytes], meta: dict[str, Any], slot: str | None = None) -> None:
        """Store an entry (its bytes, or the pieces they are made of, joined); a store that cannot
        be written only costs time, never fails the build.

        Why pieces: an entry of many large files (a library's decks and sheets, about 180 MB at
        1,000 stretches) is written one file at a time instead of being joined in memory first.

        With a `slot`, the entry replaces the one last stored in that slot. Why: an entry that
        changes with every edit, such as those decks and sheets, would otherwise pile up in the
        cache with each build.
        """
        if self.folder is None:
            return
        folder = self.folder / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            sha256 = _write_atomic(folder / f"{key}.bin", [data] if isinstance(data, bytes) else data)
            # The JSON is written last: an entry without it is never read.
            _write_atomic(folder / f"{key}.json",
                          [json.dumps({**meta, "sha256": sha256}, sort_keys=True).encode("utf-8")])
            if slot is not None:
                self._replace(slot, key)
        except OSError:
            pass

    def _replace(self, slot: str, key: str) -> None:
        assert self.folder is not None
        record = self.folder / "slots" / slot
        try:
            old = record.read_text(encoding="ascii").strip()
        except OSError:
            old = ""
        record.parent.mkdir(exist_ok=True)
        _write_atomic(record, [key.encode("ascii")])
        if old and old != key:
            for suffix in (".json", ".bin"):  # the JSON first: a half-removed entry is never read
                (self.folder / old[:2] / f"{old}{suffix}").unlink(missing_ok=True)


def _write_atomic(path: Path, pieces: Iterable[bytes]) -> str:
    """Write the pieces, joined, as the file at `path`; return the SHA-256 of what was written."""
    # Why a rename: a build that is interrupted, or runs beside another, never leaves half a file.
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    hasher = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out:
            for piece in pieces:
                hasher.update(piece)
                out.write(piece)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return hasher.hexdigest()
