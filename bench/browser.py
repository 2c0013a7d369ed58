"""What only a browser shows, measured in headless Chromium (rtlab.browser_checks).
Prints each check's figures; asserts nothing.

1. EventSource against a server that cuts every 5th message, retry 200 ms,
   and a plain WebSocket cut the same way.
2. Seven EventSources to one origin over HTTP/1.1, a fetch() behind them,
   other origins and WebSockets beside them.
3. EventSource and fetch() across origins, without and with CORS allowance.
4. A forever iframe with data that tries to break out of its <script>.

    python bench/browser.py      # about 5 s
"""

from __future__ import annotations

import argparse

from rtlab import browser_checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    for name, result in browser_checks.run_all().items():
        print(f"\n{name}")
        for key, value in result.figures.items():
            print(f"  {key:40} {value}")


if __name__ == "__main__":
    main()
