"""A local PostgreSQL cluster started from Debian's binaries (tests, benchmarks, ``deploy/``).

``initdb`` then ``pg_ctl start`` (about 0.7 s), bound to 127.0.0.1 on a free port, trust
authentication for local connections only; as root the server runs as the ``postgres`` user
(PostgreSQL refuses to run as root). Stopped by the postmaster's own PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PG_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


class ClusterError(RuntimeError):
    pass


def pg_bin_dir() -> Path | None:
    """The folder of Debian's PostgreSQL server binaries, or None when they are not installed."""
    override = os.environ.get("ZI_PG_BIN", "").strip()
    for d in ((override,) if override else PG_BIN_DIRS):
        if d and Path(d, "initdb").is_file() and Path(d, "pg_ctl").is_file():
            return Path(d)
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class Cluster:
    data_dir: Path
    port: int
    pid: int
    owned_dir: bool  # made by start(): removed again by stop()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown of the postmaster by its PID (SIGINT), then wait for it to exit."""
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
        if self.owned_dir:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start(
    data_dir: str | os.PathLike[str] | None = None,
    port: int | None = None,
    *,
    durable: bool = True,
    settings: dict[str, str] | None = None,
) -> Cluster:
    """Start a cluster in ``data_dir`` (made with initdb when empty; a temporary folder when None).

    ``durable=False`` (tests, benchmarks' throw-away data) turns fsync off."""
    bindir = pg_bin_dir()
    if bindir is None:
        raise ClusterError("PostgreSQL server binaries not found (apt-get install postgresql)")
    owned = data_dir is None
    if owned:
        root = Path(tempfile.mkdtemp(prefix="zi-pg-"))
        os.chmod(root, 0o755)
        data = root / "data"
    else:
        data = Path(data_dir).absolute()  # type: ignore[arg-type]
        data.parent.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        data.mkdir(mode=0o700, exist_ok=True)
        shutil.chown(data, "postgres", "postgres")
    if not (data / "PG_VERSION").is_file():
        initdb = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C"]
        subprocess.run(_as_postgres(initdb + ([] if durable else ["--no-sync"])),
                       check=True, capture_output=True, text=True)
    port = port or free_port()
    options = {
        "port": str(port),
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(data),
        "max_connections": "200",
        "shared_buffers": "128MB",
        "work_mem": "64MB",  # large roll-ups spill at the default 4 MB
    }
    if not durable:
        options.update({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    options.update(settings or {})
    opts = " ".join(f"-c {k}={v}" for k, v in options.items())
    log = data / "server.log"
    proc = subprocess.run(
        _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "-t", "60",
                      "start"]),
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else proc.stderr
        raise ClusterError(f"PostgreSQL did not start on port {port}: {tail.strip()}")
    pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    return Cluster(data, port, pid, owned)
