"""Doses and routine times: what the page, card, embed and JSON all say."""

from __future__ import annotations

from pathlib import Path

from stretchguide.models import Dose, Guide, Library, Routine, format_minutes


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
