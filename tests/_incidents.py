"""Strategies and helpers shared by the incident register tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from sarwatch.incidents import DRAFT_ID, Incident, IncidentSource, IncidentType, People

T0 = datetime(2018, 6, 19, 8, 0, tzinfo=UTC)

_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"
    ),
    max_size=30,
).map(str.strip)
_count = st.none() | st.integers(0, 2000)


@st.composite
def sources(draw: st.DrawFn) -> IncidentSource:
    name = draw(_text.filter(bool))
    return IncidentSource(
        name=name,
        quality=draw(st.integers(1, 5)),
        url=draw(
            st.none() | st.just("https://example.org/r/").map(lambda u: u + name[:3].encode().hex())
        ),
        reference=draw(st.none() | _text.filter(bool)),
    )


@st.composite
def incidents(draw: st.DrawFn, *, draft: bool = False, year: int | None = None) -> Incident:
    """Random valid reports (times on whole seconds, as exported)."""
    when = T0 + timedelta(seconds=draw(st.integers(-4 * 365 * 86400, 4 * 365 * 86400)))
    positioned = draw(st.booleans())
    lon = draw(st.floats(5, 27, allow_nan=False)) if positioned else None
    lat = draw(st.floats(29, 43, allow_nan=False)) if positioned else None
    place = draw(_text)
    if not positioned and not place:
        place = "off Zuwara"
    serial = draw(st.integers(1, 99999))
    incident_id = DRAFT_ID if draft else f"I-{when.year:04d}-{serial:05d}"
    return Incident(
        incident_id=incident_id,
        kind=draw(st.sampled_from(list(IncidentType))),
        time=when,
        time_precision=draw(st.sampled_from(["minute", "day", "month"])),
        lon=lon,
        lat=lat,
        place=place,
        country=draw(_text),
        route=draw(_text),
        people=People(*(draw(_count) for _ in range(6))),
        actors=tuple(draw(st.lists(_text.filter(bool), max_size=3))),
        sources=tuple(draw(st.lists(sources(), min_size=1, max_size=3))),
        case_id=draw(st.none() | st.just("2018-06-19-LY-001")),
        cause=draw(_text),
        note=draw(_text),
        external_ids=tuple(
            draw(
                st.lists(st.from_regex(r"x:[a-z0-9]{1,8}", fullmatch=True), max_size=2, unique=True)
            )
        ),
    )


def report(
    *,
    kind: str = "shipwreck",
    hours: float = 0.0,
    lon: float | None = 12.0,
    lat: float | None = 33.0,
    place: str = "",
    source: str = "IOM",
    quality: int = 5,
    external: tuple[str, ...] = (),
    **people: int,
) -> Incident:
    """A draft report near Zuwara at ``T0 + hours``."""
    return Incident(
        DRAFT_ID,
        kind,
        T0 + timedelta(hours=hours),
        (IncidentSource(source, quality),),
        lon=lon,
        lat=lat,
        place=place,
        people=People(**people),
        external_ids=external,
    )
