"""The rules catalogue: duties and national rules as data, selected by position and situation.

The catalogue is the packaged ``data/rules.json``. Each rule carries its instrument,
provision, a summary in sarwatch's own words, its source and date, and an
``applies_when`` object whose conditions must all hold (an empty object: always).
Conditions are a closed vocabulary (see :data:`CONDITIONS`), validated on load, so a
typo in the data file is an error rather than a rule that silently never applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from sarwatch.errors import DataError, InputError

__all__ = [
    "CONDITIONS",
    "SITUATIONS",
    "VESSELS",
    "Rule",
    "RuleContext",
    "SelectedRule",
    "load_rules",
    "select_rules",
]

_DATA_FILE = "rules.json"

Situation = Literal["distress_alert", "rescue_completed"]
Vessel = Literal["ngo", "merchant", "state"]

#: Situations a rule can be selected for.
SITUATIONS: tuple[str, ...] = ("distress_alert", "rescue_completed")
#: Kinds of assisting vessel.
VESSELS: tuple[str, ...] = ("ngo", "merchant", "state")
#: The condition names a rule's ``applies_when`` may use.
CONDITIONS: tuple[str, ...] = (
    "at_sea",
    "vessel_in",
    "situation_in",
    "srr_any",
    "near_state",
    "inside_bbox",
)


@dataclass(frozen=True)
class Rule:
    """One duty or national rule, with where it comes from."""

    rule_id: str
    title: str
    instrument: str
    provision: str
    summary: str
    source: str
    date: str
    note: str
    applies_when: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleContext:
    """What the selection looks at.

    Attributes
    ----------
    lon, lat
        Position, degrees.
    on_land
        Whether the position is on land.
    distance_to_coast_nm
        Distance to the nearest coast, nautical miles.
    nearest_coast_state
        ISO alpha-2 code of the State whose coast is nearest.
    srr
        Ids of the SAR regions containing the position.
    situation
        ``distress_alert`` (default) or ``rescue_completed``.
    vessel
        Kind of assisting vessel: ``ngo`` (default), ``merchant`` or ``state``.
    """

    lon: float
    lat: float
    on_land: bool
    distance_to_coast_nm: float
    nearest_coast_state: str
    srr: tuple[str, ...]
    situation: str = "distress_alert"
    vessel: str = "ngo"

    def __post_init__(self) -> None:
        if self.situation not in SITUATIONS:
            raise InputError(
                f"situation must be one of {', '.join(SITUATIONS)}, got {self.situation!r}"
            )
        if self.vessel not in VESSELS:
            raise InputError(f"vessel must be one of {', '.join(VESSELS)}, got {self.vessel!r}")


@dataclass(frozen=True)
class SelectedRule:
    """A rule that applies, and why it was selected."""

    rule: Rule
    why: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready fields."""
        r = self.rule
        return {
            "id": r.rule_id,
            "title": r.title,
            "instrument": r.instrument,
            "provision": r.provision,
            "summary": r.summary,
            "source": r.source,
            "date": r.date,
            "note": r.note,
            "why": self.why,
        }


def _validate(rule: dict[str, Any]) -> Rule:
    when = rule.get("applies_when", {})
    unknown = set(when) - set(CONDITIONS)
    if unknown:
        raise DataError(
            f"rule {rule.get('id')!r} uses unknown condition(s) {sorted(unknown)}; "
            f"known: {', '.join(CONDITIONS)}"
        )
    for key in ("situation_in", "vessel_in"):
        allowed = SITUATIONS if key == "situation_in" else VESSELS
        bad = set(when.get(key, [])) - set(allowed)
        if bad:
            raise DataError(f"rule {rule.get('id')!r}: {key} has unknown values {sorted(bad)}")
    if "near_state" in when and not {"state", "within_nm"} <= set(when["near_state"]):
        raise DataError(f"rule {rule.get('id')!r}: near_state needs 'state' and 'within_nm'")
    if "inside_bbox" in when and len(when["inside_bbox"]) != 4:
        raise DataError(f"rule {rule.get('id')!r}: inside_bbox needs 4 numbers")
    try:
        return Rule(
            rule_id=rule["id"],
            title=rule["title"],
            instrument=rule["instrument"],
            provision=rule["provision"],
            summary=rule["summary"],
            source=rule["source"],
            date=rule["date"],
            note=rule.get("note", ""),
            applies_when=dict(when),
        )
    except KeyError as exc:
        raise DataError(f"rule {rule.get('id')!r} lacks the field {exc}") from exc


def load_rules(text: str | None = None) -> tuple[Rule, ...]:
    """The rules catalogue.

    Parameters
    ----------
    text
        JSON text of a catalogue; default: the packaged ``data/rules.json``.

    Raises
    ------
    DataError
        If the catalogue is unreadable, a rule lacks a field or uses an unknown condition.
    """
    if text is None:
        return _packaged_rules()
    return _parse(text)


@lru_cache(maxsize=1)
def _packaged_rules() -> tuple[Rule, ...]:
    try:
        text = resources.files("sarwatch.data").joinpath(_DATA_FILE).read_text("utf-8")
    except OSError as exc:
        raise DataError(f"the packaged rules file {_DATA_FILE} is missing ({exc})") from exc
    return _parse(text)


def _parse(text: str) -> tuple[Rule, ...]:
    try:
        rules = json.loads(text)["rules"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"the rules catalogue is not valid ({exc})") from exc
    parsed = tuple(_validate(r) for r in rules)
    ids = [r.rule_id for r in parsed]
    if len(set(ids)) != len(ids):
        raise DataError("the rules catalogue has duplicate ids")
    return parsed


def _reasons(rule: Rule, ctx: RuleContext) -> list[str] | None:
    """The reasons the rule applies in ``ctx``, or None if a condition fails."""
    when = rule.applies_when
    reasons: list[str] = []
    if when.get("at_sea"):
        if ctx.on_land:
            return None
        reasons.append("the position is at sea")
    if "vessel_in" in when:
        if ctx.vessel not in when["vessel_in"]:
            return None
        reasons.append(f"the assisting vessel is {ctx.vessel!r}")
    if "situation_in" in when:
        if ctx.situation not in when["situation_in"]:
            return None
        reasons.append(f"the situation is {ctx.situation!r}")
    if "srr_any" in when:
        hit = [s for s in ctx.srr if s in when["srr_any"]]
        if not hit:
            return None
        reasons.append(f"the position lies in SAR region(s) {', '.join(hit)}")
    if "near_state" in when:
        near = when["near_state"]
        if ctx.nearest_coast_state != near["state"] or ctx.distance_to_coast_nm > float(
            near["within_nm"]
        ):
            return None
        reasons.append(
            f"the nearest coast is {near['state']}, {ctx.distance_to_coast_nm:.1f} nm away "
            f"(within {near['within_nm']} nm)"
        )
    if "inside_bbox" in when:
        lon_min, lat_min, lon_max, lat_max = (float(v) for v in when["inside_bbox"])
        if not (lon_min <= ctx.lon <= lon_max and lat_min <= ctx.lat <= lat_max):
            return None
        reasons.append("the position lies in the area the rule concerns")
    return reasons


def select_rules(ctx: RuleContext, rules: tuple[Rule, ...] | None = None) -> list[SelectedRule]:
    """The rules that apply at a position in a situation, in catalogue order.

    Parameters
    ----------
    ctx
        Position facts and situation.
    rules
        Catalogue to select from; default the packaged one.

    Returns
    -------
    list of SelectedRule
        Each with a ``why`` sentence naming the conditions that selected it.
    """
    selected = []
    for rule in rules if rules is not None else load_rules():
        reasons = _reasons(rule, ctx)
        if reasons is None:
            continue
        why = "applies everywhere" if not reasons else "selected because " + "; ".join(reasons)
        selected.append(SelectedRule(rule=rule, why=why))
    return selected
