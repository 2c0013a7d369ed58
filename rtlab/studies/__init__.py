"""Studies: each measures one question with the harness in `rtlab.runs` and
returns numbers (frames and figures as plain values); plots live in
`rtlab.views`. experiments (latency and cost per technique and network),
reliability (faults, idle proxies, slow consumers), load (many clients),
capture (the bytes on the wire), browser and browser_checks (Chromium), claims
(the articles' claims, each judged by a rule)."""
