"""Named network conditions for the relay in `rtlab.netem`.

Each profile is a one-way delay (half the round-trip time, as packet-level
shapers such as WebPageTest's dummynet set-up apply it: one pipe per
direction) and a bandwidth per direction. The figures are round numbers close
to widely used presets; the source of each is given so that a reader can judge
them:

- loopback: no shaping at all (this machine's loopback RTT is ~20-50 us).
- lan: 1 ms RTT, 100 Mbit/s; switched office Ethernet.
- broadband: 20 ms RTT, 50 Mbit/s; WebPageTest's "Cable" preset has 28 ms RTT,
  fibre/DSL in a city is often 10-20 ms.
- 4g: 60 ms RTT, 12 Mbit/s; WebPageTest's "LTE" preset (12 Mbit/s, 70 ms RTT).
- slow-3g: 400 ms RTT, 400 kbit/s; WebPageTest's "3G Slow" preset (400 kbit/s,
  400 ms RTT). For scale, Lighthouse's mobile throttling ("slow 4G") is
  150 ms RTT, 1.6 Mbit/s down (Lighthouse docs/throttling.md).

Only the last mile is modelled: no loss (TCP hides loss as extra delay), no
jitter. Random cuts and idle timeouts are separate relay settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtlab.netem import LinkSettings

__all__ = ["PROFILES", "NetworkProfile", "get_profile"]


@dataclass(frozen=True)
class NetworkProfile:
    name: str
    rtt_ms: float
    bandwidth_mbit: float | None
    source: str

    @property
    def delay(self) -> float:
        """One-way delay in seconds."""
        return self.rtt_ms / 2000

    @property
    def bandwidth(self) -> float | None:
        """Bytes per second per direction, or None for unlimited."""
        return None if self.bandwidth_mbit is None else self.bandwidth_mbit * 1_000_000 / 8

    def link_settings(self, **overrides: object) -> LinkSettings:
        settings = LinkSettings(delay=self.delay, bandwidth=self.bandwidth)
        for key, value in overrides.items():
            setattr(settings, key, value)
        return settings


PROFILES: dict[str, NetworkProfile] = {
    p.name: p
    for p in (
        NetworkProfile("loopback", 0.0, None, "no shaping"),
        NetworkProfile("lan", 1.0, 100.0, "switched Ethernet"),
        NetworkProfile("broadband", 20.0, 50.0, "WebPageTest 'Cable' (28 ms RTT), rounded"),
        NetworkProfile("4g", 60.0, 12.0, "WebPageTest 'LTE' (12 Mbit/s, 70 ms RTT), rounded"),
        NetworkProfile("slow-3g", 400.0, 0.4, "WebPageTest '3G Slow' (400 kbit/s, 400 ms RTT)"),
    )
}


def get_profile(name: str | NetworkProfile) -> NetworkProfile:
    if isinstance(name, NetworkProfile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown network profile {name!r}; choose one of {', '.join(PROFILES)}"
        ) from None
