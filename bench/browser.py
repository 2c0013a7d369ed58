"""What only a browser shows, measured in headless Chromium (rtlab.studies.browser_checks),
and browser clients beside Python clients (rtlab.studies.browser). Prints figures;
asserts nothing.

1. EventSource against a server that cuts every 5th message, retry 200 ms,
   and a plain WebSocket cut the same way.
2. Seven EventSources to one origin over HTTP/1.1, a fetch() behind them,
   other origins and WebSockets beside them.
3. EventSource and fetch() across origins, without and with CORS allowance.
4. A forever iframe with data that tries to break out of its <script>.
5. With --compare: 300 messages at 50/s to 5 browser clients and 5 Python
   clients per technique on loopback; --save records it as
   data/browser_vs_python.*.

    python bench/browser.py                    # about 5 s
    python bench/browser.py --compare --save   # about 2 minutes more
"""

from __future__ import annotations

import argparse

from rtlab.studies import browser, browser_checks, experiments
from rtlab.studies.experiments import Result, Scenario


def compare(messages: int = 300, rate: float = 50.0, clients: int = 5) -> Result:
    result: Result | None = None
    for technique in experiments.TECHNIQUES:
        in_browser = browser.run_browser(
            technique=technique, clients=clients, messages=messages, rate=rate, poll_interval=0.5
        )
        scenario = Scenario(
            technique, clients=clients, rate=rate, duration=messages / rate, poll_interval=0.5
        )
        in_python = experiments.run(scenario, progress=False)
        for part in (in_browser, in_python):
            result = part if result is None else result + part
    assert result is not None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="browser vs Python clients")
    parser.add_argument("--save", action="store_true", help="record --compare in data/")
    args = parser.parse_args()
    for name, result in browser_checks.run_all().items():
        print(f"\n{name}")
        for key, value in result.figures.items():
            print(f"  {key:40} {value}")
    if args.compare:
        result = compare()
        columns = ["technique", "client_kind", "clients", "delivered", "losses", "duplicates"]
        table = result.summary()[[*columns, "p50_ms", "p99_ms"]]
        print("\nbrowser and Python clients, 300 messages at 50/s, 5 clients each, loopback")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        if args.save:
            print("saved", result.save("browser_vs_python"))


if __name__ == "__main__":
    main()
