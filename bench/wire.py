"""Bytes per message below HTTP: a loopback packet capture beside the relay's
count (rtlab.studies.packets). Prints figures; asserts nothing.

One client per technique on the 4G profile, 100 messages of 64 characters at
10 per second; for each, the connection set-up (before the first publish) and
the steady state per delivered message: packets, IP bytes (TCP/IP headers,
handshakes, ACKs and closes included), TCP payload and the relay's count.
Needs tcpdump (Debian package tcpdump) and root.

    python bench/wire.py          # about 30 s
    python bench/wire.py --save   # and record it as data/wire_overhead.*
"""

from __future__ import annotations

import argparse

from rtlab.runs import store
from rtlab.studies.packets import wire_overhead

MESSAGES, RATE, NETWORK = 100, 10.0, "4g"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", action="store_true", help="record it in data/")
    args = parser.parse_args()
    frame = wire_overhead(messages=MESSAGES, rate=RATE, network=NETWORK)
    print(f"{MESSAGES} messages at {RATE:g}/s, one client per technique, {NETWORK}")
    print(frame.T.to_string(float_format=lambda v: f"{v:.1f}"))
    if args.save:
        meta = {"messages": MESSAGES, "rate": RATE, "network": NETWORK, "message_chars": 64}
        print("saved", store.save("wire_overhead", {"techniques": frame.reset_index()}, meta))


if __name__ == "__main__":
    main()
