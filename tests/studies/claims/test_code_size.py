"""The code-size claims: the line counter skips blanks, comments and
docstrings; each rule gives each verdict on synthetic figures; the real count
finds the handlers and the protocol code."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import code_size
from tests.studies.claims.helpers import measured

SOURCE = '''"""Module docstring,
two lines."""

# a comment
import os  # trailing comment


def f(x):
    """Docstring."""

    return (x +
            1)


def g():
    return os.sep
'''


def test_code_lines_count_only_code() -> None:
    assert code_size.code_lines(SOURCE) == 6
    assert code_size.code_lines(SOURCE, "f") == 3
    assert code_size.code_lines(SOURCE, "g") == 2
    with pytest.raises(LookupError):
        code_size.code_lines(SOURCE, "h")


def figures(ratio_with: float, ratio_without: float) -> dict[str, float]:
    return {
        "ws_with_lines": 100.0 * ratio_with,
        "sse_with_lines": 100.0,
        "ws_without_lines": 200.0 * ratio_without,
        "sse_without_lines": 200.0,
        "ratio_with": ratio_with,
        "ratio_without": ratio_without,
    }


def test_complex_holds_when_websocket_takes_twice_the_lines_in_both_cases() -> None:
    verdict, evidence = code_size.rule_ws_server_complex(figures(2.0, 5.0))
    assert verdict == "holds"
    assert "200 code lines against the SSE handler's 100 (2.00x)" in evidence
    assert "1,000 against 200" in evidence and evidence.endswith("at least 2x in both.")


def test_complex_does_not_hold_when_websocket_is_as_small_in_both_cases() -> None:
    verdict, evidence = code_size.rule_ws_server_complex(figures(1.2, 0.9))
    assert verdict == "does not hold"
    assert "(1.20x)" in evidence and "(0.90x)" in evidence


@pytest.mark.parametrize("ratios", [(3.0, 1.5), (1.0, 3.0), (1.5, 1.5)])
def test_complex_depends_otherwise_saying_which(ratios: tuple[float, float]) -> None:
    verdict, evidence = code_size.rule_ws_server_complex(figures(*ratios))
    assert verdict == "depends"
    assert "with the library" in evidence and "without it" in evidence


def test_complex_depends_names_the_case() -> None:
    evidence = code_size.rule_ws_server_complex(figures(1.0, 3.0))[1]
    assert "with the library simple, without it complex" in evidence


def test_easy_holds_when_websocket_takes_at_most_1_2x_in_both_cases() -> None:
    verdict, evidence = code_size.rule_ws_server_easy(figures(1.1, 1.2))
    assert verdict == "holds"
    assert "(1.10x)" in evidence and evidence.endswith("at most 1.2x in both.")


def test_easy_does_not_hold_when_websocket_takes_twice_the_lines_in_both_cases() -> None:
    verdict, evidence = code_size.rule_ws_server_easy(figures(3.0, 20.0))
    assert verdict == "does not hold"
    assert "(20.00x)" in evidence


@pytest.mark.parametrize("ratios", [(1.0, 2.5), (2.5, 1.0), (1.5, 1.9)])
def test_easy_depends_otherwise(ratios: tuple[float, float]) -> None:
    assert code_size.rule_ws_server_easy(figures(*ratios))[0] == "depends"


@pytest.mark.parametrize("key", ["ws_server_complex", "ws_server_easy"])
def test_the_real_count_adds_up(key: str) -> None:
    f = measured(key).measured
    assert f["ws_with_lines"] == f["lines_rtlab_server_ws"] > 50
    assert f["sse_with_lines"] == f["lines_rtlab_server_sse"] > 20
    protocol = sum(v for k, v in f.items() if k.startswith("lines_aiohttp_"))
    assert f["ws_without_lines"] == f["ws_with_lines"] + protocol > f["ws_with_lines"]
    encoder = sum(v for k, v in f.items() if k.startswith("lines_rtlab_wire_sse_"))
    assert f["sse_without_lines"] == f["sse_with_lines"] + encoder > f["sse_with_lines"]
    assert f["ratio_with"] == pytest.approx(f["ws_with_lines"] / f["sse_with_lines"])
