"""The SSE-binary claim: its rule on synthetic figures, its measurement in quick mode."""

from __future__ import annotations

from rtlab.studies.claims import binary
from tests.studies.claims.helpers import measured

# per size: SSE with base64, SSE with text of the same length (wire bytes per payload byte);
# base64 adds 7 % at 16 B (the framing dominates) and 31 % at 16 KiB
FRAMING_DOMINATES_SMALL = [(8.5, 7.9), (3.2, 2.7), (1.45, 1.12), (1.34, 1.02)]


def binary_figures(
    per_byte: list[tuple[float, float]] = FRAMING_DOMINATES_SMALL, **changes: float
) -> dict[str, float]:
    figures: dict[str, float] = {"raw_sse_intact": 0.0, "raw_sse_tries": 12.0}
    for size, (sse, plain) in zip(binary.BINARY_SIZES, per_byte, strict=True):
        figures |= {
            f"sse_per_byte_{size}": sse,
            f"sse_plain_per_byte_{size}": plain,
            f"ws_text_per_byte_{size}": sse - 0.2,
            f"ws_binary_per_byte_{size}": 1.0,
        }
    return figures | changes


def test_sse_binary_rule_gives_holds_when_raw_bytes_break_and_encoding_adds_over_10_pct() -> None:
    growing = [(8.5, 7.0), (3.2, 2.7), (1.45, 1.12), (1.34, 1.02)]
    verdict, evidence = binary.rule_sse_binary(binary_figures(growing))
    assert verdict == "holds"
    assert "1.34" in evidence and "base64 alone is 1.33" in evidence
    assert "Encoding adds more than 10% at 16, 64, 1,024, 16,384 B." in evidence


def test_sse_binary_rule_gives_depends_when_framing_dominates_small_messages() -> None:
    verdict, evidence = binary.rule_sse_binary(binary_figures())
    assert verdict == "depends"
    assert "16 B: SSE 136 B/msg with base64 against 126 with text of that length (+8%)" in evidence
    assert "Encoding adds more than 10% at 64, 1,024, 16,384 B, at most that at 16 B." in evidence


def test_sse_binary_rule_gives_does_not_hold_when_raw_bytes_survive() -> None:
    verdict, evidence = binary.rule_sse_binary(binary_figures(raw_sse_intact=0.5))
    assert verdict == "does not hold"
    assert "intact in 50% of 12 tries" in evidence


def test_sse_binary_rule_gives_does_not_hold_when_encoding_adds_little_at_every_size() -> None:
    cheap = [(8.5, 8.0), (3.2, 3.0), (1.45, 1.4), (1.34, 1.3)]
    verdict, evidence = binary.rule_sse_binary(binary_figures(cheap))
    assert verdict == "does not hold"
    assert "Encoding adds at most 10% at every size." in evidence


def test_sse_binary_figures() -> None:
    result = measured("sse_binary")
    f = result.measured
    assert all(f[f"sse_per_byte_{s}"] >= 1.33 for s in binary.BINARY_SIZES)
    assert 1.0 <= f["ws_binary_per_byte_16384"] < 1.01
    assert f["raw_sse_intact"] == 0
    # rtlab's SSE framing and envelope (~120 B) outweigh base64's 6 extra bytes at 16 B;
    # from 64 B on, the encoding adds more than 10 % to the message
    assert binary.encoding_growth(f, 16) < binary.BINARY_MATTERS
    assert all(binary.encoding_growth(f, s) > binary.BINARY_MATTERS for s in (64, 1024, 16384))
    assert result.verdict == "depends"
