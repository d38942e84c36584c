"""nginx in front of the replicas (deploy/): an idle connection to a replica is closed by nginx
before the replica closes it.

Streamlit 1.67 serves with uvicorn, which closes a connection idle for 5 s. When nginx kept idle
connections longer (its default, 60 s), it reused connections the replica was closing: in a CI
run a page load paused for about 5 s, the JS chunks it asked for next went out on such
connections, met resets, both replicas were marked failed and every chunk was answered 502.

Checked without timing anything: whichever side closes a TCP connection first keeps it in
TIME_WAIT (about a minute, Linux), so once the connections of a burst of requests have closed,
the new TIME_WAIT sockets say who closed them: nginx's side (remote port: a replica) or the
replica's (local port: a replica)."""

from __future__ import annotations

import importlib.util
import os
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
TIME_WAIT, LISTEN = "06", "0A"  # /proc/net/tcp's states; the others: open, or closing

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason=f"needs nginx at {NGINX} (apt-get install nginx)")


def _deploy() -> Any:
    spec = importlib.util.spec_from_file_location("zi_deploy_replicas_keepalive", REPO / "deploy" / "replicas.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sockets() -> set[tuple[int, int, str]]:
    """(local port, remote port, state) of every IPv4 TCP socket on 127.0.0.1 (/proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if local.startswith("0100007F:") and remote.startswith("0100007F:"):
            found.add((int(local.split(":")[1], 16), int(remote.split(":")[1], 16), state))
    return found


def _until(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def test_nginx_closes_an_idle_replica_connection_before_the_replica_does(pg_url: str, tmp_path: Path) -> None:
    from zi_metrics.pg_cluster import free_port

    deploy = _deploy()
    state = tmp_path / "run"
    record = deploy.start(replicas=1, port=free_port(), database_url=pg_url, state=state)  # one shows it
    try:
        replicas = {r["port"] for r in record["replicas"]}

        def to_replicas(socks: set[tuple[int, int, str]], *states: str) -> set[tuple[int, int, str]]:
            return {s for s in socks if s[2] in states and (s[0] in replicas or s[1] in replicas)}

        def open_or_closing() -> set[tuple[int, int, str]]:
            return {s for s in _sockets() if s[2] not in (TIME_WAIT, LISTEN) and replicas & {s[0], s[1]}}

        # the start's health checks went to the replicas directly: only what comes after counts
        before = to_replicas(_sockets(), TIME_WAIT)
        url = record["url"].rstrip("/") + "/_stcore/health"
        errors: list[BaseException] = []

        def fetch(cookie: str) -> None:
            try:
                request = urllib.request.Request(url, headers={"Cookie": f"_streamlit_xsrf={cookie}"})
                with urllib.request.urlopen(request, timeout=60) as response:
                    assert response.status == 200
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        # at once, so that nginx opens several connections to the replica
        threads = [threading.Thread(target=fetch, args=(f"tab-{i}",)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        # (whether any is still open by now depends on the machine's pace: nginx keeps them 2 s);
        # both sides done, the one that closed first in TIME_WAIT
        _until(lambda: not open_or_closing(), "the connections to the replica closed on both sides")
        closed = to_replicas(_sockets(), TIME_WAIT) - before
        by_replica = {s for s in closed if s[0] in replicas}
        by_nginx = {s for s in closed if s[1] in replicas}
        assert by_nginx, f"no connection closed by nginx: {sorted(closed)}"
        assert not by_replica, (f"{len(by_replica)} idle connections were closed by the replica first "
                                f"(nginx could reuse one as it closes): {sorted(by_replica)}")
    finally:
        deploy.stop(state)
