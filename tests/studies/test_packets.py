"""The loopback packet capture: reading pcap files, and a real capture beside
the relay's count (skipped without tcpdump, naming the package)."""

from __future__ import annotations

from pathlib import Path

import dpkt
import pytest

from rtlab.studies.packets import CaptureUnavailable, read_packets, wire_overhead


def _segment(payload: bytes, flags: int = dpkt.tcp.TH_ACK) -> bytes:
    tcp = dpkt.tcp.TCP(sport=5000, dport=6000, flags=flags, data=payload)
    ip = dpkt.ip.IP(src=b"\x7f\x00\x00\x01", dst=b"\x7f\x00\x00\x01", p=dpkt.ip.IP_PROTO_TCP)
    ip.data = tcp
    ip.len = len(bytes(ip))
    frame = dpkt.ethernet.Ethernet(type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
    return bytes(frame)


def test_read_packets_gives_ip_length_and_tcp_payload_from_the_headers(tmp_path: Path) -> None:
    path = tmp_path / "made.pcap"
    with path.open("wb") as handle:
        writer = dpkt.pcap.Writer(handle, snaplen=128, linktype=dpkt.pcap.DLT_EN10MB)
        writer.writepkt(_segment(b"", dpkt.tcp.TH_SYN), ts=10.0)
        writer.writepkt(_segment(b"data: hello\n\n"), ts=10.5)
        writer.writepkt(_segment(b"x" * 300), ts=11.0)  # longer than the snap length
    packets = read_packets(path)
    assert [p.t for p in packets] == [10.0, 10.5, 11.0]
    assert [p.payload_bytes for p in packets] == [0, 13, 300]
    assert [p.ip_bytes for p in packets] == [40, 53, 340]  # 20 B IP + 20 B TCP headers


def test_capture_counts_the_relays_payload_and_the_tcpip_headers_beneath() -> None:
    try:
        frame = wire_overhead(["sse", "ws"], messages=20, rate=20.0, network="loopback")
    except CaptureUnavailable as error:
        pytest.skip(f"no packet capture here: {error}")
    for technique in ("sse", "ws"):
        row = frame.loc[technique]
        assert row["delivered"] == 20 and row["connections"] == 1
        # the capture's TCP payload is the relay's byte count, in both parts
        assert row["setup_payload_bytes"] == row["setup_relay_bytes"] > 0
        assert row["steady_payload_bytes_per_msg"] == pytest.approx(
            row["steady_relay_bytes_per_msg"]
        )
        # a handshake is 3 segments with no payload, each 40 B of headers at least
        assert row["setup_packets"] >= 4
        assert row["setup_ip_bytes"] >= row["setup_payload_bytes"] + 3 * 40
        assert row["steady_packets_per_msg"] >= 1
        assert row["steady_tcpip_overhead_per_msg"] >= 40
