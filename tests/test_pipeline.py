"""The whole build: hostile text stays text, nothing reaches out, output is reproducible and atomic."""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_loader import CASES, place_case

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>[a](javascript:alert(2))*b*'


def build(content: Path, out: Path, *extra: str, env: dict[str, str] | None = None,
          prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, str(ROOT / "build.py"), "build", "--content", str(content),
                           "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, timeout=600, env=env)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class _MarkupAudit(html.parser.HTMLParser):
    """Collect every script body, event-handler attribute and javascript: URL in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"<{tag} {name}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.findings.append(f"<{tag} {name}={value}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.findings.append("<img src=x>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip() == 'alert("x")':
            self.findings.append("a <script> element from content")


def make_hostile(content: Path) -> None:
    """Put hostile text into every kind of text field of the default content."""
    stretch = content / "stretches" / "childs-pose.yml"
    text = stretch.read_text(encoding="utf-8")
    text = text.replace("title: Child's pose", f"title: '{HOSTILE}'")
    text = text.replace("  - Sit back slowly toward your heels.", f"  - '{HOSTILE}'")
    text = text.replace("    - Knee problems that do not tolerate deep bending.", f"    - '{HOSTILE}'")
    stretch.write_text(text, encoding="utf-8")
    guide = content / "guide.yml"
    text = guide.read_text(encoding="utf-8")
    text = text.replace("  clinic_name: Example Physiotherapy Clinic", f"  clinic_name: '{HOSTILE}'")
    guide.write_text(text, encoding="utf-8")
    routine = content / "routines" / "lower-back-basics.yml"
    text = routine.read_text(encoding="utf-8").replace("title: Lower back basics", f"title: '{HOSTILE}'")
    routine.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    base = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOT / "content", base / "content")
    make_hostile(base / "content")
    result = build(base / "content", base / "site", "--card-size", "4x6in")
    assert result.returncode == 0, result.stderr
    return base / "site"


def test_hostile_text_never_becomes_markup(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        audit = _MarkupAudit()
        audit.feed(page.read_text(encoding="utf-8"))
        assert not audit.findings, f"{page.relative_to(hostile_site)}: {audit.findings}"
    stretch_page = (hostile_site / "stretches" / "childs-pose" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert" in stretch_page  # shown as text, for the reader to see


def test_hostile_text_in_json_and_oembed_is_data(hostile_site: Path) -> None:
    for path in sorted(hostile_site.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "oembed.json":
            audit = _MarkupAudit()
            audit.feed(data["html"])
            assert not audit.findings, path
            assert "<script" not in data["html"]
    api = json.loads((hostile_site / "api" / "stretches" / "childs-pose.json").read_text(encoding="utf-8"))
    assert HOSTILE in json.dumps(api, ensure_ascii=False).replace('\\"', '"')  # the text survives as text


def test_build_reads_nothing_from_the_network(tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
    assert probe.returncode == 0, f"cannot create a network namespace: {probe.stderr}"
    result = build(ROOT / "content", tmp_path / "site", prefix=("unshare", "--net"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "cards" / "stretch-cards.pdf").is_file()


def test_two_builds_are_byte_identical(tmp_path: Path, built_site: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = build(ROOT / "content", tmp_path / "again", env=env)
    assert result.returncode == 0, result.stderr
    first, second = tree_digest(built_site), tree_digest(tmp_path / "again")
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert not differing


def test_source_date_epoch_sets_the_shown_date(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}  # 14 November 2023
    result = build(ROOT / "content", tmp_path / "site", env=env)
    assert result.returncode == 0, result.stderr
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "2023-11-14" in sitemap


BAD_CASES = [c for c in CASES if c.stem in {"malformed-yaml", "alias-bomb", "not-utf8", "duplicate-key",
                                             "list-not-mapping", "routine-missing-stretch", "deep-nesting"}]


# Runs the command line and reports the process's own peak memory (VmHWM belongs to the
# address space exec created, so it excludes the test runner that forked it) and CPU time.
MEASURED = """
import os, resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    code = 0
except SystemExit as exc:
    code = exc.code
peak = next(ln.split()[1] for ln in open("/proc/self/status") if ln.startswith("VmHWM:"))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(f"MEASURED peak_kib={peak} cpu_s={usage.ru_utime + usage.ru_stime:.3f}", file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("case", BAD_CASES, ids=[c.stem for c in BAD_CASES])
def test_bad_content_keeps_previous_output_and_stays_small(case: Path, tmp_path: Path, built_site: Path) -> None:
    import re
    import shutil

    shutil.copytree(ROOT / "content", tmp_path / "content")
    out = tmp_path / "site"
    shutil.copytree(built_site, out)
    before = tree_digest(out)
    dest = place_case(case, tmp_path / "content")
    result = subprocess.run([sys.executable, "-c", MEASURED, str(ROOT / "build.py"), "build", "--content",
                             str(tmp_path / "content"), "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"{dest}:" in result.stderr
    assert "Traceback" not in result.stderr
    measured = re.search(r"MEASURED peak_kib=(\d+) cpu_s=([\d.]+)", result.stderr)
    assert measured, result.stderr
    assert int(measured.group(1)) < 200 * 1024, f"peak memory {measured.group(1)} KiB"
    assert float(measured.group(2)) < 2.0, f"CPU time {measured.group(2)} s"
    assert tree_digest(out) == before


def test_interrupted_build_leaves_previous_output(tmp_path: Path, built_site: Path) -> None:
    import shutil

    out = tmp_path / "site"
    shutil.copytree(built_site, out)
    before = tree_digest(out)
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--content", str(ROOT / "content"),
                             "--out", str(out), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(".site.new-*/*")):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert tree_digest(out) == before
    assert build(ROOT / "content", out).returncode == 0  # the next build recovers and cleans up
    assert not list(tmp_path.glob(".site.*"))


def _command_line(pid: int) -> bytes:
    """Return a process's command line, or nothing once it has ended (the build runs short-lived helpers)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _children(pid: int) -> list[int]:
    """Return the ids of the processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_killed_build_leaves_no_card_workers_running(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--content", str(ROOT / "content"),
                             "--out", str(tmp_path / "site"), "--quiet", "--jobs", "2"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # an empty cache
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        workers = [pid for pid in _children(proc.pid) if b"spawn_main" in _command_line(pid)]
        if len(workers) == 2:
            break
        time.sleep(0.05)
    assert len(workers) == 2, "the card stage did not start its two workers"
    time.sleep(1)  # the workers are rendering
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
