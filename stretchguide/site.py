"""Render the hosted guide: Markdown pages from theme/site/, then `mkdocs build --strict`.

Why a subprocess and no plugin: the pages are plain Markdown and the config plain YAML, so
MkDocs (or Zensical, which reads the same files but ignores plugins) stays at arm's length.
"""

from __future__ import annotations

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

from . import vocab
from .colours import contrast, mix, readable
from .models import Library, RenderContext, Routine, Stretch, iso_duration
from .output import write_text
from .problems import ContentError, Problem

log = logging.getLogger("stretchguide")

#: Where the site's own assets go inside the docs folder (and so inside the built site).
ASSET_DIR = "assets/sg"
#: Background colours of Material's two schemes, against which text colours are checked.
LIGHT_BG = "#ffffff"
DARK_BG = "#1e2129"
#: Contrast to reach for text colours: WCAG AA asks 4.5; keep a margin for rounding.
TEXT_CONTRAST = 4.8  # a little above AA, so adjusted brand colours keep a margin
#: Most stretch pages listed flat in the nav; larger libraries are grouped A-Z.
NAV_GROUP_SIZE = 30
#: Seconds before a hung `mkdocs build` is given up.
MKDOCS_TIMEOUT = 600


def render_site(context: RenderContext, dest: Path) -> list[Problem]:
    """Render the guide's pages into `dest`; return warnings."""
    options = context.options
    work_root = options.cache_dir.absolute() if options.cache_dir else None
    if work_root:
        work_root.mkdir(parents=True, exist_ok=True)
    # A fresh folder per build: parallel builds never share generated pages.
    work = Path(tempfile.mkdtemp(prefix="site-", dir=work_root))
    try:
        docs_dir = work / "docs"
        nav = write_pages(context, docs_dir)
        config = work / "mkdocs.yml"
        write_text(config, json.dumps(mkdocs_config(context, docs_dir, work / "site", nav),
                                      ensure_ascii=False, indent=2) + "\n")
        run_mkdocs(context, config)
        for entry in sorted((work / "site").iterdir()):
            shutil.move(str(entry), str(dest / entry.name))
    finally:
        keep = os.environ.get("STRETCHGUIDE_KEEP_PAGES")
        if keep and (work / "docs").is_dir():
            # For the benchmark: keep the generated Markdown to build it with stock Material.
            shutil.copytree(work / "docs", keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return []


def write_pages(context: RenderContext, docs_dir: Path) -> list[Any]:
    """Write every Markdown page and asset into `docs_dir`; return the nav."""
    library = context.library
    stretches = sorted(library.stretches.values(), key=lambda s: (s.title.casefold(), s.id))
    routines = sorted(library.routines.values(), key=lambda r: (r.title.casefold(), r.id))
    extra_pages = sorted(p.name for p in (context.options.theme_dir / "site" / "pages").glob("*.md"))
    hand_pages = sorted(p.name for p in context.options.docs_dir.glob("*.md"))
    taken = sorted(set(hand_pages) & {"index.md", "areas.md", "positions.md", *extra_pages})
    if taken:
        raise ContentError([Problem(context.options.docs_dir / name, 1, 1, "", "a generated page has this "
                                    "name; rename the hand-written page") for name in taken])
    render = _page_renderer(context, docs_dir, stretches, routines,
                            [Path(name).stem for name in extra_pages + hand_pages])

    render("site/home.md", "index.md", "")
    for stretch in stretches:
        render("site/stretch.md", f"stretches/{stretch.id}.md", context.url("stretch", stretch.id),
               stretch=stretch, meta=_page_meta(context, stretch.id),
               jsonld=stretch_howto(context, stretch))
    render("site/stretches.md", "stretches/index.md", "stretches/")
    for routine in routines:
        render("site/routine.md", f"routines/{routine.id}.md", context.url("routine", routine.id),
               routine=routine, meta=_page_meta(context, routine.id),
               jsonld=routine_howto(context, routine))
    render("site/routines.md", "routines/index.md", "routines/")
    render("site/areas.md", "areas.md", "areas/", groups=_groups(stretches, vocab.TARGET_AREAS,
                                                               lambda s: s.target_areas))
    render("site/positions.md", "positions.md", "positions/",
           groups=_groups(stretches, vocab.POSITIONS, lambda s: [s.position]))
    for name in extra_pages:
        render(f"site/pages/{name}", name, f"{Path(name).stem}/")
    for name in hand_pages:
        shutil.copyfile(context.options.docs_dir / name, docs_dir / name)
    write_assets(context, docs_dir / ASSET_DIR)

    nav: list[Any] = [
        {"Home": "index.md"},
        {"Routines": ["routines/index.md"] + [f"routines/{r.id}.md" for r in routines]},
        {"Stretches": ["stretches/index.md", "areas.md", "positions.md", *stretch_nav(stretches)]},
    ]
    if extra_pages:
        nav.append({"Print and share": extra_pages})
    return nav + hand_pages


def stretch_nav(stretches: list[Stretch]) -> list[Any]:
    """Return the nav entries of the stretch pages: flat, or in A-Z groups for a large library.

    Why groups: with `navigation.prune` Material renders only the open group's pages, so every
    page does not carry a link to every other one (pages and build time would grow as n²).
    """
    pages = [f"stretches/{s.id}.md" for s in stretches]
    if len(stretches) <= NAV_GROUP_SIZE:
        return pages
    by_letter: dict[str, list[str]] = {}
    for stretch, page in zip(stretches, pages, strict=True):
        first = stretch.title[:1].upper()
        by_letter.setdefault(first if first.isalpha() else "#", []).append(page)
    groups: list[tuple[list[str], list[str]]] = []  # (letters, pages), adjacent letters merged
    for letter, members in by_letter.items():
        if groups and len(groups[-1][1]) + len(members) <= NAV_GROUP_SIZE:
            groups[-1][0].append(letter)
            groups[-1][1].extend(members)
        else:
            groups.append(([letter], list(members)))
    return [{str(mkdocs_text(letters[0] if len(letters) == 1 else f"{letters[0]}–{letters[-1]}")): members}
            for letters, members in groups]


def _page_renderer(context: RenderContext, docs_dir: Path, stretches: list[Stretch],
                   routines: list[Routine], page_names: list[str]) -> Callable[..., None]:
    """Return a function rendering one template into one Markdown page."""
    library = context.library
    # An overlay, so the shared environment of the other renderers is left as it was.
    env = context.env.overlay()
    env.filters["mkdocs_text"] = mkdocs_text
    base = {
        "context": context, "library": library, "guide": library.guide, "figures": context.figures,
        "url": context.url, "absolute_url": context.absolute_url, "stretches": stretches,
        "routines": routines, "pages": page_names, "iso_duration": iso_duration,
    }

    def render(template: str, src_uri: str, page_url: str, **extra: Any) -> None:
        def rel(target: str) -> str:
            """Link from this page to a site-relative path."""
            return relative_url(page_url, target)

        text = env.get_template(template).render(**base, rel=rel, page_url=page_url, **extra)
        write_text(docs_dir / src_uri, text)

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


def write_assets(context: RenderContext, asset_dir: Path) -> None:
    """Copy the site's stylesheets, scripts, fonts and logo; write the brand stylesheet."""
    theme = context.options.theme_dir
    asset_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted((theme / "site" / "assets").iterdir()):
        if src.is_file():
            shutil.copyfile(src, asset_dir / src.name)
    (asset_dir / "fonts").mkdir(exist_ok=True)
    for font in sorted((theme / "fonts").glob("*.woff2")):
        shutil.copyfile(font, asset_dir / "fonts" / font.name)
    shutil.copyfile(theme / "fonts" / "OFL.txt", asset_dir / "fonts" / "OFL.txt")
    logo = _logo_src(context.library)
    if logo:
        shutil.copyfile(logo, asset_dir / ("logo" + logo.suffix.lower()))
    write_text(asset_dir / "brand.css", context.env.get_template("site/brand.css").render(
        colours=brand_colours(context.library.guide.branding.primary_color,
                              context.library.guide.branding.accent_color)))


def _logo_src(library: Library) -> Path | None:
    """Return the logo file inside the content folder, if the guide names one."""
    name = library.guide.branding.logo
    return (library.content_dir / name) if name else None


def mkdocs_config(context: RenderContext, docs_dir: Path, site_dir: Path, nav: list[Any]) -> dict[str, Any]:
    """Return the generated MkDocs config: the repo's mkdocs.yml plus what guide.yml decides."""
    guide = context.library.guide
    options = context.options
    theme: dict[str, Any] = {
        "custom_dir": str((options.theme_dir / "site" / "overrides").absolute()),
        "language": material_language(guide.language),
    }
    logo = _logo_src(context.library)
    if logo:
        theme["logo"] = f"{ASSET_DIR}/logo{logo.suffix.lower()}"
        theme["favicon"] = theme["logo"]
    config: dict[str, Any] = {
        "INHERIT": str(options.mkdocs_config.absolute()),
        # MkDocs prints these raw, in text and in attributes.
        "site_name": str(mkdocs_text(guide.title)),
        "site_description": str(markupsafe.escape(guide.subtitle or guide.audience)),
        "site_author": str(markupsafe.escape(guide.branding.clinic_name)),
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
        "theme": theme,
        "nav": nav,
        "exclude_docs": "",
        "extra": {
            "generator": False,
            # Read by the footer override, which escapes them (MkDocs' Jinja does not).
            "sg": {
                "disclaimer": guide.disclaimer,
                "clinic": guide.branding.clinic_name,
                "contact": guide.branding.contact or "",
                "licence": guide.licence,
                "version": guide.version,
            },
        },
    }
    if context.site_url:
        config["site_url"] = context.site_url
    return config


def material_language(tag: str) -> str:
    """Return the Material UI language for a BCP 47 tag, falling back to English."""
    spec = importlib.util.find_spec("material")
    languages = Path(spec.origin if spec and spec.origin else ".").parent / "templates" / "partials" / "languages"
    for candidate in (tag, tag.lower(), tag.split("-")[0].lower()):
        if (languages / f"{candidate}.html").is_file():
            return candidate
    return "en"


def run_mkdocs(context: RenderContext, config: Path) -> None:
    """Run `mkdocs build --strict` on the generated config; raise ContentError when it fails."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=MKDOCS_TIMEOUT,
                              check=False, cwd=config.parent,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})  # a banner, not a problem
    except subprocess.TimeoutExpired as exc:
        raise ContentError([_mkdocs_problem(context, f"mkdocs build took more than {MKDOCS_TIMEOUT} s")]) from exc
    log.debug("mkdocs build: %.2f s", time.perf_counter() - started)
    if done.returncode != 0:
        lines = list(_mkdocs_messages(done.stdout + "\n" + done.stderr))
        detail = "; ".join(lines[:8]) or done.stderr.strip()[-500:] or f"exit code {done.returncode}"
        raise ContentError([_mkdocs_problem(context, f"mkdocs build failed: {detail}")])


def _mkdocs_messages(output: str) -> Iterator[str]:
    """Yield MkDocs' warnings and errors, one line each, without its log prefixes."""
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("Aborted with"):
            continue  # the summary of the warnings already listed
        if re.match(r"^(WARNING|ERROR|CRITICAL)\b", text) or "Error" in text:
            yield re.sub(r"^(WARNING|ERROR|CRITICAL)\s*-\s*", "", text)


def _mkdocs_problem(context: RenderContext, message: str) -> Problem:
    """Return the problem: at the hand-written page MkDocs names, else at the base config."""
    for name in re.findall(r"'([^']+\.md)'", message):
        if (context.options.docs_dir / name).is_file():
            return Problem(context.options.docs_dir / name, 1, 1, "", message)
    return Problem(context.options.mkdocs_config, 1, 1, "", message)


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
