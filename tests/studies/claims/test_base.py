"""The helpers every claim's rule shares."""

from __future__ import annotations

import math

from rtlab.studies.claims import base


def test_numbers_read_well_in_evidence() -> None:
    assert [base.num(v) for v in (553.2, 31.56, 1.45, 0.2, 2.001, 3.0, 16384.0, math.nan)] == [
        "553",
        "31.6",
        "1.45",
        "0.2",
        "2",
        "3",
        "16,384",
        "never",
    ]
