#!/usr/bin/env python3
"""Benchmark builds of large libraries and compare the site stage with stock Material.

Usage: .venv/bin/python bench/run.py [--sizes 100,1000,3000] [--jobs N] [--skip-stock] [--skip-serial]

For each size N it generates a library of N stretches from the default content and measures,
in one run: a full build with an empty cache (total, site stage, card stage, peak memory of
the build and every process it waited for, milliseconds per card face), the card stage of
a serial build (`--jobs 1`, also with an empty cache), a rebuild after editing one stretch
(cache kept), and stock mkdocs-material with a flat navigation building the same Markdown
pages as the site stage. It prints one Markdown table and the ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def numbered(n: int) -> Callable[[re.Match[str]], str]:
    """Return a substitution that appends the number `n` to a `title:` line."""
    return lambda match: f"title: {match.group(1).strip(chr(34))} {n:04d}"


def generate_library(size: int, dest: Path) -> Path:
    """Write a library of `size` stretches, cycling through the default ones."""
    shutil.copytree(CONTENT, dest, ignore=shutil.ignore_patterns("stretches", "routines"))
    (dest / "stretches").mkdir()
    (dest / "routines").mkdir()
    bases = sorted((CONTENT / "stretches").glob("*.yml"))
    ids = []
    for n in range(size):
        base = bases[n % len(bases)]
        sid = f"{base.stem}-{n:04d}"
        text = base.read_text(encoding="utf-8")
        text = re.sub(r"^title: (.*)$", numbered(n), text, count=1, flags=re.M)
        # An alternative names a stretch by id: point it at the first copy of that stretch.
        text = re.sub(r"^(alternative:\n  stretch: )(\S+)$", lambda m: f"{m.group(1)}{m.group(2)}-"
                      f"{[b.stem for b in bases].index(m.group(2)):04d}", text, flags=re.M)
        (dest / "stretches" / f"{sid}.yml").write_text(text, encoding="utf-8")
        ids.append(sid)
    for r in range(max(1, size // 50)):
        items = "\n".join(f"  - stretch: {sid}" for sid in ids[r * 5:(r + 1) * 5] or ids[:5])
        (dest / "routines" / f"routine-{r:03d}.yml").write_text(
            f"title: Routine {r:03d}\nsummary: A generated routine.\nitems:\n{items}\n", encoding="utf-8")
    return dest


def timed_build(content: Path, out: Path, cwd: Path, *extra: str, keep_pages: Path | None = None,
                ) -> tuple[float, dict[str, float], int]:
    """Run one build in `cwd` (its cache lives there); return wall time, stage times, peak KiB."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if keep_pages is not None:
        env["STRETCHGUIDE_KEEP_PAGES"] = str(keep_pages)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log_file:
        proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content),
                                 "--out", str(out), "--verbose", *extra],
                                stdout=subprocess.DEVNULL, stderr=log_file, text=True, cwd=cwd, env=env)
        # wait4's ru_maxrss covers the build and every process it waited for (card workers, mkdocs).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        log_file.seek(0)
        log = log_file.read()
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{log[-3000:]}")
    stages = {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+) stage: ([\d.]+) s", log)}
    faces = re.search(r"(\d+) card faces", log)
    stages["faces"] = float(faces.group(1)) if faces else 0.0
    return elapsed, stages, usage.ru_maxrss


def stock_material(pages: Path, out: Path) -> float:
    """Build the generated pages with stock Material and a flat navigation; return seconds."""
    nav = "\n".join(f"  - {p.relative_to(pages).as_posix()}" for p in sorted(pages.rglob("*.md")))
    config = out.parent / "stock-mkdocs.yml"
    config.write_text(f"site_name: Stock\ndocs_dir: {pages}\nsite_dir: {out}\ntheme:\n  name: material\n"
                      f"  font: false\nplugins: [search]\nnav:\n{nav}\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)], check=True,
                   capture_output=True)
    return time.perf_counter() - started


def measure(size: int, jobs: int, skip_stock: bool, skip_serial: bool) -> dict[str, float]:
    """Measure every column for one library size."""
    nan = float("nan")
    with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as tmp:
        work = Path(tmp)
        content = generate_library(size, work / "content")
        pages = work / "pages"
        total, stages, peak = timed_build(content, work / "site", work / "full", "--jobs", str(jobs),
                                          keep_pages=pages)
        serial = nan
        if not skip_serial:  # a fresh folder: an empty cache
            serial = timed_build(content, work / "serial", work / "serial-run", "--jobs", "1")[1]["cards"]
        target = sorted((content / "stretches").glob("*.yml"))[size // 2]
        text = target.read_text(encoding="utf-8")
        edited = re.sub(r"^title: (.*)$", r"title: \1 (edited)", text, count=1, flags=re.M)
        assert edited != text
        target.write_text(edited, encoding="utf-8")
        edit, edit_stages, _ = timed_build(content, work / "site", work / "full", "--jobs", str(jobs))
        stock = stock_material(pages, work / "stock") if not skip_stock and pages.is_dir() else nan
        cards, site = stages.get("cards", nan), stages.get("site", nan)
        return {"size": size, "total": total, "site": site, "cards": cards, "peak": peak / 1024,
                "ms_face": 1000 * cards / stages["faces"] if stages["faces"] else nan,
                "serial": serial, "speedup": serial / cards, "edit": edit,
                "edit_site": edit_stages.get("site", nan), "edit_cards": edit_stages.get("cards", nan), "stock": stock,
                "site_stock": site / stock}


COLUMNS = [("size", "stretches"), ("total", "full build s"), ("site", "site stage s"),
           ("cards", "card stage s"), ("peak", "peak MiB"), ("ms_face", "ms per card face"),
           ("serial", "cards, 1 job s"), ("speedup", "cards 1 job / N jobs"),
           ("edit", "one-edit rebuild s"), ("edit_site", "its site stage s"), ("edit_cards", "its card stage s"),
           ("stock", "stock flat Material s"), ("site_stock", "site / stock")]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-stock", action="store_true", help="skip the stock Material reference")
    parser.add_argument("--skip-serial", action="store_true", help="skip the serial card build")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, --jobs {args.jobs}\n")
    print("| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + "---:|" * len(COLUMNS), flush=True)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        row = measure(size, args.jobs, args.skip_stock, args.skip_serial)
        rows.append(row)
        # Each row as soon as it is measured: a long run that is stopped keeps what it measured.
        print("| " + " | ".join(f"{row[key]:.2f}" if key != "size" else str(row[key]) for key, _ in COLUMNS)
              + " |", flush=True)
    totals = {row["size"]: row["total"] for row in rows}
    for small, large in ((1000, 3000), (100, 1000)):
        if small in totals and large in totals:
            print(f"\n{large}/{small} full-build time ratio: {totals[large] / totals[small]:.2f}")


if __name__ == "__main__":
    main()
