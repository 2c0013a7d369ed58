"""The claims' views: the table of verdicts, and each claim's plot drawn from
its result's figures."""

from __future__ import annotations

import pytest

from rtlab.studies import claims
from rtlab.studies.claims import ClaimResult, Entry
from rtlab.views import claims as claim_views
from tests.studies.claims.helpers import install_fake_claims
from tests.studies.claims.test_text import text_figures


@pytest.fixture
def fake_claims(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    return install_fake_claims(monkeypatch)


def test_table_shows_one_row_per_claim_whole(fake_claims: list[bool]) -> None:
    shown = claim_views.table(claims.evaluate_all(quick=True, progress=False))
    frame = shown.data
    assert list(frame.columns) == ["claim", "source", "verdict", "evidence"]
    assert list(frame.index) == ["a", "b"] and frame.index.name == "key"
    assert frame.loc["a", "evidence"] == "x was 1.0"
    assert shown.wrap == ("claim", "evidence")


def test_table_keeps_long_evidence_whole() -> None:
    evidence = "On 4G at 20 msg/s, median latency (ms) was " + "ws 31.2, " * 40 + "poll 586."
    result = ClaimResult("k", "A claim. " * 12, "seed 000", "holds", evidence, {})
    shown = claim_views.table([result])
    page = shown._repr_html_()
    assert evidence in page and "A claim. " * 12 in page and "…" not in page
    assert " ".join(repr(shown).split()) == " ".join(
        f"k · seed 000 · holds claim: {'A claim. ' * 12} evidence: {evidence}".split()
    )


def text_result(**changes: float) -> ClaimResult:
    return ClaimResult("sse_vs_ws_text", "claim", "seed 003", "holds", ".", text_figures(**changes))


def test_sse_vs_ws_text_figure_shows_a_clock_tick_on_cpu_counted_in_ticks() -> None:
    figure = claim_views.figure(text_result(sse_server_cpu_s=0.06, ws_server_cpu_s=0.07))
    cpu = [trace for trace in figure.data if trace.xaxis == "x4"]
    assert [(t.name, t.error_y.value) for t in cpu] == [("sse", 0.01), ("ws", 0.01)]
    assert figure.layout.annotations[3].text == "server CPU (± one 10 ms clock tick)"
    assert figure.layout.title.text == (
        "SSE vs WebSocket for text: 10 clients, 20 msg/s, 4G, server in its own process"
    )
    fine = claim_views.figure(text_result(sse_server_cpu_s=0.0612, ws_server_cpu_s=0.0703))
    assert all(trace.error_y.value is None for trace in fine.data)
    assert fine.layout.annotations[3].text == "server CPU"


def test_a_claim_without_a_plot_is_a_value_error() -> None:
    result = ClaimResult("nope", "claim", "seed 00X", "holds", ".", {})
    with pytest.raises(ValueError, match="no plot for claim 'nope'"):
        claim_views.figure(result)


def _entry(
    key: str,
    seed: str,
    rule: str = "holds if x; does not hold if y; depends otherwise",
    measured_by: str | None = None,
    not_testable: str | None = None,
) -> Entry:
    return Entry(
        key,
        seed,
        "某个说法",
        "A claim.",
        "4G",
        rule,
        "Python clients + emulator",
        measured_by=measured_by,
        not_testable=not_testable,
    )


def test_catalogue_table_shows_every_entry_by_seed_in_order() -> None:
    shown = claim_views.catalogue_table(
        [
            _entry("a", "000_x.txt", measured_by="ranking"),
            _entry("b", "000_x.txt"),
            _entry("c", "003_y.txt", not_testable="no sample of real proxies here"),
        ]
    )
    frame = shown.data
    assert frame.index.name == "seed" and list(frame.index) == ["000", "000", "003"]
    assert list(frame.columns) == ["id", "measured by", "quote", "claim", "rule"]
    assert list(frame["measured by"]) == [
        "ranking",
        "not yet",
        "not testable here: no sample of real proxies here",
    ]
    assert shown.wrap == ("measured by", "quote", "claim", "rule")


def test_catalogue_table_keeps_long_rules_whole() -> None:
    rule = "holds if " + "the figures say so, " * 30 + "does not hold otherwise"
    shown = claim_views.catalogue_table([_entry("k", "002_z.txt", rule=rule)])
    assert rule in shown._repr_html_() and "…" not in shown._repr_html_()
    assert " ".join(repr(shown).split()) == " ".join(
        f"002 · k measured by: not yet quote: 某个说法 claim: A claim. rule: {rule}".split()
    )


def test_catalogue_table_of_the_catalogue_has_a_row_per_entry() -> None:
    frame = claim_views.catalogue_table(claims.CATALOGUE).data
    assert list(frame["id"]) == [entry.id for entry in claims.CATALOGUE]


def test_sse_vs_ws_text_figure_draws_steady_state_bytes_against_the_text_size() -> None:
    figure = claim_views.figure(text_result())
    lines = [trace for trace in figure.data if trace.xaxis == "x3"]
    assert [(t.name, list(t.x), list(t.y)) for t in lines] == [
        ("sse", [16, 64, 1024, 16384], [129.0, 177.0, 1140.0, 16502.0]),
        ("ws", [16, 64, 1024, 16384], [96.0, 146.0, 1108.0, 16469.0]),
    ]
    assert figure.layout.annotations[2].text == "wire bytes per message, by text size"
    assert figure.layout.xaxis3.title.text == "text per message (characters, log scale)"
