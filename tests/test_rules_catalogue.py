"""The rules catalogue: complete, sourced, and selected by position and situation."""

from __future__ import annotations

import json

import pytest

from sarwatch.errors import DataError, InputError
from sarwatch.rules import RuleContext, load_rules, select_rules


def _ctx(**kw: object) -> RuleContext:
    base: dict[str, object] = {
        "lon": 14.0,
        "lat": 34.5,
        "on_land": False,
        "distance_to_coast_nm": 60.0,
        "nearest_coast_state": "LY",
        "srr": ("MT",),
    }
    base.update(kw)
    return RuleContext(**base)  # type: ignore[arg-type]


def _ids(ctx: RuleContext) -> list[str]:
    return [s.rule.rule_id for s in select_rules(ctx)]


def test_every_rule_has_a_source_a_date_and_a_summary() -> None:
    rules = load_rules()
    assert {r.rule_id for r in rules} >= {
        "unclos-98-1",
        "solas-v-33-1",
        "sar-3-1-9",
        "msc-167-6-12",
        "msc-167-6-13",
        "it-coc-2017-libyan-tw",
        "it-dl-1-2023-ports",
    }
    for r in rules:
        assert r.source and r.summary and r.provision
        assert r.date[:4].isdigit() and 1970 <= int(r.date[:4]) <= 2026


def test_core_duties_apply_at_sea_everywhere() -> None:
    ids = _ids(_ctx())
    for rule_id in ("unclos-98-1", "solas-v-33-1", "sar-3-1-9", "msc-167-6-12"):
        assert rule_id in ids


def test_code_of_conduct_point_on_libyan_waters_only_near_libya() -> None:
    near_libya = _ctx(distance_to_coast_nm=8.0, nearest_coast_state="LY", srr=("LY",))
    assert "it-coc-2017-libyan-tw" in _ids(near_libya)
    why = next(s.why for s in select_rules(near_libya) if s.rule.rule_id == "it-coc-2017-libyan-tw")
    assert "LY, 8.0 nm" in why
    assert "it-coc-2017-libyan-tw" not in _ids(_ctx(distance_to_coast_nm=30.0))
    assert "it-coc-2017-libyan-tw" not in _ids(
        _ctx(distance_to_coast_nm=5.0, nearest_coast_state="MT")
    )
    # The Code binds NGOs that signed it, not merchant ships.
    assert "it-coc-2017-libyan-tw" not in _ids(
        _ctx(distance_to_coast_nm=8.0, nearest_coast_state="LY", vessel="merchant")
    )


def test_situation_selects_rules() -> None:
    alert = _ids(_ctx(situation="distress_alert"))
    rescued = _ids(_ctx(situation="rescue_completed"))
    assert "solas-v-33-1" in alert and "solas-v-33-1" not in rescued
    assert "msc-167-6-13" in rescued and "msc-167-6-13" not in alert


def test_italian_decree_concerns_ngo_ships_only() -> None:
    assert "it-dl-1-2023-ports" in _ids(_ctx(vessel="ngo"))
    assert "it-dl-1-2023-ports" not in _ids(_ctx(vessel="merchant"))


def test_sea_duties_are_not_selected_on_land() -> None:
    ids = _ids(_ctx(on_land=True, distance_to_coast_nm=2.0))
    assert "unclos-98-1" not in ids
    assert "msc-167-6-12" in ids


def test_gulf_of_sirte_claim_is_mentioned_inside_the_gulf_only() -> None:
    assert "ly-gulf-of-sirte-claim" in _ids(_ctx(lon=18.5, lat=31.5))
    assert "ly-gulf-of-sirte-claim" not in _ids(_ctx(lon=18.5, lat=33.0))


def test_a_catalogue_with_an_unknown_condition_is_refused() -> None:
    bad = {
        "rules": [
            {
                "id": "x",
                "title": "t",
                "instrument": "i",
                "provision": "p",
                "summary": "s",
                "source": "src",
                "date": "2020",
                "applies_when": {"at_seaa": True},
            }
        ]
    }
    with pytest.raises(DataError, match="unknown condition"):
        load_rules(json.dumps(bad))
    del bad["rules"][0]["source"]
    bad["rules"][0]["applies_when"] = {}
    with pytest.raises(DataError, match="lacks the field 'source'"):
        load_rules(json.dumps(bad))


def test_unknown_situation_or_vessel_is_an_input_error() -> None:
    with pytest.raises(InputError, match="situation must be one of"):
        _ctx(situation="panic")
    with pytest.raises(InputError, match="vessel must be one of"):
        _ctx(vessel="submarine")


def test_italian_national_rules_are_not_selected_outside_the_central_mediterranean() -> None:
    # Off Málaga (no packaged SAR region) an NGO ship is not under Italy's Code of Conduct
    # or Decree-Law 1/2023's port rules; in Malta's SAR region south of Lampedusa it is.
    off_malaga = _ctx(lon=-4.4, lat=36.5, srr=(), nearest_coast_state="", distance_to_coast_nm=8.0)
    ids = _ids(off_malaga)
    assert "it-coc-2017-conduct" not in ids and "it-dl-1-2023-ports" not in ids
    assert "unclos-98-1" in ids and "sar-3-1-9" in ids  # the duties hold everywhere
    ids = _ids(_ctx(lon=12.6, lat=35.2, srr=("MT",)))
    assert "it-coc-2017-conduct" in ids and "it-dl-1-2023-ports" in ids


def test_the_code_of_conduct_is_described_as_binding_its_signatories_only() -> None:
    rules = {r.rule_id: r for r in load_rules()}
    assert "signed" in rules["it-coc-2017-libyan-tw"].summary
    assert "signed" in rules["it-coc-2017-conduct"].note
