from __future__ import annotations

from appliance.mqtt import backoff_delay


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half():
    lo, hi = 1.0, 60.0
    assert [backoff_delay(n, lo, hi, lambda: 1.0) for n in range(8)] == [
        1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0,
    ]  # fmt: skip
    assert [backoff_delay(n, lo, hi, lambda: 0.0) for n in range(3)] == [0.5, 1.0, 2.0]
    assert backoff_delay(10_000, lo, hi, lambda: 0.5) == 45.0  # no overflow after days away
