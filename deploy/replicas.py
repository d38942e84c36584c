"""N dashboard replicas behind nginx on this machine, sharing one PostgreSQL database.

    python deploy/replicas.py start [--replicas 2] [--port 8080] [--database-url postgresql://...]
    python deploy/replicas.py status
    python deploy/replicas.py stop

``start`` uses ``--database-url`` (or ``$ZI_DATABASE_URL``); without one it starts a local
PostgreSQL from Debian's binaries with its data in ``data/pg/`` (kept between runs). It creates the
schema (with the demo data on the very first run), starts the replicas (``streamlit run
dashboard.py`` on free ports, all with the same ``STREAMLIT_SERVER_COOKIE_SECRET``: kept in
``deploy/run/cookie-secret`` unless the environment gives one), then nginx from
``deploy/nginx.conf.template`` (sticky sessions on the ``_streamlit_xsrf`` cookie, websocket
upgrade). Everything listens on 127.0.0.1 only. The PIDs go to ``deploy/run/pids.json``; ``stop``
ends each process by its own PID (nginx, the replicas, and PostgreSQL if it started it).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from zi_metrics import pg_cluster  # noqa: E402

DEFAULT_STATE = REPO / "deploy" / "run"
DEFAULT_PG_DATA = REPO / "data" / "pg"
TEMPLATE = REPO / "deploy" / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class DeployError(RuntimeError):
    pass


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)  # reap it if it is our child and has ended
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _end(pid: int | None, sig: int, timeout: float = 30.0) -> None:
    """Send ``sig`` to ``pid`` and wait until it is gone (SIGKILL after ``timeout``)."""
    if not _alive(pid):
        return
    assert pid is not None
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
        time.sleep(0.05)


def _get(url: str, timeout: float = 5.0) -> str:
    # No proxy: an http_proxy of the environment must not swallow a request to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.read().decode("utf-8", "replace")


def _wait_healthy(url: str, what: str, pid: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if _get(url).strip() == "ok":
                return
        except OSError:
            pass
        if not _alive(pid):
            raise DeployError(f"{what} exited while starting; see {log}")
        if time.monotonic() > deadline:
            raise DeployError(f"{what} not healthy after {timeout:.0f} s; see {log}")
        time.sleep(0.2)


def _cookie_secret(state: Path) -> str:
    given = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET", "").strip()
    if given:
        return given
    path = state / "cookie-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _local_database(pg_data: Path, durable: bool) -> tuple[str, dict[str, Any]]:
    """Start the local cluster and make sure its database ``zi`` exists."""
    import psycopg

    cluster = pg_cluster.start(pg_data, durable=durable)
    with psycopg.connect(cluster.url, autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = 'zi'").fetchone():
            con.execute("CREATE DATABASE zi")
    url = cluster.url.rsplit("/", 1)[0] + "/zi"
    return url, {"pid": cluster.pid, "data": str(cluster.data_dir), "port": cluster.port}


def nginx_config(state: Path, listen_port: int, replica_ports: list[int]) -> str:
    # One failed request does not take a replica out: with max_fails=1, one reset on each of two
    # replicas within 5 s left nginx with no live upstream, and every request got 502 until then.
    # A replica that is down refuses connections at once, so three tries find it quickly, and
    # each failed request is passed to the next replica meanwhile (proxy_next_upstream).
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=5s;" for p in replica_ports)
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    return (TEMPLATE.read_text(encoding="utf-8").replace("{{state}}", str(state))
            .replace("{{servers}}", servers).replace("{{listen}}", f"127.0.0.1:{listen_port}")
            .replace("{{user}}", user))


def start(replicas: int = 2, port: int = 8080, database_url: str | None = None, state: Path = DEFAULT_STATE,
          pg_data: Path = DEFAULT_PG_DATA, durable: bool = True, python: str = sys.executable,
          timeout: float = 180.0) -> dict[str, Any]:
    """Start everything; returns what ``pids.json`` records. On any failure, stops what it started."""
    from zi_metrics.database import ensure_database
    from zi_metrics.store import Store

    state = Path(state).absolute()
    state.mkdir(parents=True, exist_ok=True)
    if status(state)["running"]:
        raise DeployError(f"already running (see {state / 'pids.json'}); stop it first")
    record: dict[str, Any] = {"replicas": [], "nginx": None, "postgres": None, "port": port}
    try:
        url = (database_url or os.environ.get("ZI_DATABASE_URL", "")).strip()
        if not url:
            url, record["postgres"] = _local_database(Path(pg_data).absolute(), durable)
            _save(state, record)
        record["database"] = Store(url).location
        ensure_database(url)  # the schema, and the demo data on the very first run
        env = dict(os.environ, ZI_DATABASE_URL=url, STREAMLIT_SERVER_COOKIE_SECRET=_cookie_secret(state))
        for _ in range(replicas):
            replica_port = pg_cluster.free_port()
            log = state / f"replica-{replica_port}.log"
            with log.open("ab") as out:
                proc = subprocess.Popen(
                    [python, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
                     "--server.address", "127.0.0.1", "--server.port", str(replica_port)],
                    cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True)
            record["replicas"].append({"pid": proc.pid, "port": replica_port, "log": str(log)})
            _save(state, record)
        for r in record["replicas"]:
            _wait_healthy(f"http://127.0.0.1:{r['port']}/_stcore/health", f"replica on port {r['port']}",
                          r["pid"], Path(r["log"]), timeout)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (state / "tmp" / sub).mkdir(parents=True, exist_ok=True)
            (state / "tmp" / sub).chmod(0o777)  # nginx's workers run as nobody when started as root
        conf = state / "nginx.conf"
        conf.write_text(nginx_config(state, port, [r["port"] for r in record["replicas"]]), encoding="utf-8")
        log = state / "nginx-error.log"
        proc = subprocess.Popen([NGINX, "-p", str(state), "-c", str(conf), "-e", str(log), "-g", "daemon off;"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        record["nginx"] = {"pid": proc.pid, "log": str(log)}
        _save(state, record)
        _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", "nginx", proc.pid, log, timeout)
    except BaseException:
        stop(state)
        raise
    record["url"] = f"http://127.0.0.1:{port}/"
    _save(state, record)
    return record


def _save(state: Path, record: dict[str, Any]) -> None:
    tmp = state / "pids.json.part"
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    tmp.replace(state / "pids.json")


def _load(state: Path) -> dict[str, Any] | None:
    path = Path(state) / "pids.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def status(state: Path = DEFAULT_STATE) -> dict[str, Any]:
    record = _load(Path(state))
    if record is None:
        return {"running": False}
    pids = [r["pid"] for r in record.get("replicas", [])]
    pids += [p["pid"] for p in (record.get("nginx"), record.get("postgres")) if p]
    return {"running": any(_alive(p) for p in pids), **record,
            "alive": {str(p): _alive(p) for p in pids}}


def stop(state: Path = DEFAULT_STATE) -> None:
    """End nginx, the replicas and (if start() started it) PostgreSQL, each by its own PID."""
    record = _load(Path(state))
    if record is None:
        return
    if record.get("nginx"):
        _end(record["nginx"]["pid"], signal.SIGQUIT)  # graceful: open requests finish
    for r in record.get("replicas", []):
        _end(r["pid"], signal.SIGTERM)
    if record.get("postgres"):
        _end(record["postgres"]["pid"], signal.SIGINT)  # PostgreSQL's fast shutdown
    (Path(state) / "pids.json").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/replicas.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="start PostgreSQL (unless a URL is given), the replicas and nginx")
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (default 8080)")
    p.add_argument("--database-url", help="an existing PostgreSQL database (default: $ZI_DATABASE_URL, else a "
                                          "local cluster in data/pg)")
    p.add_argument("--state", type=Path, default=DEFAULT_STATE, help="where PIDs, logs and nginx.conf go")
    for name in ("status", "stop"):
        q = sub.add_parser(name)
        q.add_argument("--state", type=Path, default=DEFAULT_STATE)
    args = parser.parse_args(argv)
    from zi_metrics.store import StoreError

    try:
        if args.command == "start":
            if args.replicas < 1:
                parser.error("--replicas must be at least 1")
            record = start(args.replicas, args.port, args.database_url, args.state)
            print(f"{len(record['replicas'])} replicas of the dashboard behind nginx: {record['url']} "
                  f"(database {record['database']}); stop with: python deploy/replicas.py stop")
        elif args.command == "status":
            print(json.dumps(status(args.state), indent=2))
        else:
            stop(args.state)
            print("stopped")
    except (DeployError, pg_cluster.ClusterError, StoreError) as exc:
        print(f"replicas: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
