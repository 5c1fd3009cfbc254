"""Amounts and durations as people type them."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from offchain.cli.units import parse_amount, parse_duration, show_amount, show_duration, show_time
from offchain.exceptions import InvalidValueError


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        ("1000", 1000),
        ("20gwei", 20 * 10**9),
        ("20 gwei", 20 * 10**9),
        ("1.5eth", 15 * 10**17),
        ("1.5 ETH", 15 * 10**17),
        ("2ether", 2 * 10**18),
        ("7wei", 7),
        ("0.000000001eth", 10**9),
    ],
)
def test_amounts_parse_to_wei(text, wei):
    assert parse_amount(text) == wei


@pytest.mark.parametrize("text", ["", "eth", "-1", "1.5", "1.5wei", "1e18", "12 apples", "0x10"])
def test_malformed_amounts_are_refused_with_the_expected_form(text):
    with pytest.raises(InvalidValueError, match="bad amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("3d", 259200), ("1w", 604800),
     ("1d12h", 129600)],
)  # fmt: skip
def test_durations_parse_to_seconds(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "5x", "h", "1.5h", "-3h", "2h 30m"])
def test_malformed_durations_are_refused(text):
    with pytest.raises(InvalidValueError, match="duration"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10**7))
@example(1)
@example(59)
@example(604800)
def test_any_whole_seconds_round_trip(seconds):
    assert parse_duration(str(seconds)) == seconds


@given(st.integers(min_value=0, max_value=10**30))
@example(10**18)
@example(10**12 - 1)
def test_shown_eth_amounts_parse_back_to_the_same_wei(wei):
    shown = show_amount(wei)
    if shown.endswith(" ETH"):
        assert parse_amount(shown.replace(" ", "")) == wei
    else:
        assert shown == f"{wei} wei"


def test_durations_show_their_two_largest_units():
    assert show_duration(90061) == "1d 1h"
    assert show_duration(0) == "0s"


def test_time_shows_iso_utc_and_dash_for_zero():
    assert show_time(0) == "-"
    assert show_time(1_700_000_000) == "2023-11-14 22:13:20Z"
