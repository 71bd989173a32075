"""Content translations: what a translation may hold, how its status is judged, and what localise() gives."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stretchguide import translations
from stretchguide.checks import check_library
from stretchguide.cli import main
from stretchguide.loader import PLACEHOLDER, load_library
from stretchguide.models import Library, Stretch
from stretchguide.problems import ContentError, Problem
from tests.conftest import CONTENT, ROOT, copy_content
from tests.test_checks import edit, line_of
from tests.test_cli import assert_golden, problem_lines

ES = Path("translations") / "es"


def loaded(content: Path) -> tuple[Library, list[Problem]]:
    """Load a content folder; return the library and every problem the load and the checks find."""
    result = load_library(content)
    problems = result.problems + check_library(result, datetime.date(2026, 1, 1))
    assert result.library is not None, [p.format() for p in problems]
    return result.library, sorted(problems)


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work where `translated_content` lies, so problems name `content/...` as a clinic sees them."""
    monkeypatch.chdir(tmp_path)


def codes(problems: list[Problem], *wanted: str | None) -> list[str]:
    """Return the problems with one of the `wanted` codes (None: errors), formatted."""
    return [p.format() for p in problems if p.code in wanted]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_the_spanish_guide_translates_every_stretch_and_the_routine_with_no_warnings() -> None:
    library, problems = loaded(CONTENT)
    assert [p.format() for p in problems if p.code in {None, "W012", "W013"}] == []
    assert translations.languages(library) == ["en", "es"]
    spanish = translations.localise(library, "es")
    assert spanish.untranslated == frozenset() and spanish.language == "es" and spanish.text_language == "es"
    for sid, english in library.stretches.items():
        other = spanish.stretches[sid]
        assert other.title != english.title, sid
        for key in ("setup", "steps", "helper_cues", "feel", "easier", "harder"):
            assert len(getattr(other, key)) == len(getattr(english, key)), (sid, key)
        # What is not text stays the source's: the dose, the vocabulary words, the figure's poses.
        assert (other.dose.hold, other.dose.reps, other.dose.sides) == (english.dose.hold, english.dose.reps,
                                                                        english.dose.sides)
        assert other.target_areas == english.target_areas and other.safety.precautions == english.safety.precautions
        assert english.figure and other.figure and [f.pose for f in other.figure.frames] == [
            f.pose for f in english.figure.frames]
    assert spanish.stretches["cat-cow"].steps[0].startswith("Gato: suelte el aire, redondee la espalda")
    assert spanish.routines["lower-back-basics"].title == "Rutina básica para la zona lumbar"
    assert spanish.routine_seconds(spanish.routines["lower-back-basics"]) == library.routine_seconds(
        library.routines["lower-back-basics"])
    assert "aún no ha sido revisada por un profesional sanitario" in spanish.guide.disclaimer
    assert spanish.guide.language == "en"  # the default language stays the guide's own


def test_the_default_language_comes_back_as_it_is() -> None:
    library, _ = loaded(CONTENT)
    english = translations.localise(library, "en")
    assert english.stretches is library.stretches and english.guide is library.guide
    assert english.language == "en" and english.untranslated == frozenset()


def test_every_text_key_of_the_models_is_declared_once_on_the_model() -> None:
    assert list(translations.translatable_keys(Stretch)) == [
        "title", "other_names", "summary", "dose", "equipment", "setup", "steps", "helper_cues", "feel", "easier",
        "harder", "alternative", "safety", "figure"]
    library, _ = loaded(CONTENT)
    text = translations.source_text(library.stretches["pigeon"])
    assert text["dose"] == {"frequency": "Once a day"} and text["alternative"] == {
        "when": "if your knees or hips object to this position"}
    assert text["safety"] == {"stop_if": list(library.stretches["pigeon"].safety.stop_if)}  # no precaution words
    assert [frame for frame in text["figure"]["frames"]] == [{"label": "From the side"}, {"label": "From the front"}]
    # Items without text keep their place, so a translation lines up with its source item by item.
    assert translations.source_text(library.routines["lower-back-basics"])["items"][1:4] == [{}, {}, {}]


def test_a_missing_translation_falls_back_and_is_named(translated_content: Path) -> None:
    (translated_content / ES / "stretches" / "pigeon.yml").unlink()
    library, problems = loaded(translated_content)
    spanish = translations.localise(library, "es")
    assert spanish.untranslated == {"stretch:pigeon"}
    assert spanish.stretches["pigeon"] is library.stretches["pigeon"]
    assert spanish.stretches["cat-cow"].title == "Gato-vaca"
    assert codes(problems, "W012") == [
        "content/translations/es/stretches/pigeon.yml:1:1: warning W012: no `es` translation of "
        "content/stretches/pigeon.yml: readers of the `es` guide see it in `en`; run `stretchguide new translation es` "
        "to start one"]
    # A language nobody has translated yet shows everything in the default language.
    assert translations.localise(library, "fr").untranslated == set(translations.library_parts(library))


def test_a_changed_source_step_makes_the_translation_out_of_date(translated_content: Path) -> None:
    edit(translated_content / "stretches" / "pigeon.yml", "  - Start on hands and knees.",
         "  - Start on hands and knees, a cushion within reach.")
    library, problems = loaded(translated_content)
    line = line_of(translated_content / ES / "stretches" / "pigeon.yml", "source:")
    assert codes(problems, "W013") == [
        f"content/translations/es/stretches/pigeon.yml:{line}:1: source: warning W013: out of date: `setup` changed "
        "in content/stretches/pigeon.yml since this was translated; readers still see this translation. Bring the "
        "translation in line with its source, then run `stretchguide translations --refresh "
        "content/translations/es/stretches/pigeon.yml` to record the source it now matches"]
    assert translations.localise(library, "es").stretches["pigeon"].title == "Estiramiento de la paloma"

    # Refreshing records the new source and changes nothing else in the file.
    path = translated_content / ES / "stretches" / "pigeon.yml"
    before = path.read_text(encoding="utf-8")
    assert translations.refresh(library, [path]) == [path]
    after = path.read_text(encoding="utf-8")
    assert after.split("\nsource:")[0] == before.split("\nsource:")[0] and after != before
    assert codes(loaded(translated_content)[1], "W013") == []


def test_a_translation_that_records_no_source_is_out_of_date(translated_content: Path) -> None:
    path = translated_content / ES / "routines" / "lower-back-basics.yml"
    path.write_text(path.read_text(encoding="utf-8").split("\nsource:")[0] + "\n", encoding="utf-8")
    library, problems = loaded(translated_content)
    assert [p.message.split(";")[0] for p in problems if p.code == "W013"] == [
        "out of date: it records no `source:` fingerprints, so nothing says which text of "
        "content/routines/lower-back-basics.yml it was made from"]
    assert translations.refresh(library, [path.parent.parent]) == [path]
    assert codes(loaded(translated_content)[1], "W013") == []


def test_a_source_with_a_new_step_shows_the_default_text_until_translated(translated_content: Path) -> None:
    edit(translated_content / "stretches" / "pigeon.yml", "  - Start on hands and knees.\n",
         "  - Start on hands and knees.\n  - Put a cushion within reach.\n")
    library, problems = loaded(translated_content)
    assert codes(problems, None) == []  # the translator did nothing wrong: the source moved
    warning, = (p.message for p in problems if p.code == "W013")
    assert warning.startswith("out of date: `setup` changed in content/stretches/pigeon.yml since this was "
                              "translated; its shape no longer matches (has 3 item(s); `setup` in "
                              "stretches/pigeon.yml has 4")
    assert translations.localise(library, "es").untranslated == {"stretch:pigeon"}
    with pytest.raises(ContentError) as refused:
        translations.refresh(library, [translated_content / ES / "stretches" / "pigeon.yml"])
    assert refused.value.problems[0].message.startswith("cannot refresh: has 3 item(s)")


def test_translation_mistakes_are_errors_at_their_line_and_column(translated_content: Path,
                                                                   update_golden: bool) -> None:
    folder = translated_content / ES
    edit(folder / "stretches" / "pigeon.yml", "  - Mantenga las caderas niveladas; un cojín bajo la cadera "
         "delantera ayuda.\n", "")  # a step left out
    edit(folder / "stretches" / "cat-cow.yml", "feel:", "feels:")  # a typo of a key
    edit(folder / "stretches" / "childs-pose.yml", "dose:\n  frequency: Una o dos veces al día\n",
         "dose:\n  frequency: Una o dos veces al día\n  sides: each\n")  # not text: it stays in the source
    edit(folder / "guide.yml", "disclaimer: >-", "disclaimers: >-")  # a required text missing, and a typo
    edit(folder / "routines" / "lower-back-basics.yml", "  - {}  # pigeon\n", "")  # an item left out
    edit(folder / "stretches" / "figure-four.yml", "title: Figura cuatro boca arriba",
         "title: [Figura cuatro boca arriba]")
    shutil.move(folder / "stretches" / "seated-forward-bend.yml", folder / "stretches" / "seated-forward.yml")
    shutil.copytree(folder, translated_content / "translations" / "es_MX")
    result = run("check", "--content", "content", cwd=translated_content.parent)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert_golden("translations", [ln for ln in problem_lines(result) if "warning" not in ln], update_golden)


def test_a_folder_in_the_guide_language_is_refused(translated_content: Path) -> None:
    (translated_content / "translations" / "en").mkdir()
    result = load_library(translated_content)
    assert [p.message for p in result.problems] == [
        "`en` is the guide's own language (`language: en` in guide.yml): its text is the source files, so remove "
        "this folder"]


def test_the_translations_table_shows_each_file_in_each_language(translated_content: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    (translated_content / ES / "stretches" / "pigeon.yml").unlink()
    edit(translated_content / "stretches" / "cat-cow.yml", "Make the movement smaller.", "Make the movement small.")
    (translated_content / "translations" / "de").mkdir()
    (translated_content / "translations" / "de" / "guide.yml").write_text(
        (translated_content / ES / "guide.yml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["translations", "--content", str(translated_content)]) == 0
    out = capsys.readouterr().out
    header, = (line for line in out.splitlines() if line.startswith("┃"))
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == ["file", "de", "es"]
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in out.splitlines() if line.startswith("│")}
    assert rows["guide.yml"] == ["done", "done"]
    assert rows["stretches/pigeon.yml"] == ["missing", "missing"]
    assert rows["stretches/cat-cow.yml"] == ["missing", "out of date"]
    assert rows["routines/lower-back-basics.yml"] == ["missing", "done"]
    assert "es: 6 of 8 file(s) done" in out and "de: 1 of 8 file(s) done" in out


def test_a_new_translation_starts_from_the_source_text_and_is_refused_until_written(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content")
    result = run("new", "translation", "pt-BR", "--content", "content", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = content / "translations" / "pt-BR"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yml")) == [
        "guide.yml", "routines/lower-back-basics.yml", *(f"stretches/{p.name}" for p in sorted(
            (content / "stretches").glob("*.yml")))]
    pigeon = (folder / "stretches" / "pigeon.yml").read_text(encoding="utf-8")
    assert pigeon.startswith("# yaml-language-server: $schema=../../../schema/translation-stretch.schema.json\n")
    assert f"  - '{PLACEHOLDER} Start on hands and knees.'" in pigeon
    refused = run("check", "--content", "content", cwd=tmp_path)
    assert refused.returncode == 1
    line = line_of(folder / "stretches" / "pigeon.yml", f"  - '{PLACEHOLDER} Start")
    assert (f"content/translations/pt-BR/stretches/pigeon.yml:{line}:5: setup[0]: still the scaffold's "
            "placeholder text") in refused.stderr
    for path in folder.rglob("*.yml"):
        path.write_text(path.read_text(encoding="utf-8").replace(PLACEHOLDER + " ", ""), encoding="utf-8")
    library, problems = loaded(content)
    assert codes(problems, None, "W012", "W013") == []
    assert set(library.translations["pt-BR"].status.values()) == {"done"}
    bad = run("new", "translation", "pt_br", "--content", "content", cwd=tmp_path)
    assert bad.returncode == 1 and "pt_br:1:1: folder name `pt_br` is not a BCP 47 language tag" in bad.stderr
    assert "rename the folder to `pt-BR`" in bad.stderr and not (folder.parent / "pt_br").exists()


@pytest.mark.parametrize(("tag", "why"), [
    ("es", None), ("pt-BR", None), ("zh-Hant-TW", None), ("es-419", None),
    ("ES", "rename the folder to `es`"), ("pt_br", "rename the folder to `pt-BR`"),
    ("spanish", "is not a BCP 47 language tag"),
])
def test_language_folders_are_bcp47_tags(tag: str, why: str | None) -> None:
    found = translations.check_tag(tag)
    assert (found is None) if why is None else (found is not None and why in found)
