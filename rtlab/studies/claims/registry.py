"""The claims, in one place: what each says, which seeds say it, how it is
measured and judged; and running them (`evaluate`, `evaluate_all`)."""

from __future__ import annotations

from typing import Any

from rtlab.aio import run_sync
from rtlab.env import quick_mode
from rtlab.runs.progress import progress_bar
from rtlab.studies.claims import (
    binary,
    browser_limits,
    code_size,
    compat,
    duplex,
    hold_waste,
    http2,
    idle,
    iframe_loading,
    latency,
    longpoll_check,
    longpoll_savings,
    must_reconnect,
    no_cache,
    overhead,
    poll_connections,
    poll_waste,
    post_cost,
    push,
    ranking,
    reconnect,
    same_origin,
    sse_requests,
    sse_savings,
    tcp_setup,
    text,
    upstream,
    workers,
)
from rtlab.studies.claims.base import VERDICTS, Claim, ClaimResult

__all__ = ["CLAIMS", "evaluate", "evaluate_all"]

CLAIMS: dict[str, Claim] = {
    claim.key: claim
    for claim in (
        Claim(
            "ranking",
            "For performance, WebSocket > SSE > long polling > short polling.",
            "seed 000, 002",
            ranking.measure_ranking,
            ranking.rule_ranking,
        ),
        Claim(
            "sse_binary",
            "SSE only carries text; binary data must be encoded, which makes it bigger.",
            "seed 002, 003",
            binary.measure_sse_binary,
            binary.rule_sse_binary,
        ),
        Claim(
            "sse_reconnect",
            "SSE reconnects by itself; WebSocket needs manual reconnection.",
            "seed 001, 002, 004",
            reconnect.measure_sse_reconnect,
            reconnect.rule_sse_reconnect,
        ),
        Claim(
            "ws_idle",
            "A WebSocket left without messages for long is dropped, so heartbeats are needed.",
            "seed 004",
            idle.measure_ws_idle,
            idle.rule_ws_idle,
        ),
        Claim(
            "upstream_rate",
            "Above ~1 client→server message per second WebSocket beats SSE + separate "
            "POSTs; below ~0.2/s they don't differ.",
            "seed 003",
            upstream.measure_upstream_rate,
            upstream.rule_upstream_rate,
        ),
        Claim(
            "sse_vs_ws_text",
            "For text, SSE and WebSocket don't differ in latency, bandwidth or server load.",
            "seed 003",
            text.measure_sse_vs_ws_text,
            text.rule_sse_vs_ws_text,
        ),
        Claim(
            "longpoll_check",
            "A long-poll server can check for new data once a second (and still answer as "
            "soon as data arrives).",
            "seed 002",
            longpoll_check.measure_longpoll_check,
            longpoll_check.rule_longpoll_check,
        ),
        Claim(
            "sse_periodic_requests",
            "Once SSE is connected, the browser keeps asking the server periodically.",
            "seed 001",
            sse_requests.measure_sse_periodic_requests,
            sse_requests.rule_sse_periodic_requests,
        ),
        Claim(
            "tcp_setup",
            "Short polling sets up a TCP connection per request, which uses a lot of "
            "server resources.",
            "seed 001, 004",
            tcp_setup.measure_tcp_setup,
            tcp_setup.rule_tcp_setup,
        ),
        Claim(
            "ws_server_complex",
            "A WebSocket server's logic is much more complex than an SSE server's.",
            "seed 000, 003",
            code_size.measure_code_size,
            code_size.rule_ws_server_complex,
        ),
        Claim(
            "ws_server_easy",
            "Built on TCP, a WebSocket server is comparatively easy to implement.",
            "seed 002",
            code_size.measure_code_size,
            code_size.rule_ws_server_easy,
        ),
        Claim(
            "ws_full_duplex",
            "WebSocket is full duplex: client and server send at the same time on one connection.",
            "seed 000, 001, 002, 003, 004",
            duplex.measure_ws_full_duplex,
            duplex.rule_ws_full_duplex,
        ),
        Claim(
            "sse_worker",
            "An SSE connection holds an Apache thread or process (a PHP instance), which "
            "limits how many connections the server can hold.",
            "seed 003",
            workers.measure_sse_worker,
            workers.rule_sse_worker,
        ),
        Claim(
            "sse_no_cors",
            "SSE does not support CORS: the server must be on the page's own origin.",
            "seed 004",
            browser_limits.measure_sse_no_cors,
            browser_limits.rule_sse_no_cors,
        ),
        Claim(
            "sse_six_connections",
            "Over HTTP/1.1 a browser opens at most 6 SSE connections to one host.",
            "seed 002",
            browser_limits.measure_sse_six_connections,
            browser_limits.rule_sse_six_connections,
        ),
        Claim(
            "ws_low_overhead",
            "On one TCP connection WebSocket saves HTTP requests' handshakes and headers, "
            "and so lowers latency.",
            "seed 002",
            overhead.measure_ws_low_overhead,
            overhead.rule_ws_low_overhead,
        ),
        Claim(
            "post_overhead_small",
            "Sending client-to-server data as separate Ajax requests beside SSE adds only "
            "a little overhead over WebSocket.",
            "seed 003",
            post_cost.measure_post_overhead_small,
            post_cost.rule_post_overhead_small,
        ),
        Claim(
            "compat_order",
            "For browser compatibility, short polling > long polling > SSE > WebSocket.",
            "seed 000",
            compat.measure_compat_order,
            compat.rule_compat_order,
        ),
        Claim(
            "sse_old_browsers",
            "Not every browser supports SSE: old versions do not, and Internet Explorer does "
            "not at all.",
            "seed 002",
            compat.measure_sse_old_browsers,
            compat.rule_sse_old_browsers,
        ),
        Claim(
            "ws_sse_support_similar",
            "Browser support for WebSocket and for SSE is about the same.",
            "seed 003",
            compat.measure_ws_sse_support_similar,
            compat.rule_ws_sse_support_similar,
        ),
        Claim(
            "safari_versions",
            "Safari supports SSE from 5.0 (iOS from 4.0) but the standard WebSocket only from 6.0.",
            "seed 003",
            compat.measure_safari_versions,
            compat.rule_safari_versions,
        ),
        Claim(
            "android_versions",
            "Android's default browser supports neither SSE nor WebSocket up to 4.3, and both "
            "from 4.4.",
            "seed 003",
            compat.measure_android_versions,
            compat.rule_android_versions,
        ),
        Claim(
            "longpoll_vs_poll",
            "Long polling makes far fewer needless HTTP requests than short polling, and so "
            "uses fewer resources.",
            "seed 000, 002, 004",
            longpoll_savings.measure_longpoll_vs_poll,
            longpoll_savings.rule_longpoll_vs_poll,
        ),
        Claim(
            "poll_waste",
            "Short polling seriously wastes server resources against SSE and WebSocket, and "
            "the server's load grows with the number of users.",
            "seed 000, 002, 004",
            poll_waste.measure_poll_waste,
            poll_waste.rule_poll_waste,
        ),
        Claim(
            "sse_saves_resources",
            "Needing no stream of client requests, SSE uses much less than short or long polling.",
            "seed 000, 002, 003",
            sse_savings.measure_sse_saves_resources,
            sse_savings.rule_sse_saves_resources,
        ),
        Claim(
            "sse_client_must_reconnect",
            "When an SSE connection drops, the client must implement reconnection itself.",
            "seed 002",
            must_reconnect.measure_sse_client_must_reconnect,
            must_reconnect.rule_sse_client_must_reconnect,
        ),
        Claim(
            "sse_no_cache",
            "An SSE response must tell the browser not to cache it, or events will not show "
            "in real time.",
            "seed 002",
            no_cache.measure_sse_no_cache,
            no_cache.rule_sse_no_cache,
        ),
        Claim(
            "sse_push_no_request",
            "SSE needs no client request per message: the server sends each update as soon "
            "as it has it.",
            "seed 000, 001, 002, 004",
            push.measure_sse_push_no_request,
            push.rule_sse_push_no_request,
        ),
        Claim(
            "iframe_loading",
            "A forever iframe keeps the browser showing the page as still loading.",
            "seed 003",
            iframe_loading.measure_iframe_loading,
            iframe_loading.rule_iframe_loading,
        ),
        Claim(
            "sse_http2",
            "Over HTTP/2 the number of SSE streams is negotiated (100 by default), lifting "
            "the six-connection limit.",
            "seed 002",
            http2.measure_sse_http2,
            http2.rule_sse_http2,
        ),
        Claim(
            "ws_no_same_origin",
            "WebSocket has no same-origin limit: a page can talk to any server.",
            "seed 002",
            same_origin.measure_ws_no_same_origin,
            same_origin.rule_ws_no_same_origin,
        ),
        Claim(
            "ws_same_origin",
            "WebSocket is subject to the browser's same-origin policy and needs CORS or a "
            "proxy to reach another origin.",
            "seed 002",
            same_origin.measure_ws_same_origin,
            same_origin.rule_ws_same_origin,
        ),
        Claim(
            "poll_latency_interval",
            "Short polling is less real-time than long polling or WebSocket; lower latency "
            "only comes from polling more often.",
            "seed 002, 003",
            latency.measure_poll_latency_interval,
            latency.rule_poll_latency_interval,
        ),
        Claim(
            "longpoll_latency",
            "Long polling's latency is larger than WebSocket's or SSE's.",
            "seed 002",
            latency.measure_longpoll_latency,
            latency.rule_longpoll_latency,
        ),
        Claim(
            "poll_new_connection",
            "Short polling keeps opening new HTTP (TCP) connections, one per request.",
            "seed 000, 002, 004",
            poll_connections.measure_poll_new_connection,
            poll_connections.rule_poll_new_connection,
        ),
        Claim(
            "longpoll_hold_waste",
            "A held long-poll request itself wastes server resources.",
            "seed 000, 002, 004",
            hold_waste.measure_longpoll_hold_waste,
            hold_waste.rule_longpoll_hold_waste,
        ),
    )
}


async def _aevaluate(key: str, quick: bool) -> ClaimResult:
    try:
        claim = CLAIMS[key]
    except KeyError:
        raise ValueError(f"unknown claim {key!r}; choose one of {', '.join(CLAIMS)}") from None
    measurement = await claim.measure(quick)
    verdict, evidence = claim.rule(measurement.measured)
    if verdict not in VERDICTS:
        raise RuntimeError(f"rule for {key!r} gave verdict {verdict!r}, not one of {VERDICTS}")
    return ClaimResult(
        key,
        claim.claim,
        claim.source,
        verdict,
        evidence,
        measurement.measured,
        measurement.series,
    )


def evaluate(key: str, quick: bool | None = None) -> ClaimResult:
    """Measure one claim and judge it (quick=None: `RTLAB_QUICK`, see `quick_mode`)."""
    return run_sync(_aevaluate(key, quick_mode() if quick is None else quick))


async def _aevaluate_all(quick: bool, bar: Any) -> list[ClaimResult]:
    """Each claim in turn, stepping `bar` once per claim and naming the one running."""
    results = []
    for key in CLAIMS:
        bar.set_postfix_str(key)
        results.append(await _aevaluate(key, quick))
        bar.update(1)
    bar.set_postfix_str("")  # done: the full bar says it
    return results


def evaluate_all(quick: bool | None = None, progress: bool = True) -> list[ClaimResult]:
    """Every claim, one after another so that no run disturbs another's timing.

    With `progress`, a bar steps once per claim and names the one running; it
    ends complete (green in JupyterLab) once every claim has run, and stops
    where it was (red) if one fails. The bar is made here, in the caller's
    thread, so it shows in the cell that called even when `run_sync` runs the
    claims on a worker thread.
    """
    chosen = quick_mode() if quick is None else quick
    with progress_bar(total=len(CLAIMS), desc="claims", unit="claim", disable=not progress) as bar:
        return run_sync(_aevaluate_all(chosen, bar))
