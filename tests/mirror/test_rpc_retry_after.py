"""Reading a Retry-After header: delay-seconds or an HTTP date (RFC 9110, 10.2.3)."""

from __future__ import annotations

import pytest

from offchain.chain.rpc import retry_after_seconds

NOW = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),
        ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0),  # already past: ask again now
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
    ],
)
def test_retry_after_is_read_as_seconds_to_wait(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds
