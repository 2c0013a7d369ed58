"""The measuring harness every study composes: hosts that run a server (in a
thread or a child process), progress bars, and (as they move here) the publish
schedule, the delivery recorder, row schemas, statistics and the on-disk layout.

Layers: core (message, hub, wire, server, clients, lab) ← runs ← studies ←
views ← CLI and notebooks; `make lint` checks that nothing imports upward.
"""
