"""The content models: the dose notation, times, overrides, validation messages and output addresses."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from stretchguide.models import (
    BuildOptions,
    Dose,
    DoseOverride,
    Guide,
    HoldRange,
    Library,
    RenderContext,
    Review,
    Routine,
    format_minutes,
    iso_duration,
)
from stretchguide.pipeline import load_checked
from tests.conftest import CONTENT, ROOT


@pytest.fixture(scope="module")
def library() -> Library:
    return load_checked(CONTENT)[0]


def context_of(library: Library, **options: object) -> RenderContext:
    build = BuildOptions(content_dir=CONTENT, out_dir=Path("site"), theme_dir=ROOT / "theme", docs_dir=ROOT / "docs",
                         mkdocs_config=ROOT / "mkdocs.yml", **options)  # type: ignore[arg-type]
    return RenderContext(library, {}, build, None)


@pytest.mark.parametrize(("kind", "dose", "line"), [
    ("hold", {"hold": {"min": 20, "max": 30}}, "Hold 20–30 s"),
    ("hold", {"hold": {"min": 30, "max": 30}, "sides": "each"}, "Hold 30 s · each side"),
    ("hold", {"hold": {"min": 15, "max": 30}, "sides": "each", "sets": 2, "rest": 10},
     "Hold 15–30 s · each side · 2 sets · rest 10 s"),
    ("reps", {"reps": {"min": 8, "max": 10}}, "8–10 slow repetitions"),
])
def test_the_dose_reads_the_same_everywhere(kind: str, dose: dict, line: str) -> None:
    assert Dose.model_validate(dose).line(kind) == line


def test_a_dose_takes_its_holds_or_repetitions_per_side_and_set_plus_rests() -> None:
    held = Dose.model_validate({"hold": {"min": 20, "max": 30}, "sides": "each", "sets": 2, "rest": 10})
    assert held.seconds("hold") == (4 * 20 + 3 * 10, 4 * 30 + 3 * 10)  # four bouts, three rests between
    moved = Dose.model_validate({"reps": {"min": 5, "max": 8}, "tempo": 4})
    assert moved.seconds("reps") == (20, 32)


def test_times_are_shown_in_whole_minutes_rounded_up_and_as_iso_durations() -> None:
    assert format_minutes((61, 179)) == "about 2–3 min"
    assert format_minutes((10, 60)) == "about 1 min"
    assert format_minutes((0, 0)) == "about 1 min"  # never "0 min"
    assert iso_duration(90) == "PT1M30S" and iso_duration(600) == "PT10M" and iso_duration(5) == "PT0M5S"


def test_a_routine_override_changes_only_what_it_names(library: Library) -> None:
    dose = library.stretches["pigeon"].dose
    changed = DoseOverride.model_validate({"sets": 3}).apply(dose)
    assert changed.sets == 3
    assert (changed.hold, changed.sides, changed.frequency) == (dose.hold, dose.sides, dose.frequency)
    assert DoseOverride().apply(dose) == dose


def test_a_routine_lasts_its_doses_plus_a_move_between_stretches(library: Library) -> None:
    one_side = {"hold": {"min": 20, "max": 30}, "sides": "none", "sets": 1, "rest": None}
    routine = Routine(id="r", title="R", summary="Two holds.", items=[
        {"stretch": "pigeon", "dose": one_side}, {"stretch": "childs-pose", "dose": {**one_side, "sets": 2}}])
    steps = library.steps(routine)
    assert [s.stretch.id for s in steps] == ["pigeon", "childs-pose"]
    assert [s.dose_line() for s in steps] == ["Hold 20–30 s", "Hold 20–30 s · 2 sets"]
    # 20–30 s, then 15 s to move, then twice 20–30 s.
    assert library.routine_seconds(routine) == (20 + 15 + 40, 30 + 15 + 60)


def test_validation_messages_say_how_to_fix_the_value() -> None:
    with pytest.raises(ValidationError, match=r"must be at least min \(30\), got 20; swap the two values"):
        HoldRange(min=30, max=20)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="is in the future; use the date the review took place"):
        Review(by="A. Patel", on=tomorrow)
    assert Review(by="A. Patel", on=datetime.date.today()).on == datetime.date.today()


def test_a_hold_stretch_needs_a_hold_dose(library: Library) -> None:
    data = library.stretches["pigeon"].model_dump()
    data["dose"] = {"reps": {"min": 5, "max": 8}}
    needs = r"a `kind: hold` stretch needs `hold: \{min: 15, max: 30\}` \(seconds\) here"
    with pytest.raises(ValidationError, match=needs):
        type(library.stretches["pigeon"]).model_validate(data)


def test_outputs_are_addressed_relative_and_absolute(library: Library) -> None:
    context = context_of(library, site_url="https://clinic.example.org/guide")
    assert context.site_url == "https://clinic.example.org/guide/"  # one trailing slash
    assert context.url("card", "pigeon") == "cards/pigeon.pdf"
    assert context.absolute_url("stretch", "pigeon") == "https://clinic.example.org/guide/stretches/pigeon/"
    plain = dataclasses.replace(library, guide=library.guide.model_copy(update={"site_url": None}))
    assert context_of(plain).absolute_url("stretch", "pigeon") is None
    assert context_of(plain, card_size="4x6in").card_size == "4x6in"
    assert context_of(plain).card_size == library.guide.print.card_size


def test_the_build_date_comes_from_source_date_epoch_or_the_content(library: Library,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert context_of(library).epoch == 1700000000
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    unreviewed = context_of(library).epoch
    assert unreviewed == context_of(library).epoch  # never the clock
    pigeon = library.stretches["pigeon"].model_copy(update={"review": Review(by="A. Patel",
                                                                             on=datetime.date(2025, 3, 4))})
    reviewed = dataclasses.replace(library, stretches={**library.stretches, "pigeon": pigeon})
    assert context_of(reviewed).epoch == int(datetime.datetime(2025, 3, 4, tzinfo=datetime.UTC).timestamp())


def dose(**values: object) -> Dose:
    return Dose.model_validate(values)


def test_repetitions_with_a_hold_each_read_and_count_the_hold() -> None:
    held = dose(reps={"min": 10, "max": 10}, hold_each=5, tempo=4)
    assert held.line("reps") == "10 slow repetitions · hold each 5 s"
    assert held.seconds("reps") == (90, 90)  # 10 x (4 s to move + 5 s held)


def test_alternating_sides_count_each_side() -> None:
    alternating = dose(reps={"min": 8, "max": 10}, sides="alternate", tempo=5)
    assert alternating.line("reps") == "8–10 slow repetitions · each side, alternating"
    assert alternating.seconds("reps") == (80, 100)  # every repetition on the left and on the right


def test_holds_on_each_side_with_sets_and_rest() -> None:
    both = dose(hold={"min": 15, "max": 30}, sides="each", sets=2, rest=10)
    assert both.line("hold") == "Hold 15–30 s · each side · 2 sets · rest 10 s"
    assert both.seconds("hold") == (4 * 15 + 3 * 10, 4 * 30 + 3 * 10)


def test_routine_time_counts_the_rest_between_items_it_sets(tmp_path: Path) -> None:
    from stretchguide.models import Stretch

    base = {"summary": "S.", "target_areas": ["lower-back"], "position": "lying-on-back", "kind": "hold",
            "dose": {"hold": {"min": 30, "max": 30}}, "setup": ["Lie down."], "steps": ["Stretch."],
            "helper_cues": ["Agree a stop word."], "feel": ["Back."], "safety": {"stop_if": ["Pain."]}}
    stretches = {sid: Stretch.model_validate({**base, "id": sid, "title": sid}) for sid in ("a", "b", "c")}
    guide = Guide.model_validate({"title": "G", "audience": "A.", "introduction": "I.", "safety_rules": ["R."],
                                  "red_flags": ["Chest pain."], "disclaimer": "D.",
                                  "branding": {"clinic_name": "C"}, "licence": "L", "version": "1"})
    items = [{"stretch": sid} for sid in stretches]
    default = Routine.model_validate({"id": "r", "title": "R", "summary": "S.", "items": items})
    slow = Routine.model_validate({"id": "s", "title": "S", "summary": "S.", "items": items,
                                   "rest_between_items": 45})
    library = Library(tmp_path, guide, stretches, {"r": default, "s": slow})
    assert library.routine_seconds(default) == (3 * 30 + 2 * 15, 3 * 30 + 2 * 15)
    assert library.routine_seconds(slow) == (3 * 30 + 2 * 45, 3 * 30 + 2 * 45)
    assert format_minutes(library.routine_seconds(slow)) == "about 3 min"
