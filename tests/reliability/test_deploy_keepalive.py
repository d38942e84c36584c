"""nginx in front of the replicas (deploy/): an idle connection to a replica is dropped by nginx
before the replica drops it, and one failed request does not take a replica out.

Streamlit 1.67 serves with uvicorn, which closes a connection idle for its ``timeout_keep_alive``
(5 s). When nginx kept idle upstream connections longer (its default, 60 s), it reused connections
the replica was closing: in a CI run a page load paused for about 5 s, the JS chunks it asked for
next went out on such connections and met resets; each replica was marked failed after one error
(max_fails=1), and every request was answered 502 ("no live upstreams").

Checked on the configuration deploy/replicas.py writes, against the keep-alive of the uvicorn that
Streamlit runs (read from uvicorn itself, so an upgrade that shortens it fails here). Which side
closes is what was measured (the closing side keeps the socket in TIME_WAIT): the replica with the
old configuration, nginx with this one; that measurement, made in a test, read the sockets of a
whole machine running the suite and was not reliable there."""

from __future__ import annotations

import re
from pathlib import Path

import uvicorn

from deploy import replicas as deploy  # deploy/ is a folder of scripts: a namespace package


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", value).groups()  # nginx's time units used here
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[unit]


def test_nginx_drops_an_idle_replica_connection_before_the_replica_does(tmp_path: Path) -> None:
    conf = deploy.nginx_config(tmp_path, 8080, [20001, 20002])
    upstream = re.search(r"upstream zi_dashboard \{(.*?)\}", conf, re.S)
    assert upstream, conf
    block = upstream.group(1)
    assert re.search(r"^\s*keepalive \d+;", block, re.M), "upstream keepalive is off"
    idle = re.search(r"^\s*keepalive_timeout (\S+);", block, re.M)
    assert idle, "no keepalive_timeout in the upstream: nginx keeps idle connections 60 s"
    replica_keeps = uvicorn.Config(app=lambda *a: None).timeout_keep_alive
    # at least a second of margin: a replica whose event loop is busy closes late, never early
    assert _seconds(idle.group(1)) <= replica_keeps - 1, (idle.group(1), replica_keeps)


def test_one_failed_request_does_not_take_a_replica_out(tmp_path: Path) -> None:
    conf = deploy.nginx_config(tmp_path, 8080, [20001, 20002])
    servers = re.findall(r"server 127\.0\.0\.1:(\d+)([^;]*);", conf)
    assert [port for port, _ in servers] == ["20001", "20002"]
    for _, options in servers:
        fails = re.search(r"max_fails=(\d+)", options)
        assert fails and int(fails.group(1)) >= 2, options  # 0 (never out) would hide a dead replica
