"""Free TCP ports for the servers tests start, safe under pytest-xdist (one module, so one record
of the ports handed out per process)."""

from __future__ import annotations

import os
import random
import socket

# Ports for the servers tests start are taken below Linux's ephemeral range (32768-60999 by
# default), where no outgoing connection (Chromium's, a websocket's) can be handed the port between
# our check and the server's bind, and each pytest-xdist worker has its own block of 1,000 ports,
# so two workers never pick the same one. Each port is checked by binding it.
_PORT_BASE = 20_000
_PORT_BLOCK = 1_000
_ports_given: set[int] = set()


def _worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under pytest-xdist
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def worker_suffix() -> str:
    """"-gw1" in pytest-xdist's worker gw1, "" otherwise: for files a session writes to a shared
    folder (server logs in test-artifacts/)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"-{worker}" if worker else ""


def find_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port of this worker's block that no one listens on (checked by binding it), never
    handed out twice in a session."""
    first = _PORT_BASE + (_worker_number() % 12) * _PORT_BLOCK
    start = random.randrange(_PORT_BLOCK)
    for i in range(_PORT_BLOCK):
        port = first + (start + i) % _PORT_BLOCK
        if port in _ports_given:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        _ports_given.add(port)
        return port
    raise RuntimeError(f"no free port in {first}-{first + _PORT_BLOCK - 1}")
