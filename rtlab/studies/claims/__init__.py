"""The seed articles' claims, each put to an experiment measured in the same run.

The five seed articles the lab grew from (Chinese blog posts, numbered
000-004) make claims about the push techniques: a performance ranking, what SSE
can carry, who reconnects, why WebSockets need heartbeats, when WebSocket beats
SSE + POST, how a long-poll server should wait, and what an SSE connection
sends. Each claim has a module here, named by what it measures, with

- a measurement (`measure_*`): an async function that runs the lab's server,
  clients and network relay and returns a `Measurement`: the figures behind
  the verdict (`measured`, a flat `dict[str, float]`) and the plain series its
  plot draws; the plots themselves are in `rtlab.views.claims`;
- a rule (`rule_*`): a pure function from those figures to a verdict and a
  one- or two-sentence evidence text. The thresholds are module constants and
  the rules never look at anything but the figures, so a verdict can always be
  traced to numbers, and the rules are unit-tested with synthetic figures.

`catalogue.CATALOGUE` lists every testable statement of the seeds (quoted
verbatim, with the rule that will judge it and the claim measuring it today, if
any); `registry.CLAIMS` lists the claims measured; `base` holds the shared
types and rule helpers, `harness` the delivery recorder and waits the claims
still carry themselves.

    results = claims.evaluate_all()   # RTLAB_QUICK=1: the quick runs (~50 s), a progress bar
    views.claims.table(results)       # claim, source, verdict, evidence; .data: the frame
    views.claims.figure(results[0])   # the plot of one claim's figures

Verdicts are "holds", "does not hold", "depends" (true under some measured
conditions, not others; the evidence says which) and "not testable here"
(the instrument is missing on this machine, e.g. no Chromium for what a
browser does; the evidence says which).
"""

from rtlab.studies.claims.base import VERDICTS, Claim, ClaimResult, Measurement
from rtlab.studies.claims.binary import BINARY_SIZES, rule_sse_binary
from rtlab.studies.claims.catalogue import CATALOGUE, Entry, coverage
from rtlab.studies.claims.idle import rule_ws_idle
from rtlab.studies.claims.longpoll_check import rule_longpoll_check
from rtlab.studies.claims.ranking import RANKED, rule_ranking
from rtlab.studies.claims.reconnect import rule_sse_reconnect
from rtlab.studies.claims.records import load as load_results
from rtlab.studies.claims.registry import CLAIMS, evaluate, evaluate_all
from rtlab.studies.claims.sse_requests import rule_sse_periodic_requests
from rtlab.studies.claims.text import TEXT_TOLERANCES, rule_sse_vs_ws_text
from rtlab.studies.claims.upstream import UPSTREAM_RATES_QUICK, rule_upstream_rate

__all__ = [
    "BINARY_SIZES",
    "CATALOGUE",
    "CLAIMS",
    "RANKED",
    "TEXT_TOLERANCES",
    "UPSTREAM_RATES_QUICK",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "Entry",
    "Measurement",
    "coverage",
    "evaluate",
    "evaluate_all",
    "load_results",
    "rule_longpoll_check",
    "rule_ranking",
    "rule_sse_binary",
    "rule_sse_periodic_requests",
    "rule_sse_reconnect",
    "rule_sse_vs_ws_text",
    "rule_upstream_rate",
    "rule_ws_idle",
]
