"""Render the hosted guide: Markdown pages from theme/site/, then MkDocs' strict build.

Why no plugin: the pages are plain Markdown and the config plain YAML, so MkDocs (or Zensical,
which reads the same files but ignores plugins) stays at arm's length. MkDocs runs unchanged,
through its own `build` function, in dirty mode when only pages changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import markupsafe
import yaml

from . import __version__, cache, i18n, icons, vocab
from .colours import contrast, mix, readable
from .models import (
    BOOKLET_MAX_STRETCHES,
    SWITCH_SECONDS,
    TRANSITION_SECONDS,
    Dose,
    Library,
    RenderContext,
    Routine,
    Stretch,
    iso_duration,
)
from .output import write_text
from .problems import ContentError, Problem
from .templates import DRAFT_MARK

log = logging.getLogger("stretchguide")

#: Where the site's own assets go inside the docs folder (and so inside the built site).
ASSET_DIR = "assets/sg"
#: Background colours of Material's two schemes, against which text colours are checked.
LIGHT_BG = "#ffffff"
DARK_BG = "#1e2129"
#: Contrast to reach for text colours: WCAG AA asks 4.5; keep a margin for rounding.
TEXT_CONTRAST = 4.8  # a little above AA, so adjusted brand colours keep a margin
#: Most stretch pages listed in the nav; a larger library's are listed A to Z on the stretch index.
NAV_LIST_LIMIT = 30
#: The service worker, at the site's root so that its scope is the whole guide.
SERVICE_WORKER = "sw.js"
#: Folders the service worker leaves to the network: embeds and data are for other sites.
PASS_THROUGH = ("embed/", "api/")
#: Files of the site not stored for offline use when the worker is installed: the search's other
#: languages (stored when first fetched), source maps and the sitemap, which only crawlers read.
NOT_PRECACHED = ("assets/javascripts/lunr/", "sitemap.xml")
#: A library with more stretches than this stores on install only the pages and figures of the
#: stretches its routines use; any other stretch's page is stored when it is first opened.
#: Why: a stretch's page and figure are about 60 KB; a phone installing the worker of a
#: 1,000-stretch guide would download some 60 MB before anyone opened a page.
PRECACHE_ALL_STRETCHES_UP_TO = 30
#: The gallery of every figure (theme/site/pages/figures.md): such a library's gallery is stored
#: once opened too, like the figures it shows.
GALLERY = "figures/"
#: Most figures the gallery draws inline, where they follow the dark palette; a larger library's
#: gallery shows each figure's file as an image, loaded as it scrolls into view. Why: each figure
#: is about 20 KB, so drawn inline the gallery of 1,000 stretches would be a 20 MB page.
GALLERY_INLINE_UP_TO = 30


def render_site(context: RenderContext, dest: Path) -> list[Problem]:
    """Render the guide's pages into `dest` with the chosen engine (MkDocs or Zensical); return warnings.

    The engine gets plain Markdown pages and one flat config, and runs its own normal, clean,
    strict build; when every page, the config and the theme are those of the last clean build
    (a warm cache), that build's site is copied instead. Only the live preview
    (`options.incremental`) lets MkDocs render just the pages whose Markdown changed (its dirty mode). Each language
    is a site of its own, with its own search index: the default language at the root, another
    under `<language>/` (context.prefix).
    """
    options = context.options
    dest = dest / context.prefix
    files = page_files(context)
    config = site_config(context, site_nav(context, files))
    config_text = json.dumps(config, ensure_ascii=False, indent=2) + "\n"
    with _work_folder(context) as work:
        docs_dir, site_dir, state, built = work / "docs", work / "site", work / "state", work / "built"
        key = cache.digest(options.engine, config_text, _site_environment(context), *sorted(files))
        # The same pages, config, theme and versions as the last clean build make the same site, on
        # the same build date (the engine dates the sitemap with it).
        whole = cache.digest(key, str(context.epoch), *(part for name in sorted(files) for part in (name, files[name])))
        if site_dir.is_dir() and _read_key(built) == whole:
            log.info("site: %d pages unchanged since the last clean build; its site is reused",
                     sum(name.endswith(".md") for name in files))
        else:
            dirty = options.incremental and _read_key(state) == key
            for done in (state, built):  # written again only when this build succeeds
                done.unlink(missing_ok=True)
            changed = sync_tree(docs_dir, files)
            pages = sum(name.endswith(".md") for name in files)
            del files  # written: the engine reads the pages from disk (at 1,000 stretches, 66 MB less while it runs)
            write_text(work / CONFIG_NAME, config_text)
            if not dirty:
                shutil.rmtree(site_dir, ignore_errors=True)
            started = time.perf_counter()
            ENGINES[options.engine](context, work / CONFIG_NAME, dirty)
            log.info("site: %s built %d pages in %.2f s (%s; %d Markdown files changed)", options.engine,
                     pages, time.perf_counter() - started,
                     "only changed pages" if dirty else "clean", len(changed))
            if not dirty:  # a dirty build may leave links stale (MkDocs): never reused for a release
                write_text(built, whole)
        # Written every time: it also stores the cards, which change without any page changing. Not
        # by the live preview, which answers /sw.js itself with a worker that stores nothing (and
        # saves reading every file of the site after each edit: 0.2 s at 1,000 stretches).
        if not options.incremental:
            write_service_worker(context, site_dir)
        shutil.copytree(site_dir, dest, dirs_exist_ok=True, copy_function=shutil.copyfile)
        write_text(state, key)
        keep = os.environ.get("STRETCHGUIDE_KEEP_PAGES")
        if keep:
            # For the benchmark: keep the generated Markdown to build it with stock Material.
            shutil.copytree(docs_dir, keep, dirs_exist_ok=True)
    return []


#: The generated config's file name: both engines read MkDocs' format.
CONFIG_NAME = "mkdocs.yml"


@contextlib.contextmanager
def _work_folder(context: RenderContext) -> Iterator[Path]:
    """Yield the folder where this library's pages are generated and built.

    With a cache, each library and language keeps one there, locked for one build at a time:
    a build whose pages, config and theme are those of the last clean build reuses its site,
    and the live preview's next build renders only what changed. A second build running at
    the same time, or a build without a cache, gets a new folder. The live preview keeps a
    folder of its own: the release build it starts after each edit, often stopped by the next
    edit, would otherwise leave the preview's next build nothing to render only changes over.
    """
    options = context.options
    if options.cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="stretchguide-site-") as tmp:
            yield Path(tmp)
        return
    root = options.cache_dir.absolute() / "site"
    root.mkdir(parents=True, exist_ok=True)
    name = cache.digest(context.language, "preview" if options.incremental else "release", *(
        str(path.absolute()) for path in (options.content_dir, options.docs_dir, options.theme_dir,
                                          options.mkdocs_config)))[:16]
    work = root / name
    work.mkdir(exist_ok=True)
    with open(work / "lock", "w", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            with tempfile.TemporaryDirectory(prefix="site-", dir=root) as tmp:
                yield Path(tmp)
            return
        yield work


@contextlib.contextmanager
def engine_date(context: RenderContext) -> Iterator[dict[str, str]]:
    """Give the engine the build's date, in the environment it runs in; yield that environment.

    Why: both engines date the site (MkDocs the sitemap and its gzip header) from
    SOURCE_DATE_EPOCH, else from today; the build's date is SOURCE_DATE_EPOCH or the content's
    newest review (RenderContext.epoch), so the same content builds the same site on any day.
    Set only while the engine runs: nothing else in the build reads it meanwhile.
    """
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(context.epoch)
    try:
        yield dict(os.environ)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _read_key(path: Path) -> str | None:
    """Return the key a work folder's file records, or None when there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _site_environment(context: RenderContext) -> str:
    """Return a digest of what shapes every page besides the config: templates, versions."""
    theme = context.options.theme_dir / "site" / "overrides"
    import material  # for its version: another Material renders every page differently
    import mkdocs

    engine = "?"
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        engine = importlib.metadata.version(context.options.engine)
    return cache.digest(__version__, mkdocs.__version__, getattr(material, "__version__", "?"), engine,
                        context.options.mkdocs_config.read_text(encoding="utf-8"),
                        cache.files_digest(sorted(path for path in theme.rglob("*") if path.is_file())))


def sync_tree(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Make `folder` hold exactly `files`; rewrite only files whose bytes differ; return those.

    Why: MkDocs' dirty build renders a page when its Markdown is newer than its HTML.
    """
    changed = []
    for name, data in files.items():
        path = folder / name
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if not same:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(name)
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name not in files:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return changed


def in_language(page: str, tag: str, notice: str) -> str:
    """Mark a page that another language's site shows in the default language `tag`.

    Its front matter gets `content_lang` (main.html sets the lang attribute of the content from
    it), and the "not yet translated" notice goes before the text.
    """
    head, body = "", page
    if page.lstrip().startswith("---\n"):
        start = page.index("---\n") + 4
        end = page.index("\n---", start)
        head, body = page[start:end + 1], page[end + 4:].lstrip("\n")
    return f"---\n{head}content_lang: {json.dumps(tag)}\n---\n\n{notice.strip()}\n\n{body}"


def page_files(context: RenderContext) -> dict[str, bytes]:
    """Return every file of the docs folder: generated pages, hand-written pages and assets."""
    library = context.library
    stretches = sorted(library.stretches.values(), key=lambda s: (s.title.casefold(), s.id))
    routines = sorted(library.routines.values(), key=lambda r: (r.title.casefold(), r.id))
    extra_pages = sorted(p.name for p in (context.options.theme_dir / "site" / "pages").glob("*.md"))
    hand_pages = sorted(p.name for p in context.options.docs_dir.glob("*.md"))  # checks.page_clashes
    files: dict[str, bytes] = {}
    render = _page_renderer(context, files, stretches, routines,
                            [Path(name).stem for name in extra_pages + hand_pages])

    render("site/home.md", "index.md", "")
    render("site/before.md", "before-you-start.md", context.url("before"))
    for stretch in stretches:
        render("site/stretch.md", f"stretches/{stretch.id}.md", context.url("stretch", stretch.id),
               stretch=stretch, meta=_page_meta(context, stretch.id),
               jsonld=stretch_howto(context, stretch), timer=timer_data(context, stretch),
               places=routine_places(context, stretch))
    listed = len(stretches) <= NAV_LIST_LIMIT
    render("site/stretches.md", "stretches/index.md", "stretches/",
           letters=None if listed else _letters(stretches))
    for routine in routines:
        render("site/routine.md", f"routines/{routine.id}.md", context.url("routine", routine.id),
               routine=routine, meta=_page_meta(context, routine.id),
               jsonld=routine_howto(context, routine), player=player_data(context, routine))
    render("site/routines.md", "routines/index.md", "routines/")
    render("site/areas.md", "areas.md", "areas/", groups=_groups(stretches, vocab.TARGET_AREAS,
                                                               lambda s: s.target_areas))
    render("site/positions.md", "positions.md", "positions/",
           groups=_groups(stretches, vocab.POSITIONS, lambda s: [s.position]))
    for name in extra_pages:
        render(f"site/pages/{name}", name, f"{Path(name).stem}/")
    for name in hand_pages:
        files[name] = (context.options.docs_dir / name).read_bytes()
    if context.language:  # the staff pages and hand-written pages exist in the default language only
        blocks = context.env.get_template("partials/blocks.html").module
        notice = blocks.untranslated_notice(True, context.source_lang, context.language)
        for name in extra_pages + hand_pages:
            files[name] = in_language(files[name].decode("utf-8"), context.source_lang, str(notice)).encode("utf-8")
    files.update(asset_files(context))
    for stretch_id, art in sorted(context.figures.items()):
        files[figure_file(stretch_id)] = art.svg.encode("utf-8")
    files["robots.txt"] = context.env.get_template("site/robots.txt").render(
        site_url=context.site_url).encode("utf-8")
    return files


def figure_file(stretch_id: str) -> str:
    """Where a stretch's figure is in the site, as a file of its own (the stretch list's thumbnails)."""
    return f"{ASSET_DIR}/figures/{stretch_id}.svg"


def figure_size(svg: str) -> tuple[int, int]:
    """Return a drawn figure's width and height (its viewBox), for an image that keeps its place while loading."""
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    return (round(float(box[1])), round(float(box[2]))) if box else (400, 140)


def site_nav(context: RenderContext, files: dict[str, bytes]) -> list[Any]:
    """Return the nav, every entry with its page's title.

    Why titles: a page's nav shows the titles of the others, which the engine would have to
    read from every page; the build wrote them, so it names them. A large library's stretch
    pages are left out of the nav (the stretch index lists them A to Z), so each page stays small.
    """
    titles = {name: page_title(name, data) for name, data in files.items() if name.endswith(".md")}

    def entry(name: str) -> dict[str, str]:
        return {titles[name]: name}

    def pages_in(folder: str) -> list[str]:
        """The pages of a folder but its index, by title as the indexes list them."""
        names = [name for name in titles if name.startswith(folder) and name != f"{folder}index.md"]
        return sorted(names, key=lambda name: (titles[name].casefold(), name))

    stretches, routines = pages_in("stretches/"), pages_in("routines/")
    extra_pages = sorted(p.name for p in (context.options.theme_dir / "site" / "pages").glob("*.md"))
    hand_pages = sorted(p.name for p in context.options.docs_dir.glob("*.md"))
    listed = stretches if len(stretches) <= NAV_LIST_LIMIT else []
    nav: list[Any] = [
        {i18n.gettext("Home"): "index.md"},
        entry("before-you-start.md"),
        {i18n.gettext("Routines"): [entry("routines/index.md"), *map(entry, routines)]},
        {i18n.gettext("Stretches"): [entry("stretches/index.md"), entry("areas.md"), entry("positions.md"),
                                     *map(entry, listed)]},
    ]
    if extra_pages:
        # Pages for the clinic's staff, after the patients' pages (and out of their search).
        nav.append({i18n.gettext("For clinics"): list(map(entry, extra_pages))})
    return nav + list(map(entry, hand_pages))


def page_title(name: str, data: bytes) -> str:
    """Return a page's title: the `title` of the front matter every page carries, else its name."""
    text = data.decode("utf-8")
    if text.startswith("---\n") and "\n---" in text[3:]:
        front = yaml.load(text[4:text.index("\n---", 3)], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if isinstance(front, dict) and front.get("title"):
            return str(front["title"])
    stem = Path(name).stem.replace("-", " ").replace("_", " ")
    return stem.capitalize() if stem.lower() == stem else stem


def _letters(stretches: list[Stretch]) -> list[tuple[str, list[Stretch]]]:
    """Group stretches (sorted by title) by the first letter of their title; "#" for the rest."""
    groups: dict[str, list[Stretch]] = {}
    for stretch in stretches:
        first = stretch.title[:1].upper()
        groups.setdefault(first if first.isalpha() else "#", []).append(stretch)
    return list(groups.items())


def _page_renderer(context: RenderContext, files: dict[str, bytes], stretches: list[Stretch],
                   routines: list[Routine], page_names: list[str]) -> Callable[..., None]:
    """Return a function rendering one template into one Markdown page."""
    library = context.library
    # An overlay, so the shared environment of the other renderers is left as it was.
    env = context.env.overlay()
    env.filters["mkdocs_text"] = mkdocs_text
    base = {
        "context": context, "library": library, "guide": library.guide, "figures": context.figures,
        "url": context.url, "absolute_url": context.absolute_url, "stretches": stretches,
        "routines": routines, "pages": page_names, "iso_duration": iso_duration, "figure_file": figure_file,
        "booklet_max_stretches": BOOKLET_MAX_STRETCHES, "figure_size": figure_size,
        "inline_figures": len(library.stretches) <= GALLERY_INLINE_UP_TO,
        # The words of the timer and the player, made once per language rather than on every page.
        "cues": env.get_template("site/_words.md").make_module(),
    }

    up = "../" * context.prefix.count("/")

    def render(template: str, src_uri: str, page_url: str, **extra: Any) -> None:
        def rel(target: str) -> str:
            """Link from this page to a site-relative path."""
            return relative_url(page_url, target)

        def shared(target: str) -> str:
            """Link from this page to a file every language shares (the embed scripts in embed/)."""
            return relative_url(page_url, up + target)

        text = env.get_template(template).render(**base, rel=rel, shared=shared, page_url=page_url, **extra)
        files[src_uri] = text.encode("utf-8")

    return render


def mkdocs_text(text: str) -> markupsafe.Markup:
    """Make text safe where MkDocs and Material print it raw: in HTML text and in "-quoted attributes.

    Why not a full escape: Material escapes page titles again inside attributes (aria-label), so
    only what must be escaped is: `<`, `"`, and `&` where it would start a character reference.
    """
    safe = re.sub(r"&(?=[A-Za-z0-9#])", "&amp;", str(text)).replace("<", "&lt;").replace('"', "&#34;")
    return markupsafe.Markup(safe)


def relative_url(from_url: str, to_url: str) -> str:
    """Return the link from the page at `from_url` to `to_url` (both site-relative, '/'-separated)."""
    up = "../" * from_url.count("/")
    return (up + to_url) or "./"


def _groups(stretches: list[Stretch], words: tuple[str, ...],
            pick: Callable[[Stretch], Sequence[str]]) -> list[tuple[str, list[Stretch]]]:
    """Group stretches by vocabulary word, in the vocabulary's order, leaving out empty groups."""
    groups = [(word, [s for s in stretches if word in pick(s)]) for word in words]
    return [(word, members) for word, members in groups if members]


def _page_meta(context: RenderContext, item_id: str) -> dict[str, str]:
    """Return the extra front matter of a stretch or routine page: its oEmbed address."""
    oembed = context.absolute_url("oembed", item_id)
    # Without a site URL there is no absolute oEmbed address: leave the link out (checks warn W002).
    return {"oembed": oembed} if oembed else {}


def stretch_howto(context: RenderContext, stretch: Stretch) -> dict[str, Any]:
    """Return the schema.org HowTo of a stretch."""
    steps = [*stretch.setup, *stretch.steps]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "HowTo",
        "name": stretch.title,
        "description": stretch.summary,
        "totalTime": iso_duration(stretch.dose.seconds(stretch.kind)[1]),
        "step": [{"@type": "HowToStep", "position": n, "text": text}
                 for n, text in enumerate(steps, start=1)],
    }
    if stretch.equipment:
        data["tool"] = [{"@type": "HowToTool", "name": item} for item in stretch.equipment]
    url = context.absolute_url("stretch", stretch.id)
    if url:
        data["url"] = url
    return data


def routine_howto(context: RenderContext, routine: Routine) -> dict[str, Any]:
    """Return the schema.org HowTo of a routine: one step per stretch."""
    library = context.library
    steps = []
    for n, step in enumerate(library.steps(routine), start=1):
        item: dict[str, Any] = {"@type": "HowToStep", "position": n, "name": step.stretch.title,
                                "text": step.dose_line() + (f". {step.note}" if step.note else "")}
        url = context.absolute_url("stretch", step.stretch.id)
        if url:
            item["url"] = url
        steps.append(item)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "HowTo",
        "name": routine.title,
        "description": routine.summary,
        "totalTime": iso_duration(library.routine_seconds(routine)[1]),
        "step": steps,
    }
    url = context.absolute_url("routine", routine.id)
    if url:
        data["url"] = url
    return data


def dose_data(kind: str, dose: Dose) -> dict[str, Any]:
    """Return what the timer engine needs of a dose (theme/site/assets/timer-engine.js)."""
    return {"kind": kind, **dose.model_dump(mode="json", include={"hold", "reps", "sides", "sets", "rest", "tempo"})}


def timer_data(context: RenderContext, stretch: Stretch) -> dict[str, Any]:
    """Return the data of a stretch page's timer."""
    return {"lang": context.lang, "switch": SWITCH_SECONDS,
            "dose": dose_data(stretch.kind, stretch.dose)}


def routine_link(context: RenderContext, routine: Routine, number: int) -> str:
    """Return the site-relative link to a routine's stretch `number` (from 1), in routine order."""
    stretch_id = routine.items[number - 1].stretch
    return f"{context.url('stretch', stretch_id)}?routine={routine.id}&step={number}"


def player_data(context: RenderContext, routine: Routine) -> dict[str, Any]:
    """Return the routine player's data: every stretch in order with its dose, steps and cues.

    Why the figure's markup: it is the same SVG the stretch page shows, drawn by the build.
    """
    library = context.library
    page_url = context.url("routine", routine.id)
    stretches = []
    for number, step in enumerate(library.steps(routine), start=1):
        stretch = step.stretch
        art = context.figures.get(stretch.id)
        stretches.append({
            "id": stretch.id,
            "title": stretch.title,
            "url": relative_url(page_url, routine_link(context, routine, number)),
            "dose": dose_data(stretch.kind, step.dose),
            "dose_line": step.dose_line(),
            "steps": stretch.steps,
            "helper": stretch.helper_cues,
            "note": step.note or "",
            "figure": art.svg if art else "",
        })
    return {"lang": context.lang, "title": routine.title, "transition": TRANSITION_SECONDS,
            "switch": SWITCH_SECONDS, "stretches": stretches}


def routine_places(context: RenderContext, stretch: Stretch) -> list[dict[str, Any]]:
    """Return where a stretch stands in each routine: the routine, its number there, its neighbours."""
    places = []
    for routine in sorted(context.library.routines.values(), key=lambda r: (r.title.casefold(), r.id)):
        items = routine.items
        for number, item in enumerate(items, start=1):
            if item.stretch != stretch.id:
                continue

            def neighbour(other: int, routine: Routine = routine) -> dict[str, str] | None:
                if not 1 <= other <= len(routine.items):
                    return None
                title = context.library.stretches[routine.items[other - 1].stretch].title
                return {"title": title, "url": routine_link(context, routine, other)}

            places.append({"routine": routine, "number": number, "total": len(items),
                           "previous": neighbour(number - 1), "next": neighbour(number + 1)})
    return places


def asset_files(context: RenderContext) -> dict[str, bytes]:
    """Return the site's stylesheets, scripts, fonts and logo, and the brand stylesheet."""
    theme = context.options.theme_dir
    files = {f"{ASSET_DIR}/{src.name}": src.read_bytes()
             for src in sorted((theme / "site" / "assets").iterdir()) if src.is_file()}
    for font in sorted((theme / "fonts").glob("*.woff2")):
        files[f"{ASSET_DIR}/fonts/{font.name}"] = font.read_bytes()
    files[f"{ASSET_DIR}/fonts/OFL.txt"] = (theme / "fonts" / "OFL.txt").read_bytes()
    logo = _logo_src(context.library)
    if logo:
        files[f"{ASSET_DIR}/logo{logo.suffix.lower()}"] = logo.read_bytes()
    branding = context.library.guide.branding
    colours = brand_colours(branding.primary_color, branding.accent_color)
    files[f"{ASSET_DIR}/brand.css"] = context.env.get_template("site/brand.css").render(
        colours=colours).encode("utf-8")
    drawn = icons.draw_icons(branding.clinic_name, logo, theme / "fonts", colours["primary"], colours["on_primary"])
    for name, data in drawn.items():
        files[f"{ASSET_DIR}/{name}"] = data
    files["manifest.webmanifest"] = context.env.get_template("site/manifest.webmanifest").render(
        guide=context.library.guide, colours=colours, icons=_manifest_icons(drawn)).encode("utf-8")
    return files


def _manifest_icons(drawn: dict[str, bytes]) -> list[dict[str, str]]:
    """Return the manifest's entries for the drawn icons (PNGs also serve as maskable icons)."""
    entries = []
    for name in sorted(drawn):
        if name.endswith(".svg"):
            entries.append({"src": f"{ASSET_DIR}/{name}", "sizes": "any", "type": "image/svg+xml", "purpose": "any"})
        else:
            size = name.removeprefix("icon-").removesuffix(".png")
            entries.append({"src": f"{ASSET_DIR}/{name}", "sizes": f"{size}x{size}", "type": "image/png",
                            "purpose": "any maskable"})
    return entries


#: The icon a phone shows for the guide on its home screen: always a PNG, as phones ask.
TOUCH_ICON = f"{ASSET_DIR}/icon-192.png"


def write_service_worker(context: RenderContext, site_dir: Path) -> None:
    """Write the service worker into the built site: this build's digest and the files to store.

    The digest covers every file of the site, and what shapes the cards, whose PDFs the worker
    stores once opened: the content, the theme, the card size and the engine itself.
    """
    built = sorted(path for path in site_dir.rglob("*")
                   if path.is_file() and path.name != SERVICE_WORKER and not path.name.startswith("sitemap.xml"))
    names = [path.relative_to(site_dir).as_posix() for path in built]
    parts: list[bytes | str] = [__version__, context.card_size]
    for name, path in zip(names, built, strict=True):
        parts += [name, path.read_bytes()]
    options = context.options
    for folder in (options.content_dir, options.theme_dir, Path(__file__).parent):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    later = tuple(f"{folder}{stretch_id}{suffix}" for stretch_id in _stretches_stored_when_opened(context.library)
                  for folder, suffix in (("stretches/", "/"), (f"{ASSET_DIR}/figures/", ".svg")))
    if len(context.library.stretches) > PRECACHE_ALL_STRETCHES_UP_TO:
        later += (GALLERY,)
    precache = [_precache_url(name) for name in names
                if not name.endswith(".map") and not name.startswith(NOT_PRECACHED + later)]
    text = context.env.get_template(f"site/{SERVICE_WORKER}").render(
        digest=cache.digest(*parts)[:16], precache=precache, pass_through=list(PASS_THROUGH))
    write_text(site_dir / SERVICE_WORKER, text)


def _stretches_stored_when_opened(library: Library) -> list[str]:
    """Return the stretches whose page and figure the worker stores only once opened (a large library's
    stretches that no routine uses)."""
    if len(library.stretches) <= PRECACHE_ALL_STRETCHES_UP_TO:
        return []
    used = {item.stretch for routine in library.routines.values() for item in routine.items}
    return [stretch_id for stretch_id in library.stretches if stretch_id not in used]


def _precache_url(name: str) -> str:
    """Return the URL a file is asked for by, relative to the site's root: a page by its folder."""
    if name == "index.html":
        return "./"
    return name.removesuffix("index.html") if name.endswith("/index.html") else name


def _logo_src(library: Library) -> Path | None:
    """Return the logo file inside the content folder, if the guide names one."""
    name = library.guide.branding.logo
    return (library.content_dir / name) if name else None


def site_config(context: RenderContext, nav: list[Any]) -> dict[str, Any]:
    """Return the generated config: the base mkdocs.yml with what guide.yml decides laid over it.

    Why one flat file: Zensical reads MkDocs' format but not `INHERIT`; paths are relative to
    the config, which sits beside the generated `docs/`.
    """
    guide = context.library.guide
    options = context.options
    language = i18n.current()
    theme: dict[str, Any] = {
        "custom_dir": str((options.theme_dir / "site" / "overrides").absolute()),
        "language": material_language(context.lang),
        "direction": language.direction,
    }
    logo = _logo_src(context.library)
    if logo:
        theme["logo"] = f"{ASSET_DIR}/logo{logo.suffix.lower()}"
        theme["favicon"] = theme["logo"]
    config: dict[str, Any] = {
        # MkDocs prints these raw, in text and in attributes.
        "site_name": str(mkdocs_text(guide.title)),
        "site_description": str(markupsafe.escape(guide.subtitle or guide.audience)),
        "site_author": str(markupsafe.escape(guide.branding.clinic_name)),
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": theme,
        "nav": nav,
        "exclude_docs": "",
        # A large library's stretch pages are listed on the stretch index, not in the nav.
        "not_in_nav": "/stretches/*.md",
        "extra": {
            "generator": False,
            # Read by the footer override, which escapes them (MkDocs' Jinja does not).
            "sg": {
                "disclaimer": guide.disclaimer,
                "clinic": guide.branding.clinic_name,
                "contact": guide.branding.contact or "",
                "licence": i18n.gettext("Licence: {licence}").format(licence=guide.licence),
                "version": i18n.gettext("Version {version}").format(version=guide.version),
                "draft": i18n.gettext(DRAFT_MARK) if context.options.draft else "",
                "touch_icon": TOUCH_ICON,
                # `<html lang>` exactly as the guide writes it: Material would shorten en-GB to en.
                "lang": context.lang,
            },
        },
    }
    if len(context.languages) > 1:
        config["extra"]["alternate"] = alternates(context)
    if context.site_url:
        config["site_url"] = context.site_url + context.prefix
    base = yaml.safe_load(options.mkdocs_config.read_text(encoding="utf-8"))
    plugins = list(base.get("plugins") or [])
    if options.engine == "mkdocs" and options.cache_dir is not None:
        # MkDocs compiles the theme's templates for every build; keep them in the cache (mkdocs_cache.py).
        folder = options.cache_dir.absolute() / "templates" / "mkdocs"
        plugins.append({"stretchguide-template-cache": {"folder": str(folder)}})
    return {**base, **config, "theme": {**base.get("theme", {}), **theme},
            "extra": {**base.get("extra", {}), **config["extra"]}, "plugins": plugins}


def alternates(context: RenderContext) -> list[dict[str, str]]:
    """Return Material's language switcher entries: each language's name, tag and tree.

    `link` is the language's folder relative to this language's folder; `url` its absolute
    address when the site's is known. The overrides add the page's own path to either, so the
    switcher and the hreflang links lead to the same page in the other language.
    """
    entries = []
    up = "../" * context.prefix.count("/")
    for tag in context.languages:
        folder = context.tree_url(tag)
        name = i18n.locale_of(tag).get_display_name(i18n.locale_of(tag)) or tag
        entries.append({"name": name[:1].upper() + name[1:], "lang": tag, "link": up + folder,
                        "url": (context.site_url + folder) if context.site_url else ""})
    return entries


def material_language(tag: str) -> str:
    """Return the Material UI language for a BCP 47 tag, falling back to English."""
    spec = importlib.util.find_spec("material")
    languages = Path(spec.origin if spec and spec.origin else ".").parent / "templates" / "partials" / "languages"
    for candidate in (tag, tag.lower(), tag.split("-")[0].lower()):
        if (languages / f"{candidate}.html").is_file():
            return candidate
    return "en"


class _Collect(logging.Handler):
    """Keep the warnings and errors a library logs, to show them when its build fails."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split()))


def build_with_mkdocs(context: RenderContext, config_file: Path, dirty: bool) -> None:
    """Run MkDocs' build on the generated config: clean and strict, or dirty in the live preview.

    Raise ContentError when it fails. Why in this process: starting Python, MkDocs and
    Material again costs about a second, which an edit of one page should not wait for.
    Why not strict when dirty: MkDocs warns that a dirty build may leave links stale.
    """
    from mkdocs.commands import build as mkdocs_build
    from mkdocs.config import load_config

    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False  # its lines are not the build's: its warnings become the problem
    logger.setLevel(logging.WARNING)
    try:
        with engine_date(context):
            mkdocs_build.build(load_config(str(config_file), strict=not dirty), dirty=dirty)
    except Exception as exc:  # MkDocs' Abort, a theme error, a plugin error: all end the build here
        detail = "; ".join(handler.messages[:8]) or str(exc) or type(exc).__name__
        raise ContentError([Problem(context.options.mkdocs_config, 1, 1, "",
                                    f"mkdocs build failed: {detail}")]) from exc
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved[0]
        logger.setLevel(saved[1])


def build_with_zensical(context: RenderContext, config_file: Path, dirty: bool) -> None:
    """Run Zensical's own command line on the generated config, strict; raise ContentError on failure."""
    if importlib.util.find_spec("zensical") is None:
        raise ContentError([Problem(context.options.mkdocs_config, 1, 1, "", (
            "--engine zensical needs Zensical: pip install 'stretchguide[zensical]'"))])
    with engine_date(context) as env:
        result = subprocess.run([sys.executable, "-m", "zensical", "build", "--config-file", config_file.name,
                                 "--strict", *([] if dirty else ["--clean"])],
                                cwd=config_file.parent, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = " ".join((result.stderr or result.stdout).split()[-60:])
        raise ContentError([Problem(context.options.mkdocs_config, 1, 1, "", f"zensical build failed: {detail}")])


#: The engines that build the site from the generated pages and config.
ENGINES: dict[str, Callable[[RenderContext, Path, bool], None]] = {
    "mkdocs": build_with_mkdocs, "zensical": build_with_zensical}


def brand_colours(primary: str, accent: str) -> dict[str, str]:
    """Return the site's colours from the brand's, adjusted so text on them stays readable."""
    on_primary = _on(primary)
    return {
        "primary": primary,
        "primary_light": mix(primary, "#ffffff", 0.2),
        "primary_dark": mix(primary, "#000000", 0.2),
        "on_primary": on_primary,
        "on_primary_muted": mix(on_primary, primary, 0.15),
        "link_light": readable(primary, LIGHT_BG, TEXT_CONTRAST),
        "link_dark": readable(primary, DARK_BG, TEXT_CONTRAST),
        "accent_light": readable(accent, LIGHT_BG, TEXT_CONTRAST),
        "accent_dark": readable(accent, DARK_BG, TEXT_CONTRAST),
        "accent_on_light": _on(readable(accent, LIGHT_BG, TEXT_CONTRAST)),
        "accent_on_dark": _on(readable(accent, DARK_BG, TEXT_CONTRAST)),
    }


def _on(background: str) -> str:
    """Return white or near-black, whichever reads better on `background`."""
    return max(("#ffffff", "#111111"), key=lambda fg: contrast(fg, background))
