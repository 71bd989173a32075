"""The routine player and the stretch page timer in a real browser, time driven by Playwright's clock.

The cues are recorded by an init script: the texts given to `speechSynthesis.speak`, the patterns
given to `navigator.vibrate`, the requests and releases of the screen wake lock, and the tones
started through Web Audio.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from time import monotonic, sleep
from typing import Any

import pytest
from playwright.sync_api import expect

from stretchguide import figures
from stretchguide.models import SWITCH_SECONDS, TRANSITION_SECONDS, BuildOptions, Library, RenderContext
from stretchguide.pipeline import load_checked
from stretchguide.site import render_site
from stretchguide.templates import make_env
from tests.conftest import DESKTOP, PHONE, ROOT, copy_content
from tests.test_site_browser import axe_violations

pytestmark = [pytest.mark.browser]

ROUTINE = "lower-back-basics"

#: Records every cue; `speech: false` takes speech away, as on a browser without it.
RECORDER = """
(() => {
  const log = window.__cues = {spoken: [], vibrations: [], locks: [], tones: 0, audioContexts: 0};
  if (%(speech)s) {
    const synth = window.speechSynthesis;
    Object.defineProperty(synth, "getVoices", {value: () => [{lang: "en", name: "test", default: true}]});
    Object.defineProperty(synth, "speak", {value: (u) => { log.spoken.push(u.text); log.lang = u.lang; }});
    Object.defineProperty(synth, "cancel", {value: () => {}});
  } else {
    Object.defineProperty(window, "speechSynthesis", {value: undefined});
  }
  Object.defineProperty(navigator, "vibrate", {value: (p) => { log.vibrations.push(JSON.stringify(p)); return true; }});
  Object.defineProperty(navigator, "wakeLock", {value: {request: async (type) => {
    log.locks.push("request:" + type);
    return {released: false, addEventListener() {}, async release() { log.locks.push("release"); }};
  }}});
  const Real = window.AudioContext;
  window.AudioContext = function () {
    log.audioContexts += 1;
    const ctx = new Real();
    const make = ctx.createOscillator.bind(ctx);
    ctx.createOscillator = () => { const osc = make(); const start = osc.start.bind(osc);
                                   osc.start = (t) => { log.tones += 1; start(t); }; return osc; };
    return ctx;
  };
})();
"""


@dataclass(frozen=True)
class Phase:
    """One state the player should pass through: what it shows and what it says."""

    kind: str
    seconds: int
    label: str
    detail: str
    say: list[str]
    stretch: int


def expected_phases(library: Library) -> list[Phase]:
    """The routine as the player should run it, written out from the content."""
    phases = []
    for number, step in enumerate(library.steps(library.routines[ROUTINE])):
        title = step.stretch.title
        cue = f"First: {title}" if number == 0 else f"Next: {title}"
        phases.append(Phase("ready", TRANSITION_SECONDS, "Get into position", cue, [cue], number))
        dose = step.dose
        sides = ["Left side", "Right side"] if dose.sides == "each" else [""]
        for set_number in range(1, dose.sets + 1):
            for index, side in enumerate(sides):
                set_words = f"Set {set_number} of {dose.sets}" if dose.sets > 1 else ""
                detail = " · ".join(w for w in (side, set_words) if w)
                if (set_number, index) != (1, 0):
                    if index > 0 and dose.rest:
                        phases.append(Phase("rest", dose.rest, "Rest, then switch sides", detail,
                                            ["Relax, then switch sides"], number))
                    elif index > 0:
                        phases.append(Phase("switch", SWITCH_SECONDS, "Switch sides", detail, ["Switch sides"],
                                            number))
                    else:
                        phases.append(Phase("rest", dose.rest or SWITCH_SECONDS, "Rest", detail, ["Relax"], number))
                said = [w for w in (side, set_words if index == 0 else "") if w]
                if step.stretch.kind == "reps":
                    assert dose.reps
                    counts = [str(n) for n in range(1, dose.reps.max + 1)]
                    phases.append(Phase("reps", dose.reps.max * dose.tempo, "Repetitions", detail,
                                        [". ".join([*said, "Begin"]), *counts], number))
                else:
                    assert dose.hold
                    phases.append(Phase("hold", dose.hold.max, "Hold", detail, [". ".join([*said, "Hold"])],
                                        number))
    return phases


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """The default guide, its routine giving pigeon two sets with a rest (the content has no rest)."""
    content = copy_content(tmp_path_factory.mktemp("player-content") / "content")
    routine = content / "routines" / f"{ROUTINE}.yml"
    text = routine.read_text(encoding="utf-8")
    routine.write_text(text.replace("  - stretch: pigeon\n", "  - stretch: pigeon\n    dose: {sets: 2, rest: 10}\n"),
                       encoding="utf-8")
    yield load_checked(content)[0]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, library: Library, serve_dir: Callable[..., str]) -> str:
    out = tmp_path_factory.mktemp("player-site") / "site"
    options = BuildOptions(content_dir=library.content_dir, out_dir=out, theme_dir=ROOT / "theme",
                           docs_dir=ROOT / "docs", mkdocs_config=ROOT / "mkdocs.yml", cache_dir=out.parent / "cache")
    out.mkdir(parents=True)
    render_site(RenderContext(library, figures.draw_figures(library), options, make_env(options.theme_dir)), out)
    return serve_dir(out)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open a page with its cues recorded and its clock under the test's control."""
    contexts: list[Any] = []

    def make(url: str, viewport: dict[str, int] = PHONE, speech: bool = True, scheme: str = "light") -> Any:
        context = browser.new_context(viewport=viewport, color_scheme=scheme, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.add_init_script(RECORDER % {"speech": "true" if speech else "false"})
        page.clock.install()
        page.goto(url)
        page.errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def cues(page: Any) -> dict[str, Any]:
    return page.evaluate("window.__cues")


def released(page: Any) -> bool:
    """Wait (at most 5 s) for the last wake lock to be released, which may come after the action returns.

    Closing a dialog with Escape fires its `close` event as a task of its own, and only then does the
    player let the screen sleep.
    """
    deadline = monotonic() + 5
    while cues(page)["locks"][-1] != "release" and monotonic() < deadline:
        sleep(0.05)
    return bool(cues(page)["locks"][-1] == "release")


def player_state(page: Any) -> tuple[str | None, str, str, str]:
    dialog = page.locator("dialog.sg-player")
    return (dialog.get_attribute("data-phase"), dialog.locator(".sg-player__phase").inner_text(),
            dialog.locator(".sg-player__detail").inner_text(), dialog.locator(".sg-player__progress").inner_text())


def test_player_runs_the_routine_from_start_to_end_by_itself(open_page: Callable[..., Any], base_url: str,
                                                             library: Library) -> None:
    phases = expected_phases(library)
    kinds = {p.kind for p in phases}
    assert {"ready", "reps", "hold", "switch", "rest"} <= kinds  # the routine exercises every phase
    titles = [step.stretch.title for step in library.steps(library.routines[ROUTINE])]
    page = open_page(f"{base_url}routines/{ROUTINE}/")
    assert cues(page)["audioContexts"] == 0
    page.get_by_role("button", name="Start the routine").click()
    dialog = page.locator("dialog.sg-player")
    assert dialog.is_visible()
    assert cues(page)["locks"] == ["request:screen"]
    seen = []
    for phase in phases:
        page.clock.run_for(phase.seconds * 1000 // 2)  # halfway through the phase
        kind, label, detail, progress = player_state(page)
        seen.append((kind, label, detail))
        assert (kind, label, detail) == (phase.kind, phase.label, phase.detail), (len(seen), phase)
        assert progress.startswith(f"Stretch {phase.stretch + 1} of {len(titles)} · ")
        assert progress.endswith(" min left") or progress.endswith("under a minute left")
        assert dialog.locator(".sg-player__title").inner_text() == titles[phase.stretch]
        page.clock.run_for(phase.seconds * 1000 - phase.seconds * 1000 // 2)
    assert dialog.get_attribute("data-phase") == "done"
    assert dialog.locator(".sg-player__phase").inner_text() == "Routine complete. Well done."
    recorded = cues(page)
    assert recorded["spoken"] == [text for phase in phases for text in phase.say] + ["Routine complete. Well done."]
    assert recorded["lang"] == library.guide.language
    assert recorded["locks"] == ["request:screen", "release"]
    vibrations = recorded["vibrations"]
    assert vibrations[0] == "[150,100,150,100,150]" and vibrations[-1] == "[400,150,400]"
    assert "[150,100,150]" in vibrations and "[500]" in vibrations  # a switch and a rest
    assert recorded["tones"] == 0  # speech was there, so no tone
    assert page.locator(".sg-player__live").inner_text() == ""  # spoken, so not announced twice
    assert not page.errors


def test_player_pauses_resumes_and_releases_the_screen(open_page: Callable[..., Any], base_url: str) -> None:
    page = open_page(f"{base_url}routines/{ROUTINE}/")
    page.get_by_role("button", name="Start the routine").click()
    page.clock.run_for(TRANSITION_SECONDS * 1000 + 20_000)  # 20 s into cat-cow
    time = page.locator(".sg-player__time")
    assert time.inner_text() == "4 of 15"
    toggle = page.locator(".sg-player__toggle")
    # Its name says what it does next, so it is no toggle button with a pressed state as well.
    assert toggle.inner_text() == "Pause" and toggle.get_attribute("aria-pressed") is None
    toggle.click()
    assert toggle.inner_text() == "Resume" and cues(page)["locks"] == ["request:screen", "release"]
    assert cues(page)["spoken"][-1] == "Paused"
    assert page.locator(".sg-player__status").inner_text() == "Paused"
    page.clock.run_for(60_000)
    assert time.inner_text() == "4 of 15"
    progress = page.locator(".sg-player__progress").inner_text()
    page.keyboard.press("Space")  # the toggle has focus: Space resumes
    assert toggle.inner_text() == "Pause"
    assert cues(page)["locks"] == ["request:screen", "release", "request:screen"]
    page.clock.run_for(6_000)
    assert time.inner_text() == "5 of 15"
    assert page.locator(".sg-player__progress").inner_text() == progress
    page.keyboard.press("Escape")  # closing the player stops it and lets the screen sleep
    assert not page.locator("dialog.sg-player").is_visible()
    assert released(page)
    opener = page.get_by_role("button", name="Resume the routine")
    assert opener.is_visible() and opener.evaluate("b => b === document.activeElement")


def test_player_back_and_skip(open_page: Callable[..., Any], base_url: str, library: Library) -> None:
    page = open_page(f"{base_url}routines/{ROUTINE}/")
    page.get_by_role("button", name="Start the routine").click()
    skip, back = page.locator(".sg-player__skip"), page.locator(".sg-player__back")
    skip.click()  # skip getting into position
    assert player_state(page)[:2] == ("reps", "Repetitions")
    page.keyboard.press("ArrowRight")  # skip the repetitions
    assert player_state(page)[:3] == ("ready", "Get into position", "Next: Kneeling hip flexor stretch")
    assert cues(page)["spoken"][-1] == "Next: Kneeling hip flexor stretch"
    assert page.locator(".sg-player__progress").inner_text().startswith("Stretch 2 of 5")
    skip.click()
    page.clock.run_for(10_000)
    assert player_state(page)[:3] == ("hold", "Hold", "Left side")
    back.click()  # 10 s in: back to the start of this hold
    assert player_state(page)[:3] == ("hold", "Hold", "Left side")
    assert page.locator(".sg-player__time").inner_text() == "0:30"
    page.keyboard.press("ArrowLeft")  # just begun: back to the phase before
    assert player_state(page)[:2] == ("ready", "Get into position")
    assert page.locator(".sg-player__title").inner_text() == "Kneeling hip flexor stretch"
    for _ in range(len(expected_phases(library))):
        if not skip.is_enabled():
            break
        skip.click()
    assert player_state(page)[0] == "done"
    assert cues(page)["locks"][-1] == "release"
    back.click()  # from the end, back to the last hold
    assert player_state(page)[:2] == ("hold", "Hold")


def test_stretch_timer_runs_through_sides_counts_rests_and_marks_the_minimum(
        open_page: Callable[..., Any], base_url: str, library: Library) -> None:
    stretch = library.stretches["kneeling-hip-flexor"]
    assert stretch.dose.sides == "each" and stretch.dose.hold and stretch.dose.sets == 1
    hold = stretch.dose.hold
    page = open_page(f"{base_url}stretches/{stretch.id}/", speech=False)
    timer = page.locator("[data-timer]")
    # Under the steps, where the helper is reading, not above them.
    assert page.evaluate("""() => {
        const steps = document.getElementById('steps');
        const timer = document.querySelector('[data-timer]');
        return !!(steps.compareDocumentPosition(timer) & Node.DOCUMENT_POSITION_FOLLOWING)
          && !!(timer.compareDocumentPosition(document.getElementById('for-the-helper'))
                & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    time, phase = timer.locator(".sg-timer__time"), timer.locator(".sg-timer__phase")
    live = timer.locator("[role=status]")
    assert time.inner_text() == f"0:{hold.max:02d}" and timer.locator(".sg-timer__note").inner_text() == (
        f"Minimum {hold.min} s")
    timer.get_by_role("button", name="Start").focus()
    page.keyboard.press("Enter")  # keyboard operable
    assert cues(page)["locks"] == ["request:screen"]
    assert live.inner_text() == "Left side. Hold"  # no speech here: announced instead
    page.clock.run_for(5_000)
    assert time.inner_text() == f"0:{hold.max - 5:02d}" and phase.inner_text() == "Hold · Left side"
    assert "sg-timer--minimum" not in (timer.get_attribute("class") or "")
    page.clock.run_for((hold.min - 5) * 1000)
    assert "sg-timer--minimum" in (timer.get_attribute("class") or "")
    assert timer.locator(".sg-timer__status").inner_text() == "Minimum reached: stop now or keep going"
    page.clock.run_for((hold.max - hold.min) * 1000)
    assert phase.inner_text() == "Switch sides" and live.inner_text() == "Switch sides"
    assert time.inner_text() == f"0:{SWITCH_SECONDS:02d}"  # counting the change of sides, not waiting for a tap
    page.clock.run_for(SWITCH_SECONDS * 1000)
    assert phase.inner_text() == "Hold · Right side" and live.inner_text() == "Right side. Hold"
    page.clock.run_for(hold.max * 1000)
    assert phase.inner_text() == "Done" and live.inner_text() == "Done" and time.inner_text() == "0:00"
    recorded = cues(page)
    assert recorded["locks"] == ["request:screen", "release"]
    assert recorded["tones"] >= 4 and recorded["spoken"] == []  # tones where speech is missing
    assert recorded["vibrations"] == ["[300]", "[80,80,80]", "[150,100,150]", "[300]", "[80,80,80]", "[400,150,400]"]


def test_player_counts_rests_between_sides_and_sets(open_page: Callable[..., Any], base_url: str,
                                                          library: Library) -> None:
    """Pigeon from the routine page's own data: two sets, a rest between every bout."""
    page = open_page(f"{base_url}routines/{ROUTINE}/")
    page.get_by_role("button", name="Start the routine").click()
    for _ in range(5):  # ready, reps, ready, hold, switch, hold, ready: to pigeon's get-ready
        page.locator(".sg-player__skip").click()
    page.locator(".sg-player__skip").click()
    page.locator(".sg-player__skip").click()
    assert player_state(page)[:3] == ("hold", "Hold", "Left side · Set 1 of 2")
    page.locator(".sg-player__skip").click()
    assert player_state(page)[:3] == ("rest", "Rest, then switch sides", "Right side · Set 1 of 2")
    assert page.locator(".sg-player__time").inner_text() == "0:10"
    page.clock.run_for(10_000)
    assert player_state(page)[:3] == ("hold", "Hold", "Right side · Set 1 of 2")
    page.locator(".sg-player__skip").click()
    assert player_state(page)[:3] == ("rest", "Rest", "Left side · Set 2 of 2")
    assert cues(page)["spoken"][-1] == "Relax"


def test_reps_counter_paces_and_speaks_the_count(open_page: Callable[..., Any], base_url: str,
                                                 library: Library) -> None:
    stretch = library.stretches["cat-cow"]
    assert stretch.kind == "reps" and stretch.dose.reps
    reps, tempo = stretch.dose.reps, stretch.dose.tempo
    page = open_page(f"{base_url}stretches/{stretch.id}/")
    timer = page.locator("[data-timer]")
    count = timer.locator(".sg-timer__time")
    assert timer.locator(".sg-timer__heading").inner_text() == "Repetition counter"
    assert timer.locator(".sg-timer__note").inner_text() == f"One every {tempo} s · At least {reps.min}"
    assert count.inner_text() == f"0 of {reps.max}"
    timer.get_by_role("button", name="Start").click()
    assert count.inner_text() == f"1 of {reps.max}"
    page.clock.run_for(tempo * 1000 - 200)
    assert count.inner_text() == f"1 of {reps.max}"
    page.clock.run_for(200)
    assert count.inner_text() == f"2 of {reps.max}"
    assert cues(page)["spoken"] == ["Begin", "1", "2"]
    page.clock.run_for((reps.min - 1) * tempo * 1000 - 200)  # just before the minimum is done
    assert count.inner_text() == f"{reps.min} of {reps.max}"
    assert timer.locator(".sg-timer__status").inner_text() == ""
    page.clock.run_for(200)
    assert count.inner_text() == f"{reps.min + 1} of {reps.max}"
    assert timer.locator(".sg-timer__status").inner_text().startswith("Minimum reached")
    page.clock.run_for((reps.max - reps.min) * tempo * 1000)
    assert timer.locator(".sg-timer__phase").inner_text() == "Done"
    assert cues(page)["spoken"] == ["Begin", *[str(n) for n in range(1, reps.max + 1)], "Done"]
    assert timer.locator("[role=status]").inner_text() == ""  # spoken, so not announced twice


def test_no_sound_before_the_first_tap_and_mute_is_remembered(open_page: Callable[..., Any], base_url: str) -> None:
    page = open_page(f"{base_url}routines/{ROUTINE}/", speech=False)
    page.clock.run_for(5_000)
    assert cues(page)["audioContexts"] == 0 and cues(page)["tones"] == 0
    page.get_by_role("button", name="Start the routine").click()
    assert cues(page)["audioContexts"] == 1 and cues(page)["tones"] > 0  # a tone: speech is missing
    live = page.locator("dialog [role=status]")
    assert live.inner_text() == "First: Cat-cow"  # no speech, so the screen reader is told
    mute = page.get_by_role("button", name="Mute")
    assert mute.get_attribute("aria-pressed") == "false"
    page.keyboard.press("m")
    assert mute.get_attribute("aria-pressed") == "true"
    tones = cues(page)["tones"]
    page.clock.run_for(TRANSITION_SECONDS * 1000 + 12_000)
    assert cues(page)["tones"] == tones and cues(page)["vibrations"]  # muted: silent, still vibrating
    page.reload()
    page.get_by_role("button", name="Start the routine").click()
    assert page.get_by_role("button", name="Mute").get_attribute("aria-pressed") == "true"
    assert cues(page)["tones"] == 0 and live.inner_text() == "First: Cat-cow"


def test_routine_order_replaces_a_to_z_on_a_stretch_page_from_the_routine(
        open_page: Callable[..., Any], base_url: str, library: Library) -> None:
    steps = library.steps(library.routines[ROUTINE])
    page = open_page(f"{base_url}routines/{ROUTINE}/")
    page.locator("ol.sg-routine a").first.click()
    # The footer and the "where am I" line are rewritten by script after load: wait for them.
    expect(page.locator("h1")).to_have_text(steps[0].stretch.title)
    for number in range(1, len(steps)):
        nxt = page.locator(".md-footer__link--next")
        expect(nxt).to_have_attribute("aria-label", f"Next in Lower back basics: {steps[number].stretch.title}")
        nxt.click()
        expect(page.locator("h1")).to_have_text(steps[number].stretch.title)
        assert f"routine={ROUTINE}" in page.url
        prev = page.locator(".md-footer__link--prev")
        expect(prev).to_have_attribute(
            "aria-label", f"Previous in Lower back basics: {steps[number - 1].stretch.title}")
        expect(page.locator(".sg-in-routine--current")).to_have_text(
            re.compile(rf"^Lower back basics, stretch {number + 1} of {len(steps)}\."))
    page.locator(".md-footer__link--next").click()  # after the last stretch: back to the routine
    page.wait_for_url(f"**/routines/{ROUTINE}/")
    # Reached any other way, the footer stays A to Z, and the page still says where it stands.
    page.goto(f"{base_url}stretches/cat-cow/")
    expect(page.locator(".md-footer__link--next")).to_have_attribute("aria-label", "Next: Child's pose")
    assert not page.locator(".sg-in-routine--current").count()


def test_without_javascript_the_routine_and_stretch_pages_read_as_before(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}routines/{ROUTINE}/")
    assert not page.locator(".sg-player-start").is_visible() and not page.locator("dialog").count()
    assert page.locator("ol.sg-routine > li").count() == 5
    page.goto(f"{base_url}stretches/pigeon/?routine={ROUTINE}&step=3")
    assert not page.locator("[data-timer]").is_visible()
    place = page.locator(".sg-in-routine li")
    assert " ".join(place.inner_text().split()) == ("Lower back basics, stretch 3 of 5. Previous: Kneeling hip "
                                                    "flexor stretch Next: Seated forward bend")
    page.locator(".sg-in-routine__next").click()
    assert page.locator("h1").inner_text() == "Seated forward bend"
    context.close()


@pytest.mark.parametrize(("viewport", "scheme"), [(PHONE, "light"), (PHONE, "dark"), (DESKTOP, "light")])
def test_axe_finds_no_violations_with_the_player_open(open_page: Callable[..., Any], base_url: str,
                                                      viewport: dict[str, int], scheme: str) -> None:
    page = open_page(f"{base_url}routines/{ROUTINE}/", viewport=viewport, scheme=scheme)
    page.get_by_role("button", name="Start the routine").click()
    found = {}
    for moment in ("ready", "reps", "paused"):
        if moment == "reps":
            page.clock.run_for(TRANSITION_SECONDS * 1000 + 65_000)  # cat-cow, minimum reached
        if moment == "paused":
            page.locator(".sg-player__toggle").click()
        page.wait_for_timeout(700)  # let the colour change settle: axe reads the colours shown
        violations = axe_violations(page)
        if violations:
            found[moment] = violations
    assert not found, found
