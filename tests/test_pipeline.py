"""The whole build: hostile text stays text, nothing reaches out, output is reproducible and atomic."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import html.parser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import alive, children, copy_content, fresh_cache, wait_for
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
    # The hostile text is long: make room for it on the card's back, which must still fit.
    text = text.replace("  - Offer a hand as they come up, bending your knees, not your waist.\n", "")
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
    base = tmp_path_factory.mktemp("hostile")
    copy_content(base / "content", stretches=["childs-pose", "cat-cow"])  # the hostile stretch, and another
    make_hostile(base / "content")
    result = build(base / "content", base / "site", "--card-size", "4x6in",
                   "--cache-dir", str(fresh_cache(tmp_path_factory)))
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


def without_network() -> tuple[str, ...]:
    """Return the command prefix that runs a command with no network, or skip saying why there is none."""
    errors = []
    # Root may make a network namespace; anyone may where user namespaces are allowed.
    for prefix in (("unshare", "--net"), ("unshare", "--user", "--map-root-user", "--net")):
        probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
        if probe.returncode == 0:
            return prefix
        errors.append(probe.stderr.strip())
    pytest.skip(f"cannot run a build without network: making a network namespace needs root or user "
                f"namespaces ({'; '.join(errors)})")


def test_build_reads_nothing_from_the_network(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # every stage runs, for one stretch
    result = build(content, tmp_path / "site", prefix=without_network())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "cards" / "stretch-cards.pdf").is_file()


def test_two_builds_are_byte_identical(tmp_path: Path, built_site: Path, cache_dir: Path) -> None:
    # The session's build had an empty cache of its own and rendered on worker processes; this one
    # starts from this test's empty cache and renders every card, handout and booklet in one process.
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = build(ROOT / "content", tmp_path / "again", "--jobs", "1", env=env)
    assert result.returncode == 0, result.stderr
    assert (cache_dir / "pdf").is_dir()  # it rendered into its own cache, not from another's
    first, second = tree_digest(built_site), tree_digest(tmp_path / "again")
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert not differing


def test_the_site_is_dated_by_source_date_epoch_else_the_newest_review_never_the_clock(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # one stretch is enough
    stretch = content / "stretches" / "cat-cow.yml"
    stretch.write_text(stretch.read_text(encoding="utf-8") + "review:\n  by: A. Patel\n  on: 2025-03-04\n",
                       encoding="utf-8")
    unset = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    for env, day in ((unset, "2025-03-04"), ({**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}, "2023-11-14")):
        out = tmp_path / day
        result = build(content, out, env=env)
        assert result.returncode == 0, result.stderr
        sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
        assert sorted(set(re.findall(r"<lastmod>(.*?)</lastmod>", sitemap))) == [day]
        with gzip.open(out / "sitemap.xml.gz") as packed:  # its header's time too: the same bytes any day
            assert packed.read().decode() == sitemap
        mtime = int.from_bytes((out / "sitemap.xml.gz").read_bytes()[4:8], "little")
        assert datetime.datetime.fromtimestamp(mtime, tz=datetime.UTC).date().isoformat() == day


BAD_CASES = [c for c in CASES if c.stem in {"malformed-yaml", "alias-bomb", "not-utf8", "duplicate-key",
                                             "list-not-mapping", "routine-missing-stretch", "deep-nesting"}]


@pytest.mark.parametrize("case", BAD_CASES, ids=[c.stem for c in BAD_CASES])
def test_bad_content_fails_cleanly_and_keeps_previous_output(case: Path, tmp_path: Path, built_site: Path) -> None:
    # How much memory and time such a build takes is measured by bench/run.py, not asserted here.
    copy_content(tmp_path / "content")
    out = tmp_path / "site"
    shutil.copytree(built_site, out)
    before = tree_digest(out)
    dest = place_case(case, tmp_path / "content")
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content",
                             str(tmp_path / "content"), "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"{dest}:" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(out) == before


def test_a_killed_build_leaves_no_card_workers_or_site_process_running(tmp_path: Path, cache_dir: Path,
                                                                      default_content: Path) -> None:
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--content", str(default_content),
                             "--out", str(tmp_path / "site"), "--quiet", "--jobs", "2"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # an empty cache
    try:
        def two_workers() -> list[int]:
            assert proc.poll() is None, f"the build ended (exit {proc.returncode}) before its card stage"
            # Two card workers, and the site stage's process while it runs.
            found = [pid for pid in children(proc.pid) if b"spawn_main" in _cmdline(pid)]
            return found if len(found) >= 2 else []

        workers = wait_for(two_workers, 120, "the card stage to start its two workers")
        # The first rendered card reaches the cache: the workers are busy with the rest.
        wait_for(lambda: any((cache_dir / "pdf").rglob("*.bin")), 120, "the first card to be rendered")
        # Still running: the build, its two card workers, and its site stage unless that has finished.
        workers = [pid for pid in children(proc.pid) if b"spawn_main" in _cmdline(pid)]
        assert proc.poll() is None and len(workers) >= 2, "the build ended before the kill"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    try:
        wait_for(lambda: not any(alive(pid) for pid in workers), 20, f"card workers {workers} to end with their build")
    finally:
        for pid in filter(alive, workers):  # left behind: this test started them, so it ends them
            os.kill(pid, signal.SIGKILL)


def _cmdline(pid: int) -> bytes:
    """Return a process's command line, or nothing when it has already ended."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # a short-lived child can end between listing and reading
        return b""


def test_a_site_stage_in_its_own_process_builds_the_same_site(
        tmp_path: Path, built_site: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A large library renders its site in a process of its own beside the cards; the default guide
    # is made to do so here, and must come out as the session's build (site in the build process).
    from stretchguide import pipeline
    from stretchguide.cli import main

    started: list[Path] = []

    class Counted(pipeline.SiteProcess):
        def __init__(self, options: Any, dest: Path) -> None:
            started.append(dest)
            super().__init__(options, dest)

    monkeypatch.setattr(pipeline, "SITE_PROCESS_MIN_STRETCHES", 0)
    monkeypatch.setattr(pipeline, "SiteProcess", Counted)
    out = tmp_path / "site"
    assert main(["build", "--content", str(ROOT / "content"), "--out", str(out), "--quiet", "--jobs", "2",
                 "--cache-dir", str(cache_dir)]) == 0
    assert len(started) == 1
    first, second = tree_digest(built_site), tree_digest(out)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_check_of_content_that_does_not_load_never_starts_the_card_renderer(tmp_path: Path) -> None:
    # Why it matters: WeasyPrint takes about a second to import, and a broken file needs none of it.
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])
    (content / "stretches" / "cat-cow.yml").write_text("title: [unclosed\n", encoding="utf-8")
    script = ("import sys\nfrom stretchguide import cli\ncode = cli.main(['check', '--content', sys.argv[1]])\n"
              "print('weasyprint' in sys.modules, code)")
    result = subprocess.run([sys.executable, "-c", script, str(content)], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.stdout.split() == ["False", "1"], result.stderr


def test_a_build_with_nothing_changed_copies_its_last_site_and_files(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Why it matters: building again to check a print setting, or after a pull that changed
    # nothing, should take a second or two, not run MkDocs and join every deck again.
    from stretchguide import booklet, cards, site
    from stretchguide.cli import main

    content = copy_content(tmp_path / "content", stretches=["cat-cow"])
    cache_dir = str(tmp_path / "cache")

    def run(out: str) -> Path:
        assert main(["build", "--content", str(content), "--out", str(tmp_path / out), "--quiet",
                     "--cache-dir", cache_dir]) == 0
        return tmp_path / out

    def assembled() -> set[Path]:
        return set((tmp_path / "cache" / "assembled").glob("*/*.bin"))

    first = run("first")
    kept = assembled()
    assert kept  # the decks, sheets and booklets made of the documents
    calls: list[str] = []
    for module, name in ((cards, "assemble"), (booklet, "write_booklets")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, _name=name, _original=original: (
            calls.append(_name), _original(*args))[1])
    engine = site.ENGINES["mkdocs"]
    monkeypatch.setitem(site.ENGINES, "mkdocs", lambda *args: (calls.append("mkdocs"), engine(*args))[1])
    again = run("again")
    assert calls == []
    assert tree_digest(again) == tree_digest(first)
    # Nor does it import WeasyPrint, which alone takes about a second.
    script = ("import sys\nfrom stretchguide import cli\ncode = cli.main(sys.argv[1:])\n"
              "print('weasyprint' in sys.modules, code)")
    result = subprocess.run([sys.executable, "-c", script, "build", "--content", str(content), "--quiet",
                             "--out", str(tmp_path / "third"), "--cache-dir", cache_dir],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.stdout.split() == ["False", "0"], result.stderr
    # A changed title is on the page, in the deck's bookmarks and on the card: all made again.
    stretch = content / "stretches" / "cat-cow.yml"
    stretch.write_text(stretch.read_text(encoding="utf-8").replace("title: Cat-cow", "title: Cat and cow", 1),
                       encoding="utf-8")
    edited = run("edited")
    assert sorted(set(calls)) == ["assemble", "mkdocs", "write_booklets"]
    assert "Cat and cow" in (edited / "stretches" / "cat-cow" / "index.html").read_text(encoding="utf-8")
    assert tree_digest(edited)["cards/stretch-cards.pdf"] != tree_digest(first)["cards/stretch-cards.pdf"]
    # What the edit made replaces what the cache kept of the files before it (at 1,000 stretches
    # about 180 MB a build): the cache does not grow with every edit.
    assert len(assembled()) == len(kept) and not assembled() & kept
    # Another build date is another sitemap: the engine runs again.
    calls.clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    dated = run("dated")
    assert "mkdocs" in calls
    assert "<lastmod>2023-11-14</lastmod>" in (dated / "sitemap.xml").read_text(encoding="utf-8")
