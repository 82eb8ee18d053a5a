"""Leeway categories, proxies and per-particle coefficient draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.drift.leeway import (
    _split_counts,
    draw_coefficients,
    leeway_categories,
    migrant_proxies,
    resolve_object,
)
from sarwatch.errors import InputError


def test_table_has_the_85_published_categories_with_a_source():
    cats = leeway_categories()
    assert len(cats) == 85
    assert [c.index for c in cats] == list(range(1, 86))
    nb2 = cats[26]
    assert (nb2.key, nb2.dwl_slope_pct, nb2.dwl_offset_cm_s, nb2.dwl_std_cm_s) == (
        "LIFE-RAFT-NB-2",
        5.34,
        9.91,
        9.82,
    )
    assert (nb2.cwr_slope_pct, nb2.cwl_slope_pct) == (2.26, -2.26)
    assert all("Allen" in c.source for c in cats)


def test_proxies_are_weighted_mixtures_of_published_classes():
    proxies = migrant_proxies()
    assert set(proxies) == {"migrant-rubber-boat", "migrant-wooden-boat", "migrant-fibreglass-boat"}
    keys = {c.key for c in leeway_categories()}
    for mix in proxies.values():
        assert sum(w for _, w in mix.members) == pytest.approx(1.0)
        assert len(mix.members) >= 2
        assert all(c.key in keys for c, _ in mix.members)


def test_resolve_object_by_key_number_and_proxy_and_a_helpful_error():
    assert resolve_object("life-raft-nb-2").members[0][0].index == 27
    assert resolve_object("27").key == "LIFE-RAFT-NB-2"
    assert resolve_object("migrant-rubber-boat").key == "migrant-rubber-boat"
    with pytest.raises(InputError, match=r"unknown object class 'dinghy'.*migrant-rubber-boat"):
        resolve_object("dinghy")


def test_draws_spread_particles_over_the_proxy_members_exactly():
    mix = resolve_object("migrant-fibreglass-boat")
    c = draw_coefficients(mix, 1000, np.random.default_rng(0))
    cats = leeway_categories()
    counts = {
        cats[i].key: int(k) for i, k in zip(*np.unique(c.category, return_counts=True), strict=True)
    }
    assert counts == {"SKIFF-1": 350, "SKIFF-2": 300, "SPORT-BOAT": 150, "SKIFF-3": 200}
    assert int((c.side == 0).sum()) == 500


def test_perturbed_coefficients_have_the_published_means_and_spread():
    n = 40_000
    c = draw_coefficients(resolve_object("LIFE-RAFT-NB-2"), n, np.random.default_rng(1))
    # downwind: slope (5.34 + e/20) %, offset (9.91 + e/2) cm/s with e ~ N(0, 9.82)
    assert c.dwl_slope.mean() * 100 == pytest.approx(5.34, abs=0.01)
    assert c.dwl_slope.std() * 100 == pytest.approx(9.82 / 20, rel=0.03)
    assert c.dwl_offset.mean() * 100 == pytest.approx(9.91, abs=0.15)
    assert c.dwl_offset.std() * 100 == pytest.approx(9.82 / 2, rel=0.03)
    # slope and offset perturbations are the same draw
    np.testing.assert_allclose(
        (c.dwl_slope * 100 - 5.34) * 20, (c.dwl_offset * 100 - 9.91) * 2, atol=1e-9
    )
    # the jibed orientation flips the sign of the table slope only: the perturbation
    # and the offset are kept (as the reference does)
    rows = np.arange(n)
    now, jibed = c.cwl_slope[rows, c.side], c.cwl_slope[rows, 1 - c.side]
    table = np.where(c.side == 0, 2.26, -2.26) / 100
    np.testing.assert_allclose(now + jibed, 2 * (now - table), atol=1e-12)
    np.testing.assert_allclose(jibed - now, -2 * table, atol=1e-12)
    np.testing.assert_array_equal(c.cwl_offset[:, 0], c.cwl_offset[:, 1])
    right = c.side == 0
    assert c.cwl_slope[right, 0].mean() * 100 == pytest.approx(2.26, abs=0.01)
    assert c.cwl_slope[~right, 1].mean() * 100 == pytest.approx(-2.26, abs=0.01)
    # the crosswind perturbation has the table's standard error: e/20 on the slope
    assert c.cwl_slope[right, 0].std() * 100 == pytest.approx(9.08 / 20, rel=0.03)


def test_downwind_slope_is_never_negative():
    c = draw_coefficients(
        resolve_object("PIW-1"), 20_000, np.random.default_rng(2)
    )  # std 12 vs 0.96
    assert (c.dwl_slope >= 0).all()


@settings(max_examples=50, deadline=None)
@given(
    weights=st.lists(st.floats(0.01, 10.0), min_size=1, max_size=6),
    n=st.integers(1, 10_000),
)
def test_split_counts_sum_to_n_and_stay_within_one_of_the_exact_share(weights, n):
    w = np.array(weights)
    counts = _split_counts(w, n)
    assert counts.sum() == n
    assert np.all(np.abs(counts - w / w.sum() * n) < 1.0 + 1e-9)
