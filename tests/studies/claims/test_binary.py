"""The SSE-binary claim: its rule on synthetic figures, its measurement in quick mode."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import binary
from tests.studies.claims.helpers import measured


def binary_figures(**changes: float) -> dict[str, float]:
    figures: dict[str, float] = {"raw_sse_intact": 0.0, "raw_sse_tries": 9.0}
    for size, (sse, text) in zip(
        binary.BINARY_SIZES, [(3.2, 2.7), (1.45, 1.42), (1.34, 1.34)], strict=True
    ):
        figures |= {
            f"sse_per_byte_{size}": sse,
            f"ws_text_per_byte_{size}": text,
            f"ws_binary_per_byte_{size}": 1.0,
        }
    return figures | changes


def test_sse_binary_holds_when_raw_bytes_break_and_encoding_costs_4_3() -> None:
    verdict, evidence = binary.rule_sse_binary(binary_figures())
    assert verdict == "holds"
    assert "1.34" in evidence and "base64 alone is 1.33" in evidence


@pytest.mark.parametrize(
    "changes", [{"raw_sse_intact": 0.5}, {"sse_per_byte_16384": 1.01}], ids=["raw", "cheap"]
)
def test_sse_binary_does_not_hold_if_binary_survives_or_costs_less(
    changes: dict[str, float],
) -> None:
    assert binary.rule_sse_binary(binary_figures(**changes))[0] == "does not hold"


def test_sse_binary_figures() -> None:
    result = measured("sse_binary")
    f = result.measured
    assert all(f[f"sse_per_byte_{s}"] >= 1.33 for s in binary.BINARY_SIZES)
    assert 1.0 <= f["ws_binary_per_byte_16384"] < 1.01
    assert f["raw_sse_intact"] == 0
    assert result.verdict == "holds"
