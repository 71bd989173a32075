#!/usr/bin/env python3
"""Benchmark builds of large libraries and compare the site stage with stock Material.

Usage: .venv/bin/python bench/run.py [--sizes 100,1000,3000] [--jobs N] [--skip-stock] [--skip-serial]
                                     [--skip-failed] [--failed-only]

For each size N it generates a library of N stretches from the default content and measures,
in one run: loading the library's files (time and peak memory of a process that only loads),
a full build with an empty cache (total, site stage, card stage, peak memory of the build and
every process it waited for, milliseconds per card face), the card stage of a serial build
(`--jobs 1`, also with an empty cache), a rebuild after editing one stretch (cache kept), and
stock mkdocs-material with a flat navigation building the same Markdown pages as the site
stage. It prints one Markdown table and the ratios.

Then it measures builds that must fail: the default content with one hostile or broken file
(an alias bomb, deep nesting, a 1 MB string, malformed YAML, ...). Each must exit 1 quickly
and in little memory; it prints CPU time and peak memory against the budget of such a build.
Every build gets a cache folder of its own (`--cache-dir`), empty unless it is the rebuild.
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
INVALID = ROOT / "tests" / "data" / "invalid"
#: What a build of bad content may cost: it stops before rendering anything.
FAILED_PEAK_MIB, FAILED_CPU_S = 200, 2.0
#: Broken or hostile files a build must refuse cheaply, by where they go in the content folder.
FAILED_CASES = ("alias-bomb", "deep-nesting", "malformed-yaml", "not-utf8", "duplicate-key", "list-not-mapping",
                "routine-missing-stretch")


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


def run_measured(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                 ) -> tuple[int, str, float, float, int]:
    """Run a command; return its exit code, stderr, wall time, CPU time and peak KiB.

    The CPU time and peak memory (wait4's ru_maxrss) cover the process and every process it
    waited for (card workers, mkdocs).
    """
    cwd.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log_file:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log_file, text=True, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        log_file.seek(0)
        log = log_file.read()
    return (os.waitstatus_to_exitcode(status), log, elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def timed_build(content: Path, out: Path, cwd: Path, *extra: str, keep_pages: Path | None = None,
                ) -> tuple[float, dict[str, float], int]:
    """Run one build in `cwd`, with its cache in `cwd`/cache; return wall time, stage times, peak KiB."""
    env = dict(os.environ)
    if keep_pages is not None:
        env["STRETCHGUIDE_KEEP_PAGES"] = str(keep_pages)
    code, log, elapsed, _, peak = run_measured(
        [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out),
         "--verbose", "--cache-dir", str(cwd / "cache"), *extra], cwd, env)
    if code != 0:
        raise SystemExit(f"build failed:\n{log[-3000:]}")
    stages = {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+) stage: ([\d.]+) s", log)}
    faces = re.search(r"(\d+) card faces", log)
    stages["faces"] = float(faces.group(1)) if faces else 0.0
    return elapsed, stages, peak


#: Loads a content folder and nothing else, printing the seconds it took.
LOAD_ONLY = """
import sys, time
from pathlib import Path
from stretchguide.loader import load_library
started = time.perf_counter()
result = load_library(Path(sys.argv[1]))
print(f"{time.perf_counter() - started:.3f}", file=sys.stderr)
sys.exit(0 if result.library is not None else 1)
"""


def timed_load(content: Path, cwd: Path) -> tuple[float, int]:
    """Load every file of `content` in a fresh process; return the seconds loading took and the peak KiB."""
    code, log, _, _, peak = run_measured([sys.executable, "-c", LOAD_ONLY, str(content)], cwd)
    if code != 0:
        raise SystemExit(f"loading {content} failed:\n{log[-3000:]}")
    return float(log.split()[-1]), peak


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
        load, load_peak = timed_load(content, work)
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
        return {"size": size, "load": load, "load_peak": load_peak / 1024,
                "total": total, "site": site, "cards": cards, "peak": peak / 1024,
                "ms_face": 1000 * cards / stages["faces"] if stages["faces"] else nan,
                "serial": serial, "speedup": serial / cards, "edit": edit,
                "edit_site": edit_stages.get("site", nan), "edit_cards": edit_stages.get("cards", nan), "stock": stock,
                "site_stock": site / stock}


COLUMNS = [("size", "stretches"), ("load", "load files s"), ("load_peak", "load peak MiB"),
           ("total", "full build s"), ("site", "site stage s"),
           ("cards", "card stage s"), ("peak", "peak MiB"), ("ms_face", "ms per card face"),
           ("serial", "cards, 1 job s"), ("speedup", "cards 1 job / N jobs"),
           ("edit", "one-edit rebuild s"), ("edit_site", "its site stage s"), ("edit_cards", "its card stage s"),
           ("stock", "stock flat Material s"), ("site_stock", "site / stock")]


def place_case(name: str, content: Path) -> Path:
    """Put one broken file into `content` where its kind of file belongs (as the tests do)."""
    if name == "huge-string":
        dest = content / "stretches" / "huge-string.yml"
        dest.write_text("title: " + "x" * 1_000_000 + "\n", encoding="utf-8")
        return dest
    folder = "routines" if name.startswith("routine-") else "stretches"
    dest = content / ("guide.yml" if name.startswith("guide-") else f"{folder}/{name}.yml")
    shutil.copyfile(INVALID / f"{name}.yml", dest)
    return dest


def measure_failed_builds() -> None:
    """Build the default content with each broken file; print each build's cost against the budget."""
    print(f"\nBuilds that must fail (budget: {FAILED_PEAK_MIB} MiB peak, {FAILED_CPU_S:.1f} s CPU)\n")
    print("| broken file | exit | wall s | CPU s | peak MiB | within budget |")
    print("|---|---:|---:|---:|---:|---|", flush=True)
    over = []
    for name in (*FAILED_CASES, "huge-string"):
        with tempfile.TemporaryDirectory(prefix=f"bench-failed-{name}-") as tmp:
            work = Path(tmp)
            shutil.copytree(CONTENT, work / "content")
            place_case(name, work / "content")
            code, log, wall, cpu, peak = run_measured(
                [sys.executable, str(ROOT / "build.py"), "build", "--content", str(work / "content"),
                 "--out", str(work / "site"), "--cache-dir", str(work / "cache")], work)
        mib = peak / 1024
        fine = code == 1 and "Traceback" not in log and mib < FAILED_PEAK_MIB and cpu < FAILED_CPU_S
        if not fine:
            over.append(name)
        print(f"| {name} | {code} | {wall:.2f} | {cpu:.2f} | {mib:.0f} | {'yes' if fine else 'NO'} |", flush=True)
    if over:
        print(f"\nover budget or not a clean failure: {', '.join(over)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-stock", action="store_true", help="skip the stock Material reference")
    parser.add_argument("--skip-serial", action="store_true", help="skip the serial card build")
    parser.add_argument("--skip-failed", action="store_true", help="skip the builds that must fail")
    parser.add_argument("--failed-only", action="store_true", help="measure only the builds that must fail")
    args = parser.parse_args()
    if args.failed_only:
        measure_failed_builds()
        return
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
    if not args.skip_failed:
        measure_failed_builds()


if __name__ == "__main__":
    main()
