"""Typed content models: the shape every YAML file is validated into.

Every field carries a description; the JSON Schema for editors and the
content-format docs are generated from these classes.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .i18n import N_, gettext, ngettext, span
from .vocab import PRECAUTION_TEXT, CardSize, Difficulty, Position, Precaution, TargetArea

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
BCP47_PATTERN = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"

#: Seconds allowed to get into and out of position between two routine items, unless the
#: routine sets `rest_between_items`.
TRANSITION_SECONDS = 15
#: Seconds the timers give to change sides, or to start the next set, when a dose names no rest.
SWITCH_SECONDS = 5

Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Steps = Annotated[list[Text], Field(min_length=1, max_length=20)]


class Translate:
    """Marks a text field that a translation gives in another language (see stretchguide/translations.py).

    Why a mark on the field: the translatable keys of every file, the checks of a translation's
    structure and its fingerprint all follow from this one declaration.
    """

    def __repr__(self) -> str:
        return "TRANSLATE"


TRANSLATE = Translate()


#: Text a translation gives in another language: the same shapes as above, marked.
TranslatedText = Annotated[Text, TRANSLATE]
TranslatedShortText = Annotated[ShortText, TRANSLATE]
TranslatedSteps = Annotated[Steps, TRANSLATE]
TranslatedList = Annotated[list[Text], TRANSLATE]


class Strict(BaseModel):
    """Base of every content model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_web_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/$.?#][^\s<>\"']*$", value):
        raise ValueError("expected an http:// or https:// address")
    return value


def check_asset_path(content_dir: Path, relative: str) -> str | None:
    """Return why an asset path is unsafe or missing, or None when it is a file inside content."""
    if Path(relative).is_absolute() or relative.startswith(("/", "\\")) or ":" in relative:
        return f"`{relative}` is an absolute path; give a path relative to the content folder"
    root = content_dir.resolve()
    target = (content_dir / relative).resolve()
    if not target.is_relative_to(root):
        return f"`{relative}` points outside the content folder; copy the file into it"
    if not target.is_file():
        return f"`{relative}` does not exist in the content folder; check the spelling"
    return None


class Branding(Strict):
    """How the clinic's guide looks and whom it names."""

    clinic_name: ShortText = Field(description="Name of the clinic or author.", examples=["Riverside Physiotherapy"])
    logo: str | None = Field(
        default=None,
        description="Path of a logo image (SVG or PNG) relative to the content folder.",
        examples=["logo.svg"],
    )
    primary_color: str = Field(
        default="#1d5f8a", pattern=COLOUR_PATTERN, description="Main colour, as #rrggbb.", examples=["#1d5f8a"]
    )
    accent_color: str = Field(
        default="#b4451f", pattern=COLOUR_PATTERN, description="Accent colour, as #rrggbb.", examples=["#b4451f"]
    )
    @field_validator("logo")
    @classmethod
    def _logo_inside_content(cls, value: str | None, info: ValidationInfo) -> str | None:
        content_dir = (info.context or {}).get("content_dir")
        if value is not None and content_dir is not None:
            problem = check_asset_path(content_dir, value)
            if problem:
                raise ValueError(problem)
        return value

    contact: ShortText | None = Field(
        default=None,
        description="One contact line printed on cards and handouts.",
        examples=["Riverside Physiotherapy · 01234 567890"],
    )


class Offset(Strict):
    """A shift in millimetres."""

    x: float = Field(default=0.0, ge=-10, le=10, description="Horizontal shift in mm (positive: right).")
    y: float = Field(default=0.0, ge=-10, le=10, description="Vertical shift in mm (positive: down).")


class PrintSettings(Strict):
    """Settings of the printed cards and handouts."""

    card_size: CardSize = Field(default="A6", description="Size of one card: A6 (105 x 148 mm) or 4x6in.")
    back_offset_mm: Offset = Field(
        default_factory=Offset,
        description="Shift applied to card backs on duplex sheets, measured on the calibration sheet.",
    )


class Source(Strict):
    """A reference the content is based on: an address, or a full citation."""

    title: ShortText = Field(description="Title of the source.")
    url: str | None = Field(default=None, description="Address of the source (http or https).")
    citation: Text | None = Field(
        default=None,
        description="The full reference, when there is no address: authors, title, journal or publisher, year.",
        examples=["Brooke-Wavell K, et al. Strong, steady and straight. Br J Sports Med. 2022;56(15):837-846."])

    _url = field_validator("url")(classmethod(lambda cls, v: _check_web_url(v)))

    @model_validator(mode="after")
    def _can_be_found(self) -> Source:
        if self.url is None and self.citation is None:
            raise ValueError("a title alone cannot be looked up; add `url:` (an http or https address) or a "
                             "full `citation:` (authors, title, journal or publisher, year)")
        return self


class AdviceSection(Strict):
    """One topic of the guide's general advice, such as how a stretch should feel."""

    title: TranslatedShortText = Field(description="Heading of the topic.", examples=["How it should feel"])
    points: TranslatedSteps = Field(description="What to know, one short point per item.")


Urgency = Literal["emergency", "soon"]

#: The heading of each red-flag group, by urgency (None: a list not sorted by urgency).
URGENCY_TITLES: dict[str | None, str] = {
    "emergency": N_("Get emergency help now"),
    "soon": N_("See a doctor within a day or two"),
    None: N_("Get medical help"),
}


class RedFlagGroup(Strict):
    """Warning signs of one urgency, and what to do about them."""

    urgency: Urgency | None = Field(
        default=None,
        description="`emergency`: call the emergency number or go to an emergency department now; `soon`: "
        "see a doctor within a day or two.", examples=["emergency"])
    action: TranslatedText | None = Field(
        default=None,
        description="What to do, in your own words; when left out, a standard sentence for the urgency is "
        "used, with the guide's `emergency_number`.",
        examples=["Call 999 or go to A&E now."])
    signs: TranslatedSteps = Field(description="The warning signs, one per item.",
                         examples=[["Chest pain.", "Back pain after a serious fall or accident."]])


class Guide(Strict):
    """The guide as a whole: `content/guide.yml`."""

    title: TranslatedShortText = Field(description="Title of the guide.",
                                       examples=["Partner stretches for the lower back"])
    subtitle: TranslatedShortText | None = Field(default=None, description="One line under the title.")
    language: str = Field(default="en", pattern=BCP47_PATTERN, description="BCP 47 language tag.", examples=["en-GB"])
    audience: TranslatedText = Field(description="Who the guide is written for.")
    introduction: TranslatedText = Field(
        description="Opening paragraph(s) of the home page. Plain text; blank lines split paragraphs."
    )
    safety_rules: TranslatedSteps = Field(description="General safety rules that apply to every stretch.")
    emergency_number: ShortText | None = Field(
        default=None,
        description="The phone number for emergencies where the guide is used; red flags tell readers to "
        "call it. Left out, they say \"your local emergency number\".", examples=["999", "911", "112"])
    red_flags: Annotated[list[RedFlagGroup], Field(min_length=1, max_length=6)] = Field(
        description="Warning signs that mean: stop and get medical help, in groups by urgency (`emergency`, "
        "then `soon`), each with its signs. A plain list of signs is one group with no urgency.")
    before_you_start: list[AdviceSection] = Field(
        default_factory=list,
        description="General advice shown on the \"Before you start\" page: how a stretch should feel, how "
        "often, getting down to the floor and up, what the helper does if something goes wrong.")
    disclaimer: TranslatedText = Field(description="The medical disclaimer shown on every output.")
    sources: list[Source] = Field(default_factory=list, description="References for the guide's general "
                                  "advice and warning signs, listed on the \"Before you start\" page.")
    site_url: str | None = Field(
        default=None,
        description="Public address of the hosted guide; enables QR codes, oEmbed discovery and absolute links.",
        examples=["https://stretches.example-clinic.org/"],
    )
    branding: Branding = Field(description="Clinic name, logo, colours and contact line.")
    licence: ShortText = Field(description="Licence of the content.", examples=["CC BY-SA 4.0"])
    version: ShortText = Field(description="Version of the content, shown in footers.", examples=["1.0"])
    print: PrintSettings = Field(default_factory=PrintSettings, description="Card and handout settings.")

    _url = field_validator("site_url")(classmethod(lambda cls, v: _check_web_url(v)))

    @field_validator("red_flags", mode="before")
    @classmethod
    def _plain_list_is_one_group(cls, value: Any) -> Any:
        """Read a plain list of signs (the older form) as one group with no urgency."""
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            return [{"signs": value}]
        return value

    def red_flag_action(self, group: RedFlagGroup) -> str:
        """Return what a red-flag group tells the reader to do."""
        if group.action:
            return group.action
        number = self.emergency_number or gettext("your local emergency number")
        return {
            "emergency": gettext("Stop and call {number} now. Or go straight to an emergency department.").format(
                number=number),
            "soon": gettext("Stop these stretches and see a doctor within a day or two."),
            None: gettext("Stop stretching and get medical advice soon."),
        }[group.urgency]

    def red_flag_title(self, group: RedFlagGroup) -> str:
        """Return the heading of a red-flag group."""
        return gettext(URGENCY_TITLES[group.urgency])


class HoldRange(Strict):
    """A hold time range in seconds."""

    min: int = Field(ge=5, le=180, description="Shortest hold in seconds (5-180).")
    max: int = Field(ge=5, le=180, description="Longest hold in seconds (5-180), at least `min`.")

    @field_validator("max")
    @classmethod
    def _max_not_below_min(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("min")
        if low is not None and value < low:
            raise ValueError(f"must be at least min ({low}), got {value}; swap the two values: "
                             f"`{{min: {value}, max: {low}}}`")
        return value


class RepRange(Strict):
    """A repetition range."""

    min: int = Field(ge=1, le=50, description="Fewest repetitions (1-50).")
    max: int = Field(ge=1, le=50, description="Most repetitions (1-50), at least `min`.")

    _max_not_below_min = field_validator("max")(HoldRange._max_not_below_min.__func__)  # type: ignore[attr-defined]


Sides = Literal["each", "alternate", "none"]


class Dose(Strict):
    """How much: a hold or a number of repetitions, per side, in sets."""

    hold: HoldRange | None = Field(default=None, description="Hold time in seconds, written `{min: 15, max: 30}` "
                                   "(for `kind: hold`).")
    reps: RepRange | None = Field(default=None, description="Repetitions, written `{min: 10, max: 15}` (for "
                                  "`kind: reps`); with `sides: each` or `alternate`, per side.")
    hold_each: int | None = Field(default=None, ge=1, le=60, description="Seconds to hold each repetition, as in "
                                  "\"10 times, hold each for 5 s\" (for `kind: reps`).", examples=[5])
    sides: Sides = Field(
        default="none", description="`each`: do it on the left, then on the right; `alternate`: repetitions "
        "switch side each time (for `kind: reps`); `none`: one side only.")
    sets: int = Field(default=1, ge=1, le=10, description="How many times the whole dose is done (1-10).")
    rest: int | None = Field(default=None, ge=0, le=300, description="Rest in seconds between sides and sets.")
    tempo: int = Field(default=6, ge=1, le=30, description="Seconds one repetition takes, not counting "
                       "`hold_each` (for `kind: reps`).")
    frequency: TranslatedShortText | None = Field(default=None, description="How often.",
                                                  examples=["Once or twice a day"])
    times_a_day: int | None = Field(
        default=None, ge=1, le=3, description="How many times a day at most (1-3), for the tick log of a routine "
        "handout: it gives a box for each time of day (morning, evening; with 3, midday too). Optional; "
        "`frequency` stays the words the reader sees.", examples=[2])

    def seconds(self, kind: str) -> tuple[int, int]:
        """Return the (shortest, longest) time in seconds this dose takes, rests included."""
        bouts = self.sets * (2 if self.sides == "each" else 1)
        rest = (self.rest or 0) * (bouts - 1)
        if kind == "hold" and self.hold:
            return bouts * self.hold.min + rest, bouts * self.hold.max + rest
        if kind == "reps" and self.reps:
            each = (self.tempo + (self.hold_each or 0)) * (2 if self.sides == "alternate" else 1)
            return bouts * self.reps.min * each + rest, bouts * self.reps.max * each + rest
        return 0, 0

    def line(self, kind: str) -> str:
        """Return the dose at a glance, in the one notation used everywhere."""
        parts = []
        if kind == "hold" and self.hold:
            parts.append(gettext("Hold {seconds} s").format(seconds=span(self.hold.min, self.hold.max)))
        elif self.reps:
            parts.append(ngettext("{count} slow repetition", "{count} slow repetitions", self.reps.max).format(
                count=span(self.reps.min, self.reps.max)))
            if self.hold_each:
                parts.append(gettext("hold each {seconds} s").format(seconds=span(self.hold_each, self.hold_each)))
        if self.sides == "each":
            parts.append(gettext("each side"))
        elif self.sides == "alternate":
            parts.append(gettext("each side, alternating"))
        if self.sets > 1:
            parts.append(ngettext("{count} set", "{count} sets", self.sets).format(count=self.sets))
        if self.rest:
            parts.append(gettext("rest {seconds} s").format(seconds=span(self.rest, self.rest)))
        return " · ".join(parts)


class DoseOverride(Strict):
    """Part of a dose that a routine changes for one item; unset fields keep the stretch's value."""

    hold: HoldRange | None = Field(default=None, description="Hold time in seconds, written `{min: 15, max: 30}`.")
    reps: RepRange | None = Field(default=None, description="Repetitions, written `{min: 10, max: 15}`.")
    hold_each: int | None = Field(default=None, ge=1, le=60, description="Seconds to hold each repetition.")
    sides: Sides | None = Field(default=None, description="`each`, `alternate` or `none`.")
    sets: int | None = Field(default=None, ge=1, le=10, description="How many times the whole dose is done.")
    rest: int | None = Field(default=None, ge=0, le=300, description="Rest in seconds between sides and sets "
                             "(the rest between stretches is the routine's `rest_between_items`).")
    tempo: int | None = Field(default=None, ge=1, le=30, description="Seconds one repetition takes.")
    frequency: TranslatedShortText | None = Field(default=None, description="How often.")
    times_a_day: int | None = Field(default=None, ge=1, le=3, description="How many times a day at most (1-3): "
                                    "one tick box for each in the handout's log.")

    def apply(self, dose: Dose) -> Dose:
        """Return `dose` with this override's set fields replacing its own."""
        # Why not model_copy(update=...): it would put the dumped dicts of `hold` and `reps` in
        # place of their models. Copy the set fields as they are, models included.
        update = {name: getattr(self, name) for name in self.model_fields_set if getattr(self, name) is not None}
        return dose.model_copy(update=update)


class Safety(Strict):
    """When to stop, and who should not do the stretch."""

    stop_if: Annotated[list[Text], Field(min_length=1), TRANSLATE] = Field(
        description="Stop straight away if any of these happens."
    )
    avoid_if: TranslatedList = Field(default_factory=list,
                                     description="Do not do this stretch if any of these applies.")
    precautions: list[Precaution] = Field(
        default_factory=list,
        description="Common precautions, each shown under \"Take care if\" in one fixed wording on every "
        "stretch that lists it (the wording is kept in stretchguide/vocab.py, so it cannot drift).",
        examples=[["osteoporosis", "recent-surgery"]])

    @field_validator("precautions")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        twice = sorted({word for word in value if value.count(word) > 1})
        if twice:
            raise ValueError(f"`{twice[0]}` is listed more than once; list each precaution once")
        return value

    def precaution_texts(self) -> list[str]:
        """Return the words of each precaution, in the order listed."""
        return [gettext(PRECAUTION_TEXT[word]) for word in self.precautions]


class Review(Strict):
    """Who signed off on the stretch's accuracy, and when."""

    by: ShortText = Field(description="Name of the reviewer.", examples=["A. Patel"])
    role: ShortText | None = Field(default=None, description="The reviewer's profession.",
                                   examples=["Physiotherapist"])
    registration: ShortText | None = Field(
        default=None, description="The reviewer's professional registration, so readers can check it.",
        examples=["HCPC PH123456"])
    on: date = Field(description="Date of the review (YYYY-MM-DD), not in the future.")

    def reviewer(self) -> str:
        """Return who reviewed: the name, then role and registration in brackets when given."""
        details = ", ".join(part for part in (self.role, self.registration) if part)
        return f"{self.by} ({details})" if details else self.by

    @field_validator("on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        today = date.today()
        if value > today:
            raise ValueError(f"review date {value.isoformat()} is in the future; "
                             "use the date the review took place")
        return value


class Frame(Strict):
    """One drawn position of a figure: a pose from the library, joint angles, or a pose with changes.

    Angles are in degrees of a side view facing `facing`; 0 everywhere is standing upright with the
    arms hanging. `torso` is the lean of the pelvis-to-shoulders line from vertical (90: level,
    head forward); every other joint bends one segment relative to the one before it, positive
    in the body's usual direction of bending (see docs/manual/figures.md).
    """

    JOINTS: ClassVar[tuple[str, ...]] = (
        "torso", "back", "neck", "pelvis_roll",
        "near_hip", "near_knee", "near_ankle", "near_shoulder", "near_elbow",
        "far_hip", "far_knee", "far_ankle", "far_shoulder", "far_elbow",
        "near_hip_out", "far_hip_out", "near_hip_turn", "far_hip_turn", "near_shoulder_out", "far_shoulder_out",
    )

    pose: str | None = Field(default=None, description="Name of a pose in `content/poses/` (the file name "
                             "without `.yml`).", examples=["hands-and-knees"])
    joints: dict[str, float] | None = Field(
        default=None,
        description="Joint angles in degrees; with `pose`, they change only the joints named here.",
        examples=[{"torso": 90, "back": 30, "neck": 35}],
        json_schema_extra={"propertyNames": {"enum": list(JOINTS)}},
    )
    label: TranslatedShortText | None = Field(default=None, description="Caption under the frame (for moves "
                                              "with several positions).", examples=["Cat"])
    facing: Literal["right", "left"] = Field(
        default="right", description="Which way the body faces; facing right, the near side "
        "is the right side (the side a reader of the side view sees).")
    offset: float = Field(default=0, ge=-250, le=250, description="Horizontal shift of the pelvis in cm "
                          "(positive: right); for the helper, measured from the partner's pelvis.")
    pelvis_height: float | None = Field(
        default=None, ge=-50, le=250,
        description="Height of the pelvis above the floor in cm; when left out, the body is lowered "
        "until its lowest point rests on the floor.")
    view: Literal["side", "top", "front", "feet"] = Field(
        default="side", description="Where the frame is seen from: `side` (the usual view), `top` "
        "(from above), `front` (from in front of an upright body, for a position the side view cannot show, "
        "such as pigeon's shin across in front of the hips) or `feet` (the same view of a body lying down, "
        "from its feet, for a knee turned out to the side, such as the figure-four's crossed leg).")
    side: Literal["left", "right"] | None = Field(
        default=None, description="The side the steps work in this position (\"left knee down\"); the check "
        "makes sure the pose agrees. Overrides the figure's `side`.")

    @model_validator(mode="after")
    def _one_source(self) -> Frame:
        if self.pose is None and self.joints is None:
            raise ValueError("give `pose` (a pose name), `joints` (angles), or both (a pose with changes)")
        return self


class HelperFrame(Frame):
    """The helper's position: a frame drawn lighter, beside the partner."""

    beside: Literal["near", "far"] = Field(
        default="near", description="Which side of the partner the helper is on. `near` (the default): in line "
        "with the partner or on the reader's side, placed along the floor by `offset`; a hand that reaches the "
        "partner meets their outline. `far`: beside the partner on the side away from the reader (\"kneel beside "
        "them\"), placed by `offset` from the partner's pelvis and drawn behind them, so the partner hides what of "
        "the helper lies behind their body; a hand may rest on the partner's far side, hidden behind their outline, "
        "its fingertips within 6 cm of their edge.")


PropKind = Literal["cushion", "block", "step", "chair", "towel-roll", "wall", "rail", "strap"]
StrapEnd = Literal["near_hand", "far_hand", "near_foot", "far_foot"]


class Prop(Strict):
    """A prop drawn with the figure: something to rest on (cushion, block, step, chair, towel roll, rail), a wall,
    a strap."""

    kind: PropKind = Field(description="What it is. A cushion (9 cm), block (12 cm), step (18 cm), chair seat "
                           "(45 cm), towel roll (12 cm) or rail (90 cm, for the hands) is something a part can rest "
                           "on; a wall stands upright; a "
                           "strap runs between two body points.", examples=["cushion"])
    at: float = Field(default=0, ge=-250, le=250, description="Where its middle stands, in cm in front of the "
                      "partner's pelvis (negative: behind); 0 puts it under the pelvis. Not used by a strap.")
    between: Annotated[list[StrapEnd], Field(min_length=2, max_length=2)] | None = Field(
        default=None, description="For a strap: the two body points it runs between.",
        examples=[["near_hand", "near_foot"]])

    @model_validator(mode="after")
    def _strap_ends(self) -> Prop:
        if (self.kind == "strap") != (self.between is not None):
            raise ValueError("a strap needs `between` (two body points, such as [near_hand, near_foot]), "
                             "and only a strap takes it")
        return self


class Credit(Strict):
    """Who made a figure or image, where it comes from and under which licence."""

    title: ShortText | None = Field(default=None, description="Title of the work.",
                                    examples=["Kneeling hip flexor stretch"])
    author: ShortText = Field(description="Who made it: a person, a studio or the clinic.",
                              examples=["Jane Doe"])
    source: str | None = Field(default=None, description="Address where the original can be found (http or "
                               "https).", examples=["https://example.org/drawings/hip-flexor"])
    licence: ShortText = Field(description="Licence it is used under, or \"used with permission\".",
                               examples=["CC BY 4.0"])

    _url = field_validator("source")(classmethod(lambda cls, v: _check_web_url(v)))


#: Who draws a figure that carries no `credit`: the guide itself, from its pose data.
DRAWN_BY_GUIDE = "Drawn by the guide from pose data"
#: The typeface of every output, and its licence (theme/fonts/OFL.txt).
FONT_CREDIT = Credit(title="Atkinson Hyperlegible (typeface)", author="Braille Institute of America",
                     source="https://www.brailleinstitute.org/freefont/",
                     licence="SIL Open Font License 1.1")


class Figure(Strict):
    """The illustration of a stretch, drawn from pose data."""

    frames: Annotated[list[Frame], Field(min_length=1, max_length=4)] = Field(
        description="Positions to draw side by side, in order (cat-cow: the cat, then the cow).")
    helper: HelperFrame | None = Field(default=None, description="The helper, drawn lighter as a second "
                                       "figure in every side view; place it with `offset` and `beside`.")
    highlight: list[TargetArea] | None = Field(default=None, description="Areas to highlight; defaults to "
                                               "the target areas.")
    mat: bool = Field(default=True, description="Draw an exercise mat under the figure.")
    side: Literal["left", "right"] | None = Field(
        default=None, description="The side the steps work, shown in every frame: the kneeling knee of a "
        "half-kneeling stretch, the front shin of pigeon, the crossed leg of the figure-four. The check makes "
        "sure the pose agrees.")
    show_helper: bool = Field(default=True, description="Draw the `helper`; set false to leave the helper out "
                              "of the picture and keep its pose.")
    props: list[Prop] = Field(default_factory=list, description="Props drawn in every side view; the body rests "
                              "on a prop's top as on the floor.", examples=[[{"kind": "cushion", "at": 0}]])
    alt: TranslatedText | None = Field(default=None, description="Alt text; generated from the pose when left out.")
    credit: Credit | None = Field(
        default=None, description="Who made the figure, where it comes from and its licence; when left out, "
        "the figure is credited as drawn by the guide from pose data, under the guide's `licence`.")

    @property
    def drawn_helper(self) -> HelperFrame | None:
        """The helper as drawn: None when there is none or `show_helper` is false."""
        return self.helper if self.show_helper else None


Kind = Literal["hold", "reps"]


class Alternative(Strict):
    """Another stretch of the guide to do instead of this one, and when."""

    stretch: str = Field(pattern=ID_PATTERN, description="Id of the other stretch (its file name without "
                         "`.yml`).", examples=["figure-four"])
    when: TranslatedShortText = Field(description="When to choose it: the end of the sentence \"Do the <other "
                                      "stretch> instead ...\".",
                                      examples=["if your knees or hips object to this position"])


class Stretch(Strict):
    """One stretch: `content/stretches/<id>.yml`, where the file's stem is its id."""

    id: str = Field(pattern=ID_PATTERN, description="Set from the file name; do not write it in the file.")
    title: TranslatedShortText = Field(description="Name of the stretch.", examples=["Child's pose"])
    other_names: Annotated[list[ShortText], TRANSLATE] = Field(default_factory=list,
                                                               description="Other names people know it by.")
    summary: TranslatedText = Field(description="One or two sentences: what it does and for whom.")
    target_areas: Annotated[list[TargetArea], Field(min_length=1)] = Field(description="Body areas it stretches.")
    position: Position = Field(description="Starting position.")
    difficulty: Difficulty = Field(default="gentle", description="How demanding it is.")
    kind: Kind = Field(description="`hold`: a static hold; `reps`: a slow repeated movement.")
    dose: Dose = Field(description="How long or how many, per side, in sets.")
    equipment: Annotated[list[ShortText], TRANSLATE] = Field(
        default_factory=list, description="What is needed, such as a mat or cushion.")
    setup: TranslatedSteps = Field(description="Getting into the starting position, step by step.")
    steps: TranslatedSteps = Field(description="The movement, step by step.")
    helper_cues: TranslatedSteps = Field(description="What the helping partner does and says.")
    feel: TranslatedSteps = Field(description="Where the stretch should be felt.")
    easier: TranslatedList = Field(default_factory=list, description="Gentler variations.")
    harder: TranslatedList = Field(default_factory=list, description="More demanding variations.")
    alternative: Alternative | None = Field(
        default=None, description="Another stretch of the guide to do instead, such as a gentler one; "
        "shown as a link on the page, the card and the embed.")
    safety: Safety = Field(description="When to stop, and who should avoid it.")
    figure: Figure | None = Field(default=None, description="Pose data the illustration is drawn from.")
    sources: list[Source] = Field(default_factory=list, description="References.")
    review: Review | None = Field(default=None, description="Medical review record.")

    @field_validator("dose")
    @classmethod
    def _dose_matches_kind(cls, dose: Dose, info: ValidationInfo) -> Dose:
        kind = info.data.get("kind")
        if kind == "hold" and dose.hold is None:
            raise ValueError("a `kind: hold` stretch needs `hold: {min: 15, max: 30}` (seconds) here"
                             + ("; `reps` is for `kind: reps`, so write the hold instead" if dose.reps else ""))
        if kind == "reps" and dose.reps is None:
            raise ValueError("a `kind: reps` stretch needs `reps: {min: 10, max: 15}` here"
                             + ("; `hold` is for `kind: hold` (to hold each repetition, write `hold_each: 5`)"
                                if dose.hold else ""))
        return dose

    def dose_line(self) -> str:
        """Return the dose at a glance."""
        return self.dose.line(self.kind)


class RoutineItem(Strict):
    """One stretch in a routine."""

    stretch: str = Field(pattern=ID_PATTERN, description="Id of the stretch (its file name without `.yml`).")
    dose: DoseOverride | None = Field(default=None, description="Changes to the stretch's dose for this routine.")
    note: TranslatedText | None = Field(default=None, description="A note for this step of the routine.")


class Routine(Strict):
    """An ordered set of stretches: `content/routines/<id>.yml`."""

    id: str = Field(pattern=ID_PATTERN, description="Set from the file name; do not write it in the file.")
    title: TranslatedShortText = Field(description="Name of the routine.")
    summary: TranslatedText = Field(description="What the routine is for.")
    items: Annotated[list[RoutineItem], Field(min_length=1, max_length=40)] = Field(description="Stretches in order.")
    rest_between_items: int = Field(
        default=TRANSITION_SECONDS, ge=0, le=300,
        description=f"Seconds to rest and change position between two stretches (default {TRANSITION_SECONDS}); "
        "counted in the routine's time.", examples=[30])


@dataclasses.dataclass(frozen=True)
class Step:
    """A routine item resolved against the library."""

    stretch: Stretch
    dose: Dose
    note: str | None

    def dose_line(self) -> str:
        """Return this step's dose at a glance."""
        return self.dose.line(self.stretch.kind)


@dataclasses.dataclass(frozen=True)
class Credited:
    """One entry of a credits list: what it is (a stretch's figure, the typeface) and its credit."""

    what: str
    credit: Credit
    stretch_id: str | None  # the stretch whose figure it is
    name: str = ""  # what it is, in a list of the same kind: the stretch's title

    def as_data(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        return {"what": self.what, "name": self.name, "stretch": self.stretch_id,
                **self.credit.model_dump(mode="json")}


#: The most stretches a booklet of the whole guide is made for. Why: each stretch takes two to three
#: A5 pages, and a booklet folded and stapled through its spine holds about 80 pages; a larger
#: library's booklet could be neither stapled nor read, and would cost minutes on every build.
BOOKLET_MAX_STRETCHES = 24


@dataclasses.dataclass(frozen=True)
class Library:
    """The whole validated content: what every renderer receives."""

    content_dir: Path
    guide: Guide
    stretches: dict[str, Stretch]
    routines: dict[str, Routine]
    poses: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)
    source_paths: dict[str, Path] = dataclasses.field(default_factory=dict)
    #: BCP 47 tag of this library's text; "" means `guide.language`, the default language.
    language: str = ""
    #: Parts shown in the default language for want of a translation: "guide", "stretch:<id>", "routine:<id>".
    untranslated: frozenset[str] = frozenset()
    #: Validated translations by language tag (see stretchguide/translations.py); `localise()` reads them.
    translations: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def text_language(self) -> str:
        """Return the BCP 47 tag of the text this library holds."""
        return self.language or self.guide.language

    @property
    def has_booklet(self) -> bool:
        """Whether the build makes a booklet of the whole guide: only of a library it can be stapled for."""
        return len(self.stretches) <= BOOKLET_MAX_STRETCHES

    def credits(self, stretch_ids: Sequence[str] | None = None) -> list[Credited]:
        """Return the credits of the figures of `stretch_ids` (all stretches by title when None), then the typeface."""
        ids = list(dict.fromkeys(stretch_ids)) if stretch_ids is not None else sorted(
            self.stretches, key=lambda sid: (self.stretches[sid].title.casefold(), sid))
        out = []
        for stretch_id in ids:
            stretch = self.stretches[stretch_id]
            if stretch.figure is None:
                continue
            credit = stretch.figure.credit or Credit(author=DRAWN_BY_GUIDE, licence=self.guide.licence)
            out.append(Credited(gettext("Figure: {title}").format(title=stretch.title), credit, stretch_id,
                                stretch.title))
        out.append(Credited(gettext("Typeface"), FONT_CREDIT, None, gettext("Typeface")))
        return out

    def steps(self, routine: Routine) -> list[Step]:
        """Resolve a routine's items into stretches with their effective doses."""
        out = []
        for item in routine.items:
            stretch = self.stretches[item.stretch]
            dose = item.dose.apply(stretch.dose) if item.dose else stretch.dose
            out.append(Step(stretch, dose, item.note))
        return out

    def routine_seconds(self, routine: Routine) -> tuple[int, int]:
        """Return the (shortest, longest) total time of a routine, transitions included."""
        steps = self.steps(routine)
        low = sum(s.dose.seconds(s.stretch.kind)[0] for s in steps)
        high = sum(s.dose.seconds(s.stretch.kind)[1] for s in steps)
        moves = routine.rest_between_items * max(len(steps) - 1, 0)
        return low + moves, high + moves


def format_minutes(seconds: tuple[int, int]) -> str:
    """Format a time range as whole minutes, rounding up: "about 6–9 min"."""
    low, high = (max(1, math.ceil(s / 60)) for s in seconds)
    return gettext("about {minutes} min").format(minutes=span(low, high))


def iso_duration(seconds: int) -> str:
    """Format seconds as an ISO 8601 duration (schema.org `totalTime`)."""
    minutes, secs = divmod(seconds, 60)
    return f"PT{minutes}M{secs}S" if secs else f"PT{minutes}M"


@dataclasses.dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for; every renderer reads these."""

    content_dir: Path
    out_dir: Path
    theme_dir: Path
    docs_dir: Path
    mkdocs_config: Path
    strict: bool = False
    verbosity: int = 1
    card_size: str | None = None
    site_url: str | None = None
    jobs: int = 0
    cache_dir: Path | None = None
    theme_overrides: Path | None = None  # a clinic's --theme folder, laid over theme_dir
    draft: bool = False  # build placeholder text anyway, marking every output "Draft: not for patients"
    engine: str = "mkdocs"  # what builds the site from the generated pages: mkdocs or zensical
    incremental: bool = False  # the live preview: the site engine renders only pages that changed


@dataclasses.dataclass(frozen=True)
class Art:
    """A drawn figure: standalone SVG markup and the words that describe it."""

    svg: str
    alt: str
    frames: tuple[str, ...] = ()  # one SVG per frame of a figure with several, drawn to one scale


@dataclasses.dataclass(frozen=True)
class RenderContext:
    """Everything a renderer receives: the library, its figures, the options and the templates."""

    library: Library
    figures: dict[str, Art]
    options: BuildOptions
    env: Any  # the shared jinja2.Environment from templates.make_env()
    #: The language of these outputs when it is not the guide's own ("" for the default language,
    #: whose outputs sit at the root); another language's outputs sit under `<language>/`.
    language: str = ""
    #: Every language of the guide, the default first (empty: the guide's language only).
    languages: tuple[str, ...] = ()

    @property
    def lang(self) -> str:
        """The BCP 47 tag of these outputs' language."""
        return self.language or self.library.guide.language

    @property
    def prefix(self) -> str:
        """Where this language's outputs sit inside the output folder: "" or "<language>/"."""
        return f"{self.language}/" if self.language else ""

    @property
    def source_lang(self) -> str:
        """The BCP 47 tag of the default language, which untranslated text is in."""
        return self.languages[0] if self.languages else self.library.guide.language

    def untranslated(self, kind: str, item_id: str = "") -> bool:
        """Whether a part ("guide", "stretch", "routine") is shown in the default language for want of
        a translation; never in the default language's own outputs."""
        return bool(self.language) and (f"{kind}:{item_id}" if item_id else kind) in self.library.untranslated

    def tree_url(self, language: str) -> str:
        """Return the site-relative folder of a language's outputs ("" for the default language)."""
        default = self.languages[0] if self.languages else self.library.guide.language
        return "" if language == default else f"{language}/"

    @property
    def site_url(self) -> str | None:
        """The public address of the guide, with a trailing slash, if known."""
        url = self.options.site_url or self.library.guide.site_url
        return (url.rstrip("/") + "/") if url else None

    @property
    def epoch(self) -> int:
        """The build's timestamp: SOURCE_DATE_EPOCH when set, else derived from the content.

        Why: two builds of the same content must give the same bytes, so no output may
        carry the wall-clock time.
        """
        env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if env.isdigit():
            return int(env)
        reviewed = [s.review.on for s in self.library.stretches.values() if s.review]
        latest = max(reviewed, default=date(2024, 1, 1))
        return int(datetime.datetime(latest.year, latest.month, latest.day, tzinfo=datetime.UTC).timestamp())

    @property
    def card_size(self) -> str:
        """The card size in force: the command line's, else the guide's."""
        return self.options.card_size or self.library.guide.print.card_size

    def url(self, kind: str, item_id: str = "") -> str:
        """Return the site-relative path of an output; every renderer links through this.

        kinds: stretch, routine (pages), before (the "Before you start" page), embed, oembed, card (PDF), handout-a4,
        handout-letter, api-stretch, api-routine; deck, deck-large-print (no id);
        sheets, sheets-fold, calibration (id: "a4" or "letter"); booklet (id: "a5" or "half-letter"), booklet-saddle
        (id: "a4" or "letter": the booklet imposed on those sheets); credits (the credits page); print-shop
        (id: the card size).
        """
        return {
            "home": "",
            "stretch": f"stretches/{item_id}/",
            "before": "before-you-start/",
            "routine": f"routines/{item_id}/",
            "embed": f"embed/{item_id}/",
            "oembed": f"embed/{item_id}/oembed.json",
            "card": f"cards/{item_id}.pdf",
            "handout-a4": f"cards/routine-{item_id}-a4.pdf",
            "handout-letter": f"cards/routine-{item_id}-letter.pdf",
            "deck": "cards/stretch-cards.pdf",
            "deck-large-print": "cards/stretch-cards-large-print.pdf",
            "print-shop": f"cards/print-shop-{item_id}.pdf",
            "sheets": f"cards/sheets-{item_id}.pdf",
            "sheets-fold": f"cards/sheets-{item_id}-fold.pdf",
            "calibration": f"cards/calibration-{item_id}.pdf",
            "booklet": f"booklet/booklet-{item_id}.pdf",
            "booklet-saddle": f"booklet/booklet-saddle-stitch-{item_id}.pdf",
            "credits": "credits/",
            "api-stretch": f"api/stretches/{item_id}.json",
            "api-routine": f"api/routines/{item_id}.json",
        }[kind]

    def absolute_url(self, kind: str, item_id: str = "") -> str | None:
        """Return the public address of an output, or None when the guide has no site URL."""
        return self.site_url + self.prefix + self.url(kind, item_id) if self.site_url else None

    def root_url(self, kind: str, item_id: str = "") -> str:
        """Return the path of an output from the output folder's root, this language's folder included."""
        return self.prefix + self.url(kind, item_id)
