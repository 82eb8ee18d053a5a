"""One vocabulary: each unit, range, status code and enumeration is defined once, and
the places that must repeat one (a numba kernel, an API schema) are pinned to it."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sarwatch"


def test_the_kernel_status_codes_are_the_particle_state_codes() -> None:
    """The numba kernel keeps its own copies (compile-time constants): pinned here."""
    from sarwatch.drift import _kernel, state

    assert (_kernel._ACTIVE, _kernel._STRANDED, _kernel._OUT, _kernel._NOFORCE) == (
        state.ACTIVE,
        state.STRANDED,
        state.OUT_OF_DOMAIN,
        state.NO_FORCING,
    )
    assert _kernel._NOT_RELEASED == state.NOT_RELEASED
    assert sorted(state.STATUS_NAMES) == list(range(len(state.STATUS_NAMES)))


def _numbers(path: Path) -> list[tuple[int, str]]:
    """Numeric literals of a module's code (not its docstrings or comments)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.NUMBER]


def test_metres_per_nautical_mile_are_written_once() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        for line, number in _numbers(path)
        if number.replace("_", "").rstrip("0").rstrip(".") == "1852"
    ]
    assert found == ["geo/units.py:22"], f"use sarwatch.geo.units.M_PER_NM, not {found}"
    # the page's one copy, for its scale bar (the server gives every other distance in nm)
    js = [
        f"{p.name}: {line.strip()}"
        for p in sorted((SRC / "web" / "frontend" / "src").glob("*.js"))
        for line in p.read_text().splitlines()
        if "1852" in line
    ]
    assert js == ["common.js: export const M_PER_NM = 1852;"]


def test_knots_are_converted_with_the_one_constant() -> None:
    from sarwatch.adapters.forcing import KNOT_MS
    from sarwatch.geo.geodesy import M_PER_NM
    from sarwatch.geo.units import M_PER_NM as ONE
    from sarwatch.geo.units import MS_PER_KN
    from sarwatch.web.layers import NM_M

    assert M_PER_NM is ONE and NM_M is ONE
    assert KNOT_MS == MS_PER_KN == pytest.approx(0.514444, abs=1e-6)


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from sarwatch.settings import Settings
    from sarwatch.web.app import create_app

    home = tmp_path_factory.mktemp("vocabulary")
    return create_app(Settings(home_dir=home, database_url="memory://")).openapi()


def _schema(openapi: dict, name: str) -> dict:
    schema: dict = openapi["components"]["schemas"][name]
    return schema


def _bounds(prop: dict) -> tuple[float | None, float | None]:
    """``(minimum, maximum)`` of a property, through ``anyOf`` (optional numbers)."""
    for option in [prop, *prop.get("anyOf", [])]:
        if "maximum" in option:
            return option.get("minimum"), option["maximum"]
    return None, None


def test_every_api_takes_longitudes_in_one_range(openapi: dict) -> None:
    """One rule, -180 to 180 east (the drift API once took up to 360, the others 180)."""
    from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG

    lon = (LON_MIN_DEG, LON_MAX_DEG)
    lat = (LAT_MIN_DEG, LAT_MAX_DEG)
    for model, fields in {
        "DriftCreate": {"lon": lon, "lat": lat},
        "ScenarioIn": {"lon": lon, "lat": lat, "lon2": lon, "lat2": lat},
        "PositionIn": {"lon": lon, "lat": lat},
    }.items():
        props = _schema(openapi, model)["properties"]
        for field, expected in fields.items():
            assert _bounds(props[field]) == expected, f"{model}.{field}"
    params = {p["name"]: p["schema"] for p in openapi["paths"]["/api/assess"]["get"]["parameters"]}
    assert _bounds(params["lon"]) == lon and _bounds(params["lat"]) == lat


def test_the_drift_engine_refuses_what_the_api_refuses() -> None:
    import numpy as np

    from sarwatch.drift.seeding import seed_point
    from sarwatch.errors import InputError

    with pytest.raises(InputError, match="longitude -180 to 180 east"):
        seed_point(200.0, 33.0, 100.0, 10, np.random.default_rng(1))
    assert seed_point(180.0, 33.0, 0.0, 1, np.random.default_rng(1)) is not None


@pytest.mark.parametrize(
    ("model", "field", "enum"),
    [
        ("StatusIn", "to", "CaseStatus"),
        ("OutcomeIn", "kind", "OutcomeKind"),
        ("PositionIn", "kind", "PositionKind"),
        ("SourceIn", "verification", "Verification"),
    ],
)
def test_api_schemas_use_the_domain_enums(openapi: dict, model: str, field: str, enum: str) -> None:
    """The schema names the domain's enum (one definition), with exactly its values."""
    import sarwatch.domain as domain

    prop = _schema(openapi, model)["properties"][field]
    ref = prop.get("$ref") or prop["allOf"][0]["$ref"]
    assert ref == f"#/components/schemas/{enum}"
    values = _schema(openapi, enum)["enum"]
    assert values == [member.value for member in getattr(domain, enum)]


def test_attachment_kinds_are_the_services(openapi: dict) -> None:
    from sarwatch.services.case_writes import ATTACHMENT_KINDS

    prop = _schema(openapi, "AttachmentIn")["properties"]["kind"]
    assert tuple(prop["enum"]) == ATTACHMENT_KINDS
