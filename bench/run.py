#!/usr/bin/env python3
"""Benchmark a build of a large library against the issue's targets, in one run.

Usage: .venv/bin/python bench/run.py [--size 1000] [--jobs 2] [--write-docs]
                                     [--skip-floor] [--skip-serve] [--skip-stock] [--skip-zensical]
                                     [--failed] [--failed-only]

It measures, one after the other on the same machine (the machine's load, from /proc/loadavg,
is printed beside each measurement):

1. the default guide from an empty cache, then again with that cache (warm);
2. a library of `--size` stretches (the default ones, cycled): a full build from an empty cache
   with `--jobs`: wall time, each stage's wall and CPU time (from the build's `-v` log) and the
   peak memory of the whole process tree (the build, its card workers, MkDocs: the sum of their
   resident memory, sampled every 50 ms);
3. WeasyPrint's floor: in one fresh process, serially, every document the PDF stage renders
   (cards, handouts, sheet overlays, calibration sheets and booklets, in every language; the same
   HTML, each card in the spacing the build keeps) laid out and written once, with the CPU time that took;
4. `build` after one edit of that library (cache kept);
5. the site stage with Zensical (`--engine zensical`, same pages, cards from the cache) and
   stock mkdocs-material with a flat navigation building the same Markdown pages;
6. `serve` on that library (its cache warm): the time from saving an edited stretch to its
   page being served with the edit, and to its card being served anew.

It prints one Markdown table; `--write-docs` also writes it into docs/manual/performance.md
between the markers there. `--failed` then measures builds that must fail: the default content
with one hostile or broken file (an alias bomb, deep nesting, ...), each of which must exit 1
quickly and in little memory.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
INVALID = ROOT / "tests" / "data" / "invalid"
PERFORMANCE_DOC = ROOT / "docs" / "manual" / "performance.md"
#: What a build of bad content may cost: it stops before rendering anything.
FAILED_PEAK_MIB, FAILED_CPU_S = 200, 2.0
#: Broken or hostile files a build must refuse cheaply, by where they go in the content folder.
FAILED_CASES = ("alias-bomb", "deep-nesting", "malformed-yaml", "not-utf8", "duplicate-key", "list-not-mapping",
                "routine-missing-stretch")


def generate_library(size: int, dest: Path, one_language: bool = False) -> Path:
    """Write a library of `size` stretches, cycling through the default ones.

    With `one_language`, the guide's translations are left out, so it is built in its own
    language only (as the targets were set, before the guide had a second language).

    Copy n of default stretch k (n = k modulo the number of default stretches) is `s<n>`, with
    the default's title. Why no longer names or titles: the default cards' backs are nearly full,
    and a longer address or title under the QR code makes some run over, which stops the build.
    """
    left_out = ("stretches", "routines", *(("translations",) if one_language else ()))
    shutil.copytree(CONTENT, dest, ignore=shutil.ignore_patterns(*left_out))
    (dest / "stretches").mkdir()
    (dest / "routines").mkdir()
    bases = sorted((CONTENT / "stretches").glob("*.yml"))
    ids = []
    for n in range(size):
        base = bases[n % len(bases)]
        sid = f"s{n:04d}"
        text = base.read_text(encoding="utf-8")
        # An alternative names a stretch by id: point it at the first copy of that stretch.
        text = re.sub(r"^(alternative:\n  stretch: )(\S+)$",
                      lambda m: f"{m.group(1)}s{[b.stem for b in bases].index(m.group(2)):04d}", text, flags=re.M)
        (dest / "stretches" / f"{sid}.yml").write_text(text, encoding="utf-8")
        ids.append(sid)
    for r in range(max(1, size // 50)):
        items = "\n".join(f"  - stretch: {sid}" for sid in ids[r * 5:(r + 1) * 5] or ids[:5])
        (dest / "routines" / f"routine-{r:03d}.yml").write_text(
            f"title: Routine {r:03d}\nsummary: A generated routine.\nitems:\n{items}\n", encoding="utf-8")
    return dest


def load() -> str:
    """Return the machine's load averages over 1, 5 and 15 minutes."""
    return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])


def tree_rss_kib(pid: int) -> int:
    """Return the resident memory of a process and all its descendants, in KiB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text(encoding="ascii")
            total += int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text(encoding="ascii").split()]
        except (OSError, AttributeError):
            continue  # ended meanwhile, or a zombie
    return total


class TreePeak:
    """Sample a process tree's resident memory every 50 ms and keep the highest sum."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_rss_kib(self.pid))

    def stop(self) -> int:
        """Stop sampling; return the peak in KiB."""
        self._stop.set()
        self._thread.join()
        return self.peak


def run_measured(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                 ) -> tuple[int, str, float, float, int, int]:
    """Run a command; return its exit code, stderr, wall time, CPU time, largest process and tree peak in KiB.

    The CPU time and the largest process (wait4's ru_maxrss) cover the process and every process
    it waited for (card workers); the tree peak is the sampled sum of all of them at once.
    """
    cwd.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log_file:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log_file, text=True, cwd=cwd, env=env)
        sampler = TreePeak(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        tree = sampler.stop()
        log_file.seek(0)
        log = log_file.read()
    return (os.waitstatus_to_exitcode(status), log, elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
            tree)


def build_command(content: Path, out: Path, cache_dir: Path, *extra: str) -> list[str]:
    """Return the command line of a verbose build."""
    return [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out),
            "--verbose", "--cache-dir", str(cache_dir), *extra]


def timed_build(content: Path, out: Path, cwd: Path, *extra: str, keep_pages: Path | None = None,
                ) -> dict[str, float]:
    """Run one build in `cwd`, with its cache in `cwd`/cache; return its measurements.

    Keys: wall, cpu, peak (MiB, the process tree), <stage> and <stage>_cpu for each stage, faces, load.
    """
    env = dict(os.environ)
    if keep_pages is not None:
        env["STRETCHGUIDE_KEEP_PAGES"] = str(keep_pages)
    before = load()
    code, log, elapsed, cpu, _, tree = run_measured(build_command(content, out, cwd / "cache", *extra), cwd, env)
    if code != 0:
        raise SystemExit(f"build failed:\n{log[-3000:]}")
    found: dict[str, float] = {"wall": elapsed, "cpu": cpu, "peak": tree / 1024}
    for match in re.finditer(r"(\w+) stage: ([\d.]+) s, ([\d.]+) s CPU", log):
        found[match.group(1)], found[match.group(1) + "_cpu"] = float(match.group(2)), float(match.group(3))
    faces = re.search(r"(\d+) card faces", log)
    found["faces"] = float(faces.group(1)) if faces else 0.0
    print(f"  build {' '.join(extra)}: {elapsed:.1f} s (load {before})", file=sys.stderr, flush=True)
    return found


#: Lays out and writes, serially in this one process, every document the card stage renders
#: (the same HTML, planned first and not timed; each card in the spacing the build keeps, chosen
#: first and not timed); prints the CPU seconds and the number of faces.
FLOOR = """
import sys, time
from pathlib import Path
from stretchguide import booklet, cards, i18n, pipeline, typeset
from stretchguide.models import BuildOptions
from stretchguide.cli import THEME_DIR, DOCS_DIR, MKDOCS_CONFIG
options = BuildOptions(theme_dir=THEME_DIR, docs_dir=DOCS_DIR, mkdocs_config=MKDOCS_CONFIG,
                       content_dir=Path(sys.argv[1]), out_dir=Path(sys.argv[2]), cache_dir=Path(sys.argv[3]))
context, _ = pipeline.prepare(pipeline.with_theme(options))
jobs = []
for language, localised in pipeline.language_contexts(context):
    with i18n.activate(language):
        for plan in (cards.plan(localised), booklet.plan(localised)):
            jobs += [job for _, job in plan.jobs]
caches = {}
# The variant of each card the build keeps (normal, compact or tight spacing), chosen first, not timed.
kept = []
for job in jobs:
    cache = caches.setdefault(job.options, typeset.LayoutCache())
    kept.append(typeset.layout_job(job, cache)[0].html)
    cache.images.clear()
started = time.process_time()
pages = 0
for job, html in zip(jobs, kept):
    cache = caches[job.options]
    rendered = typeset.layout_html(html, job.options, cache)
    pages += len(rendered.document.pages)
    typeset.write_pdf(rendered.document, job.ident)
    cache.images.clear()
print(f"{time.process_time() - started:.3f} {pages} {len(jobs)}", file=sys.stderr)
"""


def floor(content: Path, cwd: Path) -> tuple[float, int]:
    """Return WeasyPrint's floor for the PDF stage of `content`: CPU seconds, and pages written."""
    code, log, *_ = run_measured([sys.executable, "-c", FLOOR, str(content), str(cwd / "out"), str(cwd / "cache")],
                                 cwd)
    if code != 0:
        raise SystemExit(f"measuring the floor failed:\n{log[-3000:]}")
    cpu, pages, _ = log.split()[-3:]
    return float(cpu), int(pages)


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


def edit_title(path: Path, mark: str) -> str:
    """Append `mark` to a stretch file's title; return the new title."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^title: (.*)$", text, flags=re.M)
    assert match is not None
    title = f"{match.group(1)} {mark}"
    path.write_text(text[:match.start(1)] + title + text[match.end(1):], encoding="utf-8")
    return title


def http_get(port: int, path: str) -> bytes | None:
    """Return the body of a page the preview serves, or None when it does not answer 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.read() if response.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


def wait_for(test: Callable[[], bool], timeout: float, step: float = 0.05) -> float:
    """Poll `test` until it holds; return when it first held (perf_counter), or raise after `timeout` s."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if test():
            return time.perf_counter()
        time.sleep(step)
    raise SystemExit(f"serve: gave up after {timeout:.0f} s")


def measure_serve(content: Path, cwd: Path, stretch: Path, jobs: int) -> tuple[float, float]:
    """Run `serve` on `content` (cache in `cwd`/cache); return seconds from saving an edit to its page, and its card."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = cwd / "serve-site"
    stretch_id = stretch.stem
    page, card = f"/stretches/{stretch_id}/", f"/cards/{stretch_id}.pdf"
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content), "--out",
                             str(out), "--cache-dir", str(cwd / "cache"), "--port", str(port), "--jobs", str(jobs)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
    try:
        # Ready: the first build (everything) is served; then let the watcher settle.
        wait_for(lambda: http_get(port, card) is not None and http_get(port, page) is not None, 1800, 0.5)
        time.sleep(2)
        old_card = http_get(port, card)
        title = edit_title(stretch, "(served)")
        saved = time.perf_counter()
        needle = title.encode("utf-8")
        shown = wait_for(lambda: needle in (http_get(port, page) or b""), 600)
        carded = wait_for(lambda: (http_get(port, card) or old_card) != old_card, 600)
        return shown - saved, carded - saved
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def default_guide(cwd: Path, jobs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Build the default guide from an empty cache, then again with it; return both builds' measurements."""
    return (timed_build(CONTENT, cwd / "site", cwd, "--jobs", str(jobs)),
            timed_build(CONTENT, cwd / "site", cwd, "--jobs", str(jobs)))


def measure(size: int, jobs: int, args: argparse.Namespace) -> dict[str, float]:
    """Measure every target for one library size, one measurement after the other.

    Each number is printed to stderr as soon as it is measured, so a run that is stopped keeps
    what it measured; the most expensive (the floor) comes last.
    """
    nan = float("nan")
    row: dict[str, float] = {"size": size, **dict.fromkeys(
        ("floor", "floor_pages", "material", "zensical", "stock", "serve_page", "serve_card"), nan)}

    def note(**values: float) -> None:
        row.update(values)
        print("  " + ", ".join(f"{key} {value:.2f}" for key, value in values.items()) + f" (load {load()})",
              file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as tmp:
        work = Path(tmp)
        cold, warm = default_guide(work / "default", jobs)
        note(default_cold=cold["wall"], default_cold_cpu=cold["cpu"], default_warm=warm["wall"],
             default_warm_cpu=warm["cpu"])
        content = generate_library(size, work / "content", args.one_language)
        row["languages"] = 1 + sum(1 for path in (content / "translations").glob("*") if path.is_dir())
        pages = work / "pages"
        full = timed_build(content, work / "site", work / "full", "--jobs", str(jobs), keep_pages=pages)
        note(total=full["wall"], total_cpu=full["cpu"], peak=full["peak"], site=full.get("site", nan),
             site_cpu=full.get("site_cpu", nan), cards=full.get("pdf", nan), cards_cpu=full.get("pdf_cpu", nan),
             faces=full["faces"])
        # Copies of the first default stretch (a short title: the edited one still fits its card).
        bases = len(list((CONTENT / "stretches").glob("*.yml")))
        stretches = [content / "stretches" / f"s{n:04d}.yml" for n in range(0, size, bases)]
        edit_title(stretches[len(stretches) // 2], "(edited)")
        edit = timed_build(content, work / "site", work / "full", "--jobs", str(jobs))
        note(edit=edit["wall"], edit_cpu=edit["cpu"], edit_site=edit.get("site", nan),
             edit_cards=edit.get("pdf", nan), edit_embeds=edit.get("embeds", nan),
             edit_cards_cpu=edit.get("pdf_cpu", nan))
        if not args.skip_serve:
            page, card = measure_serve(content, work / "full", stretches[len(stretches) // 3], jobs)
            note(serve_page=page, serve_card=card)
        # The engines side by side, each alone: `--jobs 1` keeps the site stage in the build process,
        # and every card comes from the cache. Without the kept site: the same pages would reuse it.
        shutil.rmtree(work / "full" / "cache" / "site", ignore_errors=True)
        note(material=timed_build(content, work / "material", work / "full", "--jobs", "1").get("site", nan))
        if not args.skip_zensical:
            note(zensical=timed_build(content, work / "zensical", work / "full", "--jobs", "1",
                                      "--engine", "zensical").get("site", nan))
        if not args.skip_stock:
            note(stock=stock_material(pages, work / "stock"))
        if not args.skip_floor:
            cpu, pages_written = floor(content, work / "full")
            note(floor=cpu, floor_pages=pages_written)
    return row


def report(row: dict[str, float], jobs: int, loads: tuple[str, str]) -> str:
    """Return the measurements as a Markdown table: each target, the measured number, met or not."""
    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    floor_ratio = row["cards_cpu"] / row["floor"]
    wall_ratio = row["cards"] / row["cards_cpu"]
    size = int(row["size"])
    languages = "one language" if row["languages"] == 1 else f"{row['languages']:.0f} languages"

    def met_at_1000(ok: bool) -> str:
        """The status of a target set for 1,000 stretches, in a run of another size."""
        return met(ok) if size == 1000 else f"{met(ok)} at {size:,} (the target is for 1,000)"
    lines = [
        f"{os.cpu_count()} cores, `--jobs {jobs}`, {size:,} stretches in "
        f"{languages}; load average (1, 5, 15 min) "
        f"{loads[0]} at the start, {loads[1]} at the end.",
        "",
        "| measurement | measured | target | status |",
        "| --- | ---: | ---: | --- |",
        f"| WeasyPrint's floor: every document laid out and written once, serially, one process "
        f"({row['floor_pages']:.0f} pages) | {row['floor']:.1f} s CPU | | |",
        f"| PDF stage (cards, handouts, sheets, booklets), CPU of all processes | {row['cards_cpu']:.1f} s = "
        f"{floor_ratio:.2f} x floor | "
        f"1.25 x floor | {met(floor_ratio <= 1.25)} |",
        f"| PDF stage, wall from its first job to its last file | {row['cards']:.1f} s = {wall_ratio:.2f} x its "
        f"CPU | 0.6 x its CPU | "
        f"{met(wall_ratio <= 0.6)} |",
        f"| full build from an empty cache, wall (site stage {row['site']:.1f} s within PDF stage "
        f"{row['cards']:.1f} s) | "
        f"{row['total']:.1f} s | 100 s | {met_at_1000(row['total'] <= 100)} |",
        f"| full build, peak memory of the process tree | {row['peak']:.0f} MiB | 1,024 MiB | "
        f"{met_at_1000(row['peak'] <= 1024)} |",
        f"| full build, CPU of all its processes | {row['total_cpu']:.1f} s | | |",
        f"| default guide, empty cache (CPU {row['default_cold_cpu']:.1f} s) | {row['default_cold']:.1f} s | 5 s | "
        f"{met(row['default_cold'] <= 5)} |",
        f"| default guide, warm cache (CPU {row['default_warm_cpu']:.1f} s) | {row['default_warm']:.1f} s | 2 s | "
        f"{met(row['default_warm'] <= 2)} |",
        f"| `build` after one edit (site {row['edit_site']:.1f} s, PDF stage {row['edit_cards']:.1f} s, "
        f"embeds {row['edit_embeds']:.1f} s; CPU {row['edit_cpu']:.1f} s) | "
        f"{row['edit']:.1f} s | 15 s | "
        f"{met_at_1000(row['edit'] <= 15)} |",
        f"| `serve`: edit saved to its page served | {row['serve_page']:.1f} s | 2 s | "
        f"{met_at_1000(row['serve_page'] <= 2)} |",
        f"| `serve`: edit saved to its card served | {row['serve_card']:.1f} s | 5 s | "
        f"{met_at_1000(row['serve_card'] <= 5)} |",
        f"| site stage alone, this project's, with Material (clean, strict) | {row['material']:.1f} s | | |",
        f"| site stage alone, this project's, with Zensical | {row['zensical']:.1f} s = "
        f"{row['zensical'] / row['material']:.2f} x Material | | |",
        f"| stock Material, flat navigation, the same pages | {row['stock']:.1f} s; "
        f"this project's site stage = {row['material'] / row['stock']:.2f} x it | | |",
    ]
    return "\n".join(lines) + "\n"


#: The table's place in docs/manual/performance.md.
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")


def write_docs(table: str) -> None:
    """Put the table between the markers in the performance page."""
    text = PERFORMANCE_DOC.read_text(encoding="utf-8")
    start, end = text.index(MARKERS[0]) + len(MARKERS[0]), text.index(MARKERS[1])
    PERFORMANCE_DOC.write_text(text[:start] + "\n" + table + text[end:], encoding="utf-8")


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
    parser.add_argument("--size", type=int, default=1000, help="stretches in the generated library")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-floor", action="store_true", help="skip WeasyPrint's floor")
    parser.add_argument("--skip-serve", action="store_true", help="skip the live preview")
    parser.add_argument("--skip-stock", action="store_true", help="skip the stock Material reference")
    parser.add_argument("--skip-zensical", action="store_true", help="skip the site stage with Zensical")
    parser.add_argument("--one-language", action="store_true",
                        help="build the library in the guide's own language only, without its translations")
    parser.add_argument("--write-docs", action="store_true", help="write the table into " + str(PERFORMANCE_DOC))
    parser.add_argument("--failed", action="store_true", help="also measure the builds that must fail")
    parser.add_argument("--failed-only", action="store_true", help="measure only the builds that must fail")
    args = parser.parse_args()
    if not args.failed_only:
        started = load()
        row = measure(args.size, args.jobs, args)
        table = report(row, args.jobs, (started, load()))
        print(table, flush=True)
        if args.write_docs:
            write_docs(table)
    if args.failed or args.failed_only:
        measure_failed_builds()


if __name__ == "__main__":
    main()
