"""Every testable statement of the five seed articles, seed by seed: the claim
catalogue.

Each `Entry` holds a seed's own words (`quote`, an exact substring of the seed
file; `also` lists the same claim in other words or other seeds), an English
gloss, the conditions it is tested under, and the rule that judges it,
written down with its thresholds before anything runs: every rule says when it
holds, when it does not hold and (most) when it depends, so that a verdict can
come out either way. `instrument` names what can test it: Python clients
through the emulator, Chromium for what browsers do, a thread-per-connection
server beside aiohttp, short polling with a new TCP connection per request,
MDN's browser compatibility data, a packet capture. `measured_by` is the key of
the claim in `registry.CLAIMS` that measures it today (None: nothing does
yet); `not_testable` says why the lab cannot test it (at most four entries).

Where seeds contradict each other, or one seed itself (seed 002: SSE reconnects
by itself / the client must implement reconnection; WebSocket has no
same-origin limit / is subject to it; seeds 000 and 003 against 002 on how hard
a WebSocket server is), each side is its own entry.

    from rtlab.studies.claims import CATALOGUE, coverage
    coverage()                                  # entries, measured today, not testable, per seed
    views.claims.catalogue_table(CATALOGUE)     # the catalogue as a table

The module is a data table (40 entries of prose), hence over 400 lines; the
code is `Entry`, `coverage` and the seed names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["CATALOGUE", "SEEDS", "Coverage", "Entry", "coverage"]

SEED_000 = "000_b89bd0ad70f8212a.txt"
SEED_001 = "001_afb54bb62c94b3ec.txt"
SEED_002 = "002_eacfb818bcf52070.txt"
SEED_003 = "003_0e79918dd384d842.txt"
SEED_004 = "004_72c6365ed46fb094.txt"
SEEDS = (SEED_000, SEED_001, SEED_002, SEED_003, SEED_004)

# The instruments, named once; an entry's `instrument` joins the ones it needs.
PYTHON = "Python clients + emulator"
PROCESS = "server in its own process"
CHROMIUM = "Chromium"
CAPTURE = "packet capture on loopback"
THREADED = "thread-per-connection (worker-pool) server beside aiohttp"
NEW_TCP = "new-TCP-per-request poll knob"
MDN = "MDN browser-compat-data (version recorded)"
HTTP2 = "nginx speaking HTTP/2 over TLS in front of the lab"
CODE = "code size of rtlab's own handlers (the size tool)"
NONE_HERE = "none in the lab"

FOUR_G = "4G profile (60 ms RTT, 12 Mbit/s)"
STEADY = "bytes split into connection set-up and steady state (per message)"


@dataclass(frozen=True)
class Entry:
    """One testable statement of one seed (see the module docstring)."""

    id: str
    seed: str  # the seed's file name, one of SEEDS
    quote: str  # verbatim: an exact substring of the seed
    claim: str  # an English gloss, one sentence
    conditions: str
    rule: str  # thresholds and verdicts, written before anything runs
    instrument: str
    measured_by: str | None = None  # key of registry.CLAIMS measuring it today
    not_testable: str | None = None  # why the lab cannot test it
    also: tuple[tuple[str, str], ...] = ()  # (seed, verbatim quote) saying the same


def _uses(*instruments: str) -> str:
    return " + ".join(instruments)


_SEED_000 = (
    Entry(
        "poll_new_connection",
        SEED_000,
        "需要不断的建立http连接",
        "Short polling keeps opening new HTTP (TCP) connections, one per request.",
        "Chromium polling with fetch() every 1 s (the seeds' setInterval) for 20 polls, "
        "against a keep-alive HTTP/1.1 server on loopback",
        "holds if at least 90 % of the browser's polls open a new TCP connection (a SYN per "
        "request in the capture); does not hold if at most 10 % do (it reuses one keep-alive "
        "connection); depends in between, naming what closed the connections",
        _uses(CHROMIUM, CAPTURE),
        measured_by="poll_new_connection",
        also=(
            (SEED_002, "短轮询不会保持持久连接"),
            (SEED_004, "在服务端响应完成后，就会关闭这个Tcp连接"),
            (SEED_004, "进行三次握手，四次挥手来进行"),
        ),
    ),
    Entry(
        "poll_waste",
        SEED_000,
        "严重浪费了服务器端和客户端的资源",
        "Short polling seriously wastes server and client resources, and the server's "
        "load grows with the number of users.",
        f"{FOUR_G}, 1 msg/s, polled every 1 s; 10, 50 and 200 clients; {PROCESS}; against "
        f"SSE and WebSocket under the same load; {STEADY}",
        "holds if short polling's server CPU per second and steady-state wire bytes per "
        "delivered message are at least 2x SSE's and WebSocket's at every client count; does "
        "not hold if at most 1.2x at every count; depends otherwise, giving the client count "
        "and measure where the gap opens",
        _uses(PYTHON, PROCESS),
        measured_by="poll_waste",
        also=(
            (SEED_000, "人数越多，服务器端压力越大"),
            (SEED_002, "可能会造成网络流量浪费，同时也会增加服务器压力"),
            (SEED_004, "占用了太多了服务器资源"),
        ),
    ),
    Entry(
        "longpoll_vs_poll",
        SEED_000,
        "明显减少了很多不必要的http请求次数，相比之下节约了资源",
        "Long polling makes far fewer needless HTTP requests than short polling, and so "
        "uses fewer resources.",
        f"{FOUR_G}; publish rates 0.2, 1, 5 and 20 msg/s; short polling every 1 s; 10 "
        f"clients; {PROCESS}; {STEADY}",
        "holds if long polling's requests, steady-state wire bytes and server CPU per "
        "delivered message are at most 0.8x short polling's at 1 msg/s and at 20 msg/s; does "
        "not hold if at least 1.0x at both rates; depends otherwise, giving the rate where "
        "they cross (a recorded 20 msg/s run had long polling at 474-567 B/msg against short "
        "polling's 214-221)",
        _uses(PYTHON, PROCESS),
        measured_by="longpoll_vs_poll",
        also=(
            (SEED_001, "也是非常消耗资源，但相比短连接消耗的资源，较少"),
            (SEED_002, "相对于短轮询来说减少了不必要的 HTTP 请求次数，减少了网络流量和服务器负载"),
            (SEED_004, "明显减少了很多不必要的http请求次数，相比之下节约了资源"),
        ),
    ),
    Entry(
        "longpoll_hold_waste",
        SEED_000,
        "连接挂起也会导致资源的浪费",
        "A held (hanging) long-poll request itself wastes server resources.",
        "100 and 1,000 long polls (GET /longpoll/{topic}?after=0&timeout=60) held on an "
        f"empty topic for 20 s (quick: 100 for 5 s), on the aiohttp server and on a "
        f"thread-per-connection server with N + 1 workers, each {PROCESS}, a fresh server per "
        "count, loopback; resident memory against the same server with none held (after "
        "one warm-up long poll), and CPU over the idle period",
        "holds if each held request costs a server at least 10 KiB of resident memory, or "
        "the held set at least 1 % of a core while idle; does not hold if under 2 KiB each "
        "and under 0.1 % of a core at every count on both servers; depends otherwise (a "
        "cost, but a small one); the evidence names each server's cost",
        _uses(PYTHON, THREADED, PROCESS),
        also=(
            (SEED_002, "长轮询会造成服务器维持大量的长期连接，这可能会导致服务器资源的浪费"),
            (SEED_002, "长轮询需要服务器支持保持长连接，因此对服务器的资源消耗较大"),
            (SEED_004, "连接挂起也会导致资源的浪费"),
        ),
        measured_by="longpoll_hold_waste",
    ),
    Entry(
        "sse_push_no_request",
        SEED_000,
        "不需要客户端发送请求，可以实现只要服务器端数据有更新，就可以马上发送到客户端",
        "SSE needs no client request per message: the server sends each update as soon as "
        "it has it.",
        f"rtlab's Python SSE client on the {FOUR_G}, latency from the scheduled publish "
        "time, upstream bytes counted by the relay; Chromium's EventSource on loopback (no "
        "emulator in front of a browser), requests counted by the server; 20 msg/s, 150 "
        "messages",
        "holds if, after the first request, no further request or upstream byte is sent "
        "while messages flow and the median latency is within 10 ms of the 30 ms one-way "
        "delay; does not hold if requests are sent while messages flow or the median is a "
        "round trip (60 ms) or more above the one-way delay; depends otherwise",
        _uses(CHROMIUM, PYTHON, CAPTURE),
        measured_by="sse_push_no_request",
        also=(
            (SEED_001, "客户端只需一次连接，`Server` 就能定时推送"),
            (SEED_002, "SSE 提供了更接近实时的数据推送，因为它是基于单个持久连接"),
            (SEED_004, "服务器与客户端建立连接后，服务器主动的向客户端进行数据推送"),
        ),
    ),
    Entry(
        "sse_saves_resources",
        SEED_000,
        "不需要建立或保持大量的客户端发往服务器端的请求，节约了很多资源",
        "Needing no stream of client requests, SSE uses much less than short or long polling.",
        f"{FOUR_G}, 1 and 20 msg/s, 50 clients, short polling every 1 s, {PROCESS}; {STEADY}",
        "holds if SSE's steady-state wire bytes and server CPU per delivered message are at "
        "most 0.5x both short and long polling's at both rates; does not hold if at least "
        "1.0x either's at both rates; depends otherwise, giving the rate and technique where "
        "the gap closes",
        _uses(PYTHON, PROCESS),
        measured_by="sse_saves_resources",
        also=(
            (SEED_002, "相比于长轮询，SSE 更加轻量级且易于实现"),
            (SEED_003, "与由客户端每隔几秒从服务端轮询拉取新数据相比，这是一种更优的解决方案"),
        ),
    ),
    Entry(
        "ws_full_duplex",
        SEED_000,
        "该协议可以实现服务器与客户端之间全双工通信",
        "WebSocket is full duplex: client and server send at the same time on one connection.",
        f"one WebSocket on the {FOUR_G}, 20 msg/s down while the client sends 20 msg/s up, "
        "150 each, against a down-only and an up-only run",
        "holds if both directions flow at once on one connection, each direction's median "
        "latency within 10 % (or 5 ms) of its one-direction run; does not hold if one "
        "direction waits for the other (a median a round trip, 60 ms, or more above its "
        "one-direction run, or messages missing with both at once); depends otherwise",
        PYTHON,
        measured_by="ws_full_duplex",
        also=(
            (SEED_001, "实现了客户端与服务端间双向、基于消息的文本或二进制数据传输的应用层协议"),
            (SEED_002, "在客户端和服务器之间实现`双向通信`的技术"),
            (SEED_003, "它是真正的双向传输技术"),
            (SEED_004, "双方可以**互相发送消息**"),
        ),
    ),
    Entry(
        "ws_server_complex",
        SEED_000,
        "缺点是服务器端的逻辑非常复杂",
        "A WebSocket server's logic is much more complex than an SSE server's.",
        "code lines (no blanks, comments or docstrings) of the server side of each: rtlab's "
        "WebSocket handler (over aiohttp's WebSocketResponse) against its SSE handler, and, "
        "without a helper library, each handler plus the protocol code it leans on (aiohttp's "
        "server-side WebSocket handshake and framing, rtlab has none of its own; rtlab's SSE "
        "encoder)",
        "holds if the WebSocket server side takes at least 2x the SSE one's code lines, with "
        "and without a helper library; does not hold if at most 1.2x in both; depends "
        "otherwise, saying which (e.g. only without a helper library)",
        CODE,
        measured_by="ws_server_complex",
        also=(
            (SEED_003, "WebSocket则很复杂，不借助辅助类库基本搞不定"),
            (SEED_003, "SSE的第二个优势是服务端的简洁"),
        ),
    ),
    Entry(
        "compat_order",
        SEED_000,
        "从兼容性角度考虑，短轮询>长轮询>长连接SSE>WebSocket",
        "For browser compatibility, short polling > long polling > SSE > WebSocket.",
        "MDN browser-compat-data: the first version of each major browser (Chrome, Edge, "
        "Firefox, Safari, Opera, Internet Explorer and their Android/iOS builds) supporting "
        "XMLHttpRequest (both pollings), EventSource and WebSocket",
        "a step A > B fails if some browser version supports B but not A, and is strict if "
        "some version supports A but not B; short and long polling both need only "
        "XMLHttpRequest, so that step ties and passes. holds if no step fails and the long "
        "polling > SSE > WebSocket steps are strict; does not hold if a step fails (e.g. a "
        "browser with WebSocket but no EventSource, as Internet Explorer 10-11 would be); "
        "depends otherwise (no failure, but a tie), naming the browsers",
        MDN,
        measured_by="compat_order",
        also=(
            (SEED_002, "与长轮询相比，短轮询在各种浏览器和网络环境下都能够正常工作"),
            (SEED_003, "WebSocket难兼容，SSE易兼容"),
        ),
    ),
    Entry(
        "ranking",
        SEED_000,
        "从性能方面考虑，WebSocket>长连接SSE>长轮询>短轮询",
        "For performance, WebSocket > SSE > long polling > short polling.",
        "the 4G profile (60 ms RTT, 12 Mbit/s), 20 msg/s, short polling every 1 s, one "
        "client per technique; median latency and wire bytes per message",
        "each adjacent pair of the order (ws, sse, longpoll, poll) on median latency "
        "and wire bytes per message: tied within 10 % (or 2 ms, 1 B), else the lower is "
        "better; a pair beats when the first is better on some measure and worse on "
        "none; holds if every pair beats; does not hold if some pair is tied on both or "
        "reversed; depends if the only exceptions are trade-offs (each better on one "
        "measure)",
        _uses(PYTHON, CAPTURE),
        measured_by="ranking",
        also=((SEED_002, "可能较高，受限于 HTTP 请求-响应模式"),),
    ),
)

_SEED_001 = (
    Entry(
        "tcp_setup",
        SEED_001,
        "建立 `tcp` 连接十分消耗资源",
        "Short polling is costly because setting up a TCP connection per request uses a "
        "lot of resources.",
        f"short polling every 0.1 s on the {FOUR_G}, 2 msg/s, 10 clients, {PROCESS}; one "
        "keep-alive connection per client against a new TCP connection per request",
        "holds if a new connection per request costs the server at least 1.5x keep-alive's "
        "CPU per request; does not hold if at most 1.1x; depends in between (a cost, but not "
        "a large one)",
        _uses(NEW_TCP, PYTHON, PROCESS),
        measured_by="tcp_setup",
    ),
    Entry(
        "sse_periodic_requests",
        SEED_001,
        "连接建立之后浏览器会周期性地发送消息至服务器询问",
        "Once SSE is connected, the browser keeps asking the server periodically.",
        "Chromium's plain EventSource on loopback for 15 s while 10 msg/s flow, against "
        "rtlab's server (the response stays open) and against one that ends the response "
        "after each event, SSE requests counted by the server; rtlab's Python SSE client "
        "through the 4G relay beside it (requests, connections, upstream bytes)",
        "holds if the EventSource sends further requests on its own (more than one per "
        "10 s) while the response stays open; does not hold if it makes no further "
        "request while messages flow; depends otherwise",
        _uses(CHROMIUM, PYTHON),
        measured_by="sse_periodic_requests",
    ),
    Entry(
        "sse_reconnect",
        SEED_001,
        "会在连接断开时自动重连",
        "An SSE connection reconnects by itself when it drops, with no reconnect code in the page.",
        f"the relay cuts every connection 1 s into a stream of 20 msg/s on the {FOUR_G}; "
        "separately, the server answers the reconnect with HTTP 503 once; Chromium's plain "
        "EventSource, and rtlab's Python SSE client for the protocol side",
        "holds if the plain EventSource delivers again after both failures, resuming from "
        "Last-Event-ID without loss, within the server's retry + 5 s; does not hold if it "
        "recovers from neither; depends otherwise, naming the failure it does not survive "
        "(EventSource gives up for good on a non-200 answer)",
        _uses(CHROMIUM, PYTHON),
        measured_by="sse_reconnect",
        also=(
            (SEED_002, "支持，客户端断开连接时会自动尝试重新连接"),
            (SEED_004, "SSE默认支持断线重连"),
        ),
    ),
)

_SEED_002 = (
    Entry(
        "poll_latency_interval",
        SEED_002,
        "由于客户端需要等待固定的时间间隔才能获取更新，因此实时性不如长轮询或WebSocket",
        "Short polling is less real-time than long polling or WebSocket, an update "
        "waiting for the next poll; lower latency only comes from polling more often.",
        f"{FOUR_G}, {PROCESS}, 1 msg/s, poll intervals 0.1, 0.5, 1 and 5 s; each run 12 "
        "messages to 13 clients (156 latency samples), short pollers starting spread over "
        "one interval; latency from the scheduled publish time; requests per second per "
        "client",
        "holds if short polling's median latency is at least 1.5x long polling's and "
        "WebSocket's at every poll interval of 0.5 s or more; does not hold if within 1.2x "
        "of both at every interval; depends otherwise, giving the largest interval at which "
        "short polling has caught up (within 1.2x of both) and the requests per second it "
        "then costs",
        PYTHON,
        measured_by="poll_latency_interval",
        also=((SEED_003, "在Low Latency要求比较高的web应用中，只能增加服务器请求的频率"),),
    ),
    Entry(
        "longpoll_latency",
        SEED_002,
        "长轮询的延迟相对较大，不如 WebSocket 或 Server-Sent Events 实时",
        "Long polling's latency is larger than WebSocket's or SSE's.",
        f"{FOUR_G}, {PROCESS}, publish rates 0.2, 1, 5 and 20 msg/s to 10 clients; each run "
        "4 s of publishing, at least 3 messages (30, 40, 200 and 800 latency samples); "
        "latency from the scheduled publish time",
        "holds if long polling's median latency is a round trip (60 ms) or more above both "
        "SSE's and WebSocket's at every rate; does not hold if within 10 % (or 5 ms) of both "
        "at every rate; depends otherwise, giving the lowest rate from which long polling "
        "falls behind both (a message arriving while no poll waits pays the re-request)",
        PYTHON,
        measured_by="longpoll_latency",
    ),
    Entry(
        "longpoll_check",
        SEED_002,
        "setTimeout(checkData, 1000); // 等待一段时间后再次检查",
        "A long-poll server may look for new data once a second and still answer as soon "
        "as data arrives.",
        f"{FOUR_G}, messages at random gaps around 1 msg/s, 20 messages; a server checking "
        "every 1 s against rtlab's event-driven wait",
        "holds if checking adds at most 50 ms (or 10 % of the interval) to the median "
        "latency; does not hold if it adds a quarter of the interval or more; depends in "
        "between",
        PYTHON,
        measured_by="longpoll_check",
        also=((SEED_002, "如果有新数据，服务器会立即将其包含在响应中返回给客户端"),),
    ),
    Entry(
        "sse_no_cache",
        SEED_002,
        "必须指定浏览器`不缓存`服务端发送的数据，以确保浏览器可以实时显示服务端发送的数据",
        "An SSE response must tell the browser not to cache it, or events will not show in "
        "real time.",
        "Chromium's EventSource against the lab's SSE stream with and without "
        "Cache-Control: no-cache, 1 msg/s, 30 messages, loopback; latency from the "
        "server's publish ts to the page's onmessage; then a second page opening the same URL",
        "holds if without no-cache the browser delivers events late (median 100 ms or more "
        "later than with it), misses some, or answers the second page from stored events; "
        "does not hold if both deliver every event with medians within 10 ms of each other; "
        "depends otherwise",
        CHROMIUM,
        measured_by="sse_no_cache",
    ),
    Entry(
        "sse_text_only",
        SEED_002,
        "只能传输文本数据",
        "SSE can carry only text data, where WebSocket carries any type.",
        "random payloads of 64, 1,024 and 16,384 B, 20 each, put raw into an SSE data field "
        "through a spec-conforming decoder, and as raw WebSocket binary frames",
        "holds if raw random bytes never come out of an SSE data field intact while "
        "WebSocket binary frames carry them unchanged; does not hold if they come out intact "
        "every time; depends otherwise (some survive, e.g. those without CR, LF or invalid "
        "UTF-8)",
        PYTHON,
        measured_by="sse_binary",
        also=((SEED_003, "WebSocket是二进制协议，而SSE是文本协议"),),
    ),
    Entry(
        "sse_client_must_reconnect",
        SEED_002,
        "这就需要客户端实现重连逻辑来保持连接的持久性",
        "When an SSE connection drops, the client must implement reconnection itself (the "
        "same seed's table says SSE reconnects automatically).",
        "the server cuts the connection 1 s into a 20 msg/s stream (after message 20, and "
        "every 20th since), and in a second case also answers the reconnect with HTTP 503; "
        "Chromium's plain EventSource with no reconnect code, loopback, retry 1 s",
        "holds if the plain EventSource stays down after both failures for 10 s; does not "
        "hold if it recovers from both on its own; depends if it recovers from one but "
        "not the other (e.g. from the cut but not from the error status), naming which",
        CHROMIUM,
        measured_by="sse_client_must_reconnect",
    ),
    Entry(
        "ws_manual_reconnect",
        SEED_002,
        "不支持，需要客户端手动重连",
        "A WebSocket does not reconnect by itself; the client must do it.",
        f"the relay cuts every connection 1 s into a stream of 20 msg/s on the {FOUR_G}; "
        "Chromium's plain WebSocket with no reconnect code",
        "holds if the plain WebSocket stays closed for 10 s after the cut (and the plain "
        "EventSource beside it recovers); does not hold if it delivers again on its own; "
        "depends if neither recovers (the cut, not the API, decided it)",
        CHROMIUM,
        measured_by="sse_reconnect",
        also=((SEED_004, "异常断开后需要重新重新连接"),),
    ),
    Entry(
        "sse_six_connections",
        SEED_002,
        "连接数 HTTP/1.1 6 个",
        "Over HTTP/1.1 a browser keeps at most six SSE connections to one origin, while "
        "WebSocket supports many at once.",
        "Chromium, one page, the lab over HTTP/1.1 on loopback: 7 EventSources to one "
        "origin, the page closing one after 0.3 s; then 7 WebSockets to it beside six "
        "open streams",
        "holds if exactly 6 EventSources open at once, the rest wait until the page "
        "closes one, and every WebSocket opens beside the six streams; does not hold if "
        "more than 6 open at once or the WebSockets are held back too; depends "
        "otherwise (a limit other than 6), giving the counts",
        CHROMIUM,
        also=((SEED_002, "可同时支持大量连接"),),
        measured_by="sse_six_connections",
    ),
    Entry(
        "sse_http2",
        SEED_002,
        "HTTP/2 可协商（默认 100）",
        "Over HTTP/2 the number of SSE streams is negotiated (100 by default), lifting the "
        "six-connection limit.",
        "Chromium opening 12 and 120 EventSources from one page to one origin through a real "
        "nginx (1.22) in front of the lab on loopback, over HTTP/2 (TLS, self-signed) with "
        "http2_max_concurrent_streams 100 and again, for 120, with nginx's default 128; "
        "against the same page over HTTP/1.1 through the same nginx; an EventSource "
        "delivers at once when it gets a message published once the opens have settled",
        "holds if over HTTP/2 all 12 deliver at once and, of 120, the number open at once "
        "matches the server's max concurrent streams (min(120, SETTINGS_MAX_CONCURRENT_STREAMS)) "
        "within one; does not hold if at most 6 of the 12 deliver at once over HTTP/2; depends "
        "otherwise, giving the counts, and, with the reason, when nginx or Chromium is missing "
        "or the page did not go over h2",
        _uses(CHROMIUM, HTTP2),
        measured_by="sse_http2",
    ),
    Entry(
        "ws_no_same_origin",
        SEED_002,
        "`没有同源限制`，客户端可以与任意服务器通信",
        "WebSocket has no same-origin restriction: a page can talk to any server.",
        "Chromium: a page on one origin opens a WebSocket to a lab on another (another "
        "port), with no CORS headers, the server accepting any Origin; 10 messages "
        "published (3 quick); a fetch() of that lab's /poll without CORS as the contrast",
        "holds if the cross-origin WebSocket opens and delivers all published messages with "
        "no CORS headers, its handshake carrying the page's Origin (the browser sends its "
        "Origin and leaves the decision to the server); does not hold if the browser refuses "
        "it (it does not open and the handshake gets no HTTP error status, i.e. none >= 400) "
        "as it refuses a cross-origin fetch() without CORS; depends otherwise (refused by "
        "the server's own answer, or open but short of messages or of the Origin)",
        CHROMIUM,
        measured_by="ws_no_same_origin",
    ),
    Entry(
        "ws_same_origin",
        SEED_002,
        "WebSocket 也受到浏览器的同源策略限制",
        "WebSocket is subject to the browser's same-origin policy and needs CORS or a proxy "
        "to reach another origin (the same seed says it has no same-origin limit).",
        "as ws_no_same_origin, and again with the server's Origin check on",
        "holds if the browser refuses the cross-origin WebSocket while the server accepts "
        "any Origin (it does not open and the handshake gets no HTTP error status, i.e. none "
        ">= 400); does not hold if it opens with no CORS headers and delivers all published "
        "messages (a 403 from the server with its Origin check on is then the server's "
        "choice, not the browser's policy); depends if it is refused only by the server's "
        "own answer (an error status >= 400 on the handshake) or opens but delivers fewer",
        CHROMIUM,
        measured_by="ws_same_origin",
    ),
    Entry(
        "ws_low_overhead",
        SEED_002,
        "减少了握手和请求头的开销，降低了延迟，提高了性能",
        "On one TCP connection WebSocket saves HTTP requests' handshakes and headers, and "
        "so lowers latency.",
        f"{FOUR_G}, 1 and 20 msg/s (12 and 100 messages), one client each, short polling "
        f"every 0.5 s; {STEADY}, at the IP layer from a capture (TCP/IP headers and ACKs "
        "included); against short and long polling",
        "holds if WebSocket's steady-state bytes per message (TCP/IP included) are at most "
        "0.5x short and long polling's and its median latency at most theirs at both rates; "
        "does not hold if its steady-state bytes are at least theirs at either rate; depends "
        "otherwise, giving where",
        _uses(PYTHON, CAPTURE),
        measured_by="ws_low_overhead",
        also=((SEED_002, "相比传统的 HTTP 请求，它能够提供`更低的延迟`和`更高的效率`"),),
    ),
    Entry(
        "ws_server_easy",
        SEED_002,
        "建立在`TCP协议`之上，服务端的实现比较容易",
        "Built on TCP, a WebSocket server is comparatively easy to implement (seeds 000 and "
        "003 say it is complex).",
        "as ws_server_complex: code lines of the WebSocket and SSE server sides, with and "
        "without a helper library",
        "holds if the WebSocket server side takes at most 1.2x the SSE one's code lines, "
        "with and without a helper library; does not hold if at least 2x in both; depends "
        "otherwise, saying which",
        CODE,
        measured_by="ws_server_easy",
    ),
    Entry(
        "ws_passes_proxies",
        SEED_002,
        "握手时不容易屏蔽，能通过各种 HTTP 代理服务器",
        "Its handshake being HTTP, WebSocket is hard to block and passes all kinds of HTTP "
        "proxies.",
        "a sample of deployed HTTP proxies, each in its default configuration",
        "holds if WebSocket connects and delivers through every proxy of the sample; does "
        "not hold if some proxy refuses or breaks the Upgrade; depends if only some "
        "configurations do, naming them",
        NONE_HERE,
        not_testable=(
            "whether WebSocket passes proxies is a property of the proxies deployed and how "
            "they are configured; the lab has no sample of real proxies, and one it set up "
            "itself would decide the verdict by its own settings"
        ),
    ),
    Entry(
        "sse_old_browsers",
        SEED_002,
        "一些旧版本的浏览器可能不支持 SSE",
        "Not every browser supports SSE: old versions do not, and Internet Explorer does "
        "not at all.",
        "MDN browser-compat-data: EventSource support by browser and version",
        "holds if the data records no Internet Explorer version with EventSource and the "
        "other major desktop browsers (Chrome, Edge, Firefox, Safari, Opera) each adding it "
        "only after their first version; does not hold if some Internet Explorer version "
        "supports it; depends otherwise (IE lacks it, but some of the others had it from "
        "their first version)",
        MDN,
        measured_by="sse_old_browsers",
        also=((SEED_004, "只适用高级浏览器，IE浏览器暂不支持"),),
    ),
)

_SEED_003 = (
    Entry(
        "iframe_loading",
        SEED_003,
        "IE、Morzilla Firefox 下端的进度栏都会显示加载没有完成",
        "A forever iframe keeps the browser showing the page as still loading.",
        "Chromium (IE and Firefox are not available here): a page with rtlab's forever "
        "iframe in its markup streaming 1 msg/s for 10 s, then the server ends the stream; "
        "the page's load event and the iframe's readyState sampled every 50 ms",
        "holds if the page's load event does not fire while the stream is open and the "
        "iframe is 'loading' in at least 95 % of the samples from the first message to the "
        "end; does not hold if the load event fires within 1 s of the first message; "
        "depends otherwise (e.g. it fires while the stream is open but later, or the "
        "iframe leaves 'loading' without it)",
        CHROMIUM,
        measured_by="iframe_loading",
    ),
    Entry(
        "sse_binary",
        SEED_003,
        "用SSE传输二进制数据时数据会变大",
        "Sent over SSE, binary data gets bigger, so for much binary data WebSocket is better.",
        "random payloads of 16, 64, 1,024 and 16,384 B through a spec-conforming SSE "
        "decoder raw, and base64 in the JSON envelope over SSE, against text of the "
        "same length and WebSocket binary frames; steady-state downstream bytes per "
        "message",
        "does not hold if raw bytes come out of an SSE data field intact, or if base64 "
        "adds at most 10 % to the whole SSE message at every size; holds if it adds "
        "more than 10 % at every size; depends otherwise, giving the sizes on each side",
        PYTHON,
        measured_by="sse_binary",
    ),
    Entry(
        "upstream_rate",
        SEED_003,
        "如果需要以1次/秒或者更快的频率向服务端传输数据，那应该用WebSocket",
        "At one client-to-server message a second or more WebSocket beats SSE + separate "
        "Ajax POSTs; 0.2-1/s is a grey zone; below about 0.2/s they hardly differ.",
        "the 4G profile (60 ms RTT, 12 Mbit/s), upstream messages at 0.15, 1 and 10/s "
        "(quick; 0.1 to 10/s in a full run); WebSocket against SSE + POST through a "
        "server that closes keep-alive connections idle for 5 s (Node.js's and Apache's "
        "default)",
        "at a rate the designs differ if SSE + POST's median latency is more than 10 % "
        "and 5 ms from WebSocket's, or it opens a new connection for half its messages "
        "or more; holds if they differ at every rate of 1/s or more and at no rate of "
        "0.2/s or less; does not hold if neither part is true; depends if one is, "
        "giving where they cross",
        _uses(PYTHON, PROCESS),
        measured_by="upstream_rate",
        also=((SEED_003, "频率低于0.2次/秒左右时，两者差别不大"),),
    ),
    Entry(
        "post_overhead_small",
        SEED_003,
        "这样使用Ajax会增加开销，但也就多一点点而已",
        "Sending client-to-server data as separate Ajax requests beside SSE adds only a "
        "little overhead over WebSocket.",
        f"{FOUR_G}, 2 upstream msg/s (small JSON), 30 messages; a WebSocket message "
        "against a POST on a warm keep-alive connection beside an SSE stream; wire bytes "
        "after set-up (the relays' counts), server CPU per message (the lab thread's "
        "nanosecond clock), median latency to a subscriber",
        "holds if a POST costs at most 1.5x a WebSocket message's steady-state wire bytes "
        "and server CPU, and adds at most 10 ms of median latency; does not hold if it costs "
        "at least 3x on either, or adds a round trip (60 ms); depends otherwise",
        PYTHON,
        measured_by="post_overhead_small",
    ),
    Entry(
        "sse_vs_ws_text",
        SEED_003,
        "延迟、带宽、服务器负载等都没有区别",
        "For text, SSE and WebSocket do not differ in latency, bandwidth or server load.",
        "10 clients of each (20 in a full run), 20 msg/s of text on the 4G profile (60 "
        "ms RTT, 12 Mbit/s), server in its own process; steady-state bytes per message "
        "at 16, 64, 1,024 and 16,384 characters",
        "median and p99 latency agree within 10 % or 2 ms and 20 % or 5 ms, server CPU "
        "within 25 % or 0.05 s, bytes per message at a size within 10 %; does not hold "
        "if latency or CPU differs, or the bytes differ at every size; holds if "
        "everything agrees at every size; depends if only the bytes differ, and only at "
        "some sizes",
        _uses(PYTHON, PROCESS),
        measured_by="sse_vs_ws_text",
        also=(
            (SEED_003, "如果是文本数据而非二进制数据（如前文所提到的），SSE和WebSocket没什么区别"),
        ),
    ),
    Entry(
        "sse_worker",
        SEED_003,
        "一个SSE连接不仅使用一个套接字，还会占用一个Apache线程或进程",
        "On a server with a thread or process per connection (Apache, PHP) each SSE "
        "connection holds a worker, which limits how many connections it can hold; an "
        "event-loop server does not have that limit.",
        "a worker-pool server with 4 worker threads (one connection each, as Apache's MPMs "
        "and PHP-FPM serve) beside aiohttp: 5 SSE streams open on each, one message "
        "published, then one plain poll request, each given 1 s",
        "holds if on the worker pool exactly as many streams as workers got the message "
        "and the poll went unanswered, while aiohttp served every stream and the poll; does "
        "not hold if the worker pool served more streams than it has workers; depends "
        "otherwise (e.g. aiohttp was limited too, so the cause is not the architecture)",
        _uses(THREADED, PYTHON),
        measured_by="sse_worker",
        also=((SEED_003, "Apache和PHP会使用大量的内存，这会限制服务器所能支持的并行连接数"),),
    ),
    Entry(
        "ws_sse_support_similar",
        SEED_003,
        "WebSocket和SSE的浏览器支持率差不多",
        "Browser support for WebSocket and for SSE is about the same (the same seed also "
        "says WebSocket is hard to make compatible and SSE easy).",
        "MDN browser-compat-data: the release dates of the first version of each major "
        "desktop and mobile browser supporting EventSource and WebSocket",
        "holds if the two first versions are released within 2 years of each other in all "
        "but one browser; does not hold if more than 2 years apart (or one never supported) "
        "in three browsers or more; depends otherwise, naming the browsers",
        MDN,
        measured_by="ws_sse_support_similar",
    ),
    Entry(
        "safari_versions",
        SEED_003,
        "Safari从5.0开始支持SSE（iOS系统从4.0开始），但直到6.0才正确地支持WebSocket",
        "Safari supports SSE from 5.0 (iOS from 4.0) but the standard WebSocket only from 6.0.",
        "MDN browser-compat-data: EventSource in Safari and iOS Safari, WebSocket (RFC "
        "6455) in Safari",
        "holds if the data gives all three versions within one major version; does not hold "
        "if two or more are off by more; depends otherwise, giving the recorded versions",
        MDN,
        measured_by="safari_versions",
    ),
    Entry(
        "android_versions",
        SEED_003,
        "在Android 4.3以及更早的版本中，系统默认浏览器两者都不支持",
        "Android's default browser supports neither SSE nor WebSocket up to 4.3, and both "
        "from 4.4.",
        "MDN browser-compat-data: EventSource and WebSocket in Android's WebView / default browser",
        "holds if both are recorded from 4.4 exactly; does not hold if neither is; depends "
        "if only one is, giving the recorded versions",
        MDN,
        measured_by="android_versions",
        also=((SEED_003, "Android 4.4中，系统默认浏览器两者都支持"),),
    ),
    Entry(
        "ws_proxies_need_work",
        SEED_003,
        "对WebSocket而言，代理服务器需要做一些开发（或其他工作）才能支持",
        "Proxies need work before they pass WebSocket, while SSE runs through existing "
        "proxies as it is.",
        "a sample of deployed proxies, each in its default configuration",
        "holds if WebSocket fails through some proxy of the sample that passes SSE; does not "
        "hold if every proxy passes both; depends if only some configurations fail, naming "
        "them",
        NONE_HERE,
        not_testable=(
            "as ws_passes_proxies: it is about the proxies in service and their "
            "configuration, of which the lab has no sample"
        ),
        also=(
            (SEED_002, "一些网络代理可能会阻止 WebSocket 连接"),
            (SEED_003, "它能直接运行于现有的代理服务器和认证技术"),
        ),
    ),
)

_SEED_004 = (
    Entry(
        "ws_idle",
        SEED_004,
        "消息连接后如果长时间没有消息通信，连接便会自动断开，需要发送心跳包",
        "A WebSocket left without messages for long is dropped, so heartbeats are needed.",
        "a WebSocket left silent behind a proxy that closes connections idle for 2 s "
        "(nginx's 60 s proxy_read_timeout scaled by 1/30), with pings every 0.83 s "
        "(Socket.IO's 25 s, scaled) and without; for 5 s (12 s in a full run); a direct "
        "path beside it",
        "holds if the idle socket was dropped without heartbeats and survived with "
        "them; does not hold if it survived without heartbeats; depends if it was "
        "dropped with heartbeats too (on the ping interval against the proxy's timeout)",
        _uses(CHROMIUM, PYTHON),
        measured_by="ws_idle",
    ),
    Entry(
        "sse_no_cors",
        SEED_004,
        "SSE不支持CORS，参数url就是服务器网址，必须与当前网页的网址在同一个网域（domain）",
        "SSE does not support CORS: the EventSource URL must be on the page's own origin.",
        "Chromium: a page on one origin opens an EventSource to a lab on another port, "
        "without and with the page's origin in the lab's CORS allow-list; 3 messages "
        "published to each",
        "holds if the cross-origin EventSource gets no message even when the server "
        "allows the page's origin; does not hold if it gets the messages when allowed "
        "(and none when not); depends otherwise",
        CHROMIUM,
        measured_by="sse_no_cors",
    ),
)

CATALOGUE: tuple[Entry, ...] = _SEED_000 + _SEED_001 + _SEED_002 + _SEED_003 + _SEED_004


@dataclass(frozen=True)
class Coverage:
    """How much of the catalogue the lab covers: entries, those with a rule
    measured today (`measured_by` set), those not testable, and entries per seed."""

    entries: int
    measured: int
    not_testable: int
    per_seed: dict[str, int] = field(default_factory=dict)


def coverage(entries: Iterable[Entry] = CATALOGUE) -> Coverage:
    """Count the catalogue's entries, how many are measured today, how many are
    not testable, and how many each seed has (in SEEDS order)."""
    chosen = list(entries)
    seeds = Counter(entry.seed for entry in chosen)
    return Coverage(
        entries=len(chosen),
        measured=sum(entry.measured_by is not None for entry in chosen),
        not_testable=sum(entry.not_testable is not None for entry in chosen),
        per_seed={seed: seeds[seed] for seed in SEEDS if seeds[seed]},
    )
