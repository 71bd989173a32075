"""The command line: build, check, schema, new, serve, figure."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import jinja2
from rich.console import Console
from rich.logging import RichHandler

from . import __version__
from .models import BuildOptions, Library
from .problems import ContentError, Problem, command, display_path
from .resources import DOCS_DIR, INSTALLED, MKDOCS_CONFIG, THEME_DIR
from .templates import template_problem
from .vocab import CARD_SIZES

#: The cache folder, unless --cache-dir or this environment variable names another.
DEFAULT_CACHE = Path(".cache") / "stretchguide"
CACHE_ENV = "STRETCHGUIDE_CACHE_DIR"
COMMANDS = ("build", "check", "schema", "new", "serve", "figure", "translations")
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder to read (default: content)")
    parser.add_argument("--theme", type=Path, default=None, metavar="DIR",
                        help="a theme folder of your own: its files replace the built-in theme's")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="where to keep rendered pages and cards between builds "
                        f"(default: ${CACHE_ENV} or {DEFAULT_CACHE})")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    noise.add_argument("-v", "--verbose", action="store_true", help="print timings and details")


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                        help="output folder (default: site)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_draft(parser)
    parser.add_argument("--card-size", choices=CARD_SIZES,
                        help="card size, overriding guide.yml")
    parser.add_argument("--site-url", metavar="URL", help="public address of the guide, overriding guide.yml")
    parser.add_argument("--engine", choices=("mkdocs", "zensical"), default="mkdocs",
                        help="what builds the site from the generated pages (default: mkdocs; "
                        "zensical needs the optional extra stretchguide[zensical])")
    parser.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                        help="processes for card rendering (default: all cores)")


def _add_draft(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--draft", action="store_true",
                        help="accept scaffold placeholder text; every page, card and embed says "
                        "\"Draft: not for patients\"")


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        prog=command(),
        description="Build a stretching guide (site, pocket cards, embeds) from YAML content.",
        epilog=f"Run `{command()} COMMAND --help` for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"stretchguide {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = sub.add_parser("build", help="build every output (the default command)")
    _add_common(build)
    _add_build_options(build)

    check = sub.add_parser("check", help="validate content without building")
    _add_common(check)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_draft(check)
    check.add_argument("--review-due", action="store_true",
                       help="list the stretches with no review, or one more than two years old")

    schema = sub.add_parser("schema", help="write the JSON Schema of the content files")
    _add_common(schema)

    new = sub.add_parser("new", help="scaffold a stretch file, a whole guide folder or a translation")
    new.add_argument("what", choices=("stretch", "routine", "guide", "translation"), help="what to create")
    new.add_argument("name", help="id of the stretch or routine (such as `side-bend`), folder of the new guide, "
                     "or language tag of the translation (such as `es`)")
    _add_common(new)

    serve = sub.add_parser("serve", help="live preview: rebuild on every change")
    _add_common(serve)
    _add_build_options(serve)
    serve.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")

    translations = sub.add_parser("translations", help="show which files each language translates, and how "
                                  "up to date they are")
    _add_common(translations)
    translations.add_argument("--refresh", nargs="+", type=Path, metavar="PATH",
                              help="record the current source text as the one these translation files (or "
                              "language folders) were made from, once their text is updated")

    figure = sub.add_parser("figure", help="draw one stretch's figure to an SVG file")
    figure.add_argument("id", help="stretch id")
    figure.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="where to write the SVG (default: ID.svg)")
    _add_common(figure)
    return parser


def options_from(args: argparse.Namespace) -> BuildOptions:
    """Turn parsed arguments into build options."""
    return BuildOptions(
        content_dir=args.content,
        out_dir=getattr(args, "out", None) or Path("site"),
        theme_dir=THEME_DIR,
        docs_dir=DOCS_DIR,
        mkdocs_config=MKDOCS_CONFIG,
        strict=getattr(args, "strict", False),
        verbosity=0 if args.quiet else 2 if args.verbose else 1,
        card_size=getattr(args, "card_size", None),
        site_url=getattr(args, "site_url", None),
        jobs=getattr(args, "jobs", 0) or (os.cpu_count() or 1),
        cache_dir=args.cache_dir or Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE),
        theme_overrides=args.theme,
        draft=getattr(args, "draft", False),
        engine=getattr(args, "engine", "mkdocs"),
    )


def print_problems(problems: Sequence[Problem]) -> None:
    """Print problems one per line, then a one-line summary."""
    for problem in sorted(problems):
        err.print(problem.format(), markup=False)
    errors = sum(not p.is_warning for p in problems)
    warnings = len(problems) - errors
    if problems:
        files = len({p.path for p in problems})
        err.print(f"{errors} error(s), {warnings} warning(s) in {files} file(s)", markup=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in {"-h", "--help", "--version"}):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    handler = RichHandler(console=err, show_time=False, show_path=False, show_level=False, markup=False)
    if not args.verbose:
        # Other libraries' log lines (pikepdf, MkDocs, WeasyPrint) are details: only --verbose shows them.
        handler.addFilter(lambda record: record.name.split(".")[0] == "stretchguide")
    logging.basicConfig(level=level, format="%(message)s", force=True, handlers=[handler])
    for noisy in ("mkdocs", "weasyprint", "fontTools", "PIL", "watchfiles", "MARKDOWN", "pikepdf"):
        logging.getLogger(noisy).setLevel(logging.INFO if args.verbose else logging.WARNING)
    if not args.content.is_dir() and args.command not in {"new"}:
        err.print(f"stretchguide: error: content folder `{display_path(args.content)}` does not exist; "
                  f"pass --content DIR or run `{command()} new guide DIR`", markup=False)
        return 2
    if args.theme is not None and not args.theme.is_dir():
        err.print(f"stretchguide: error: theme folder `{display_path(args.theme)}` does not exist; "
                  "pass a folder holding the theme files you want to replace", markup=False)
        return 2
    try:
        return _run(args)
    except ContentError as exc:
        print_problems(exc.problems)
        if not any(p for p in exc.problems if not p.is_warning) and exc.problems:
            err.print("warnings are errors under --strict", markup=False)
        return 1
    except jinja2.TemplateError as exc:  # in a scaffold or figure template; a build reports its own
        print_problems([template_problem(exc, THEME_DIR, getattr(args, "theme", None))])
        return 1
    except KeyboardInterrupt:
        err.print("interrupted; the previous output is untouched", markup=False)
        return 130


def _print_reviews_due(library: Library) -> int:
    """Print each stretch due for review on stdout, one per line, then how many; return 0."""
    import datetime

    from .checks import reviews_due

    due = reviews_due(library, datetime.date.today())
    for sid, why in due:
        print(f"{display_path(library.source_paths[sid])}: {why}")
    print(f"{len(due)} of {len(library.stretches)} stretch(es) due for review")
    return 0


def _new_translation(content_dir: Path, tag: str) -> int:
    """Scaffold every missing translation file of a language; return 0."""
    from . import pipeline, translations

    library, _ = pipeline.load_checked(content_dir, draft=True)
    written = translations.new_translation(library, tag)
    for path in written:
        err.print(f"created {display_path(path)}", markup=False)
    if not written:
        err.print(f"every file already has a `{tag}` translation", markup=False)
    return 0


def _translations(content_dir: Path, refresh: list[Path] | None) -> int:
    """Print a table of language x file with each translation's status, or refresh fingerprints; return 0."""
    from rich.table import Table

    from . import pipeline, translations

    library, _ = pipeline.load_checked(content_dir, draft=True)
    if refresh:
        for path in translations.refresh(library, refresh):
            err.print(f"refreshed {display_path(path)}", markup=False)
        return 0
    tags, rows = translations.status_table(library)
    out = Console(highlight=False, soft_wrap=True)
    if not tags:
        out.print(f"no translations yet: `{command()} new translation LANG` starts one in "
                  f"{display_path(content_dir / translations.FOLDER)}/LANG/", markup=False)
        return 0
    styles = {translations.DONE: "green", translations.STARTED: "yellow", translations.OUT_OF_DATE: "yellow",
              translations.MISSING: "red"}
    table = Table(title=f"Translations of {display_path(content_dir)} (source: {library.guide.language})")
    table.add_column("file")
    for tag in tags:
        table.add_column(tag)
    for name, states in rows:
        table.add_row(name, *(f"[{styles.get(state, 'red')}]{state}[/]" for state in states))
    out.print(table)
    for tag in tags:
        done = sum(states[tags.index(tag)] == translations.DONE for _, states in rows)
        out.print(f"{tag}: {done} of {len(rows)} file(s) done", markup=False)
    return 0


def _run(args: argparse.Namespace) -> int:
    from . import pipeline, scaffold

    options = pipeline.with_theme(options_from(args))
    if args.command == "build":
        warnings = pipeline.build(options)
        print_problems(warnings)
        if not args.quiet:
            err.print(f"Built the guide into {display_path(options.out_dir)}/ "
                      f"(open {display_path(options.out_dir)}/index.html)", markup=False)
        return 0
    if args.command == "check":
        if args.review_due:  # a list for whoever arranges reviews, whatever else the content needs
            library, _ = pipeline.load_checked(options.content_dir, draft=True)
            return _print_reviews_due(library)
        warnings = pipeline.check(options)
        print_problems(warnings)
        if not args.quiet:
            err.print(f"{display_path(options.content_dir)}: content is valid", markup=False)
        return 0
    if args.command == "schema":
        written = scaffold.write_schemas(options.content_dir)
        if not INSTALLED and options.content_dir.resolve() == (THEME_DIR.parent / "content").resolve():
            written.append(scaffold.write_manual())  # the repository's own manual page
        for path in written:
            if not args.quiet:
                err.print(f"wrote {display_path(path)}", markup=False)
        return 0
    if args.command == "new" and args.what == "translation":
        return _new_translation(options.content_dir, args.name)
    if args.command == "translations":
        return _translations(options.content_dir, args.refresh)
    if args.command == "new":
        path = scaffold.new(args.what, args.name, options.content_dir, options.theme_dir)
        err.print(f"created {display_path(path)}", markup=False)
        return 0
    if args.command == "serve":
        from . import serve

        return serve.serve(options_from(args), host=args.host, port=args.port)
    if args.command == "figure":
        from . import figures

        library, _ = pipeline.load_checked(options.content_dir, draft=True)
        if args.id not in library.stretches:
            err.print(f"stretchguide: error: no stretch `{args.id}` in {display_path(options.content_dir)}",
                      markup=False)
            return 2
        out = args.out or Path(f"{args.id}.svg")
        out.write_text(figures.draw_figures(library, only=args.id)[args.id].svg, encoding="utf-8")
        err.print(f"wrote {display_path(out)}", markup=False)
        return 0
    raise AssertionError(args.command)
