"""Static images of figures: PNG, PDF or SVG through kaleido 1.x and the system Chromium (never a
downloaded one), keeping one warm kaleido server per process."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from typing import Any, Literal

import plotly.graph_objects as go

_log = logging.getLogger(__name__)

ImageFormat = Literal["png", "pdf", "svg"]

_IMAGE_TIMEOUT_S = 90.0  # outer guard; kaleido's own per-image timeout is set below it
_kaleido_lock = threading.Lock()
_kaleido_started = False


def find_chromium() -> str:
    """Path of the system Chromium kaleido will drive; RuntimeError with the fix if absent.

    ``BROWSER_PATH`` (kaleido's own override) wins; then ``chromium`` etc. on PATH;
    then ``/usr/bin/chromium``. Kaleido's Chrome download is never used.
    """
    override = os.environ.get("BROWSER_PATH")
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise RuntimeError(f"BROWSER_PATH={override!r} is not an executable browser")
    candidates = [
        shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    ]
    for path in [*candidates, "/usr/bin/chromium"]:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise RuntimeError(
        "Image export needs Chromium, which is not installed: run `apt-get install -y chromium` "
        "(expected at /usr/bin/chromium) or set BROWSER_PATH to a Chromium/Chrome executable."
    )


def _ensure_server() -> None:
    global _kaleido_started
    if _kaleido_started:
        return
    import kaleido

    browser = find_chromium()
    # mathjax=False: no CDN fetch (offline machines); plotly.js comes from the plotly package.
    kaleido.start_sync_server(
        path=browser, timeout=_IMAGE_TIMEOUT_S - 30, mathjax=False, silence_warnings=True
    )
    _kaleido_started = True


def stop_image_server() -> None:
    """Stop the warm kaleido server (and its Chromium) if this module started it. Safe to call twice."""
    global _kaleido_started
    with _kaleido_lock:
        if not _kaleido_started:
            return
        import kaleido

        _kaleido_started = False
        stopper = threading.Thread(
            target=kaleido.stop_sync_server, kwargs={"silence_warnings": True}, daemon=True
        )
        stopper.start()
        stopper.join(15)
        if stopper.is_alive():
            _log.warning("kaleido server did not stop within 15 s")


def figure_to_image(
    fig: go.Figure,
    fmt: ImageFormat = "png",
    width: int = 1200,
    height: int = 700,
    scale: float = 1,
) -> bytes:
    """Render ``fig`` to PNG, PDF or SVG bytes through kaleido and the system Chromium.

    The first call starts one kaleido server (about 2.5 s); later calls reuse it
    (about 0.2 s each). Calls are serialised: kaleido's sync server is not safe for
    concurrent callers. Raises RuntimeError when Chromium is missing or rendering fails
    or hangs for more than 90 s; call :func:`stop_image_server` to release the browser.
    """
    if fmt not in ("png", "pdf", "svg"):
        raise ValueError(f"unsupported image format {fmt!r}; use png, pdf or svg")
    spec = fig.to_dict()
    opts = {"format": fmt, "width": int(width), "height": int(height), "scale": scale}
    with _kaleido_lock:
        _ensure_server()
        import kaleido

        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["data"] = kaleido.calc_fig_sync(spec, opts=opts)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="zi-figure-to-image", daemon=True)
        worker.start()
        deadline = time.monotonic() + _IMAGE_TIMEOUT_S
        server_died = False
        while worker.is_alive() and time.monotonic() < deadline:
            worker.join(0.1)
            # kaleido's server thread exits if Chromium cannot start; its queue then never answers.
            server_thread = getattr(getattr(kaleido, "_global_server", None), "_thread", None)
            if worker.is_alive() and server_thread is not None and not server_thread.is_alive():
                server_died = True
                break
    if worker.is_alive():
        stop_image_server()
        if server_died:
            raise RuntimeError("image export failed: the kaleido server stopped (could Chromium not start?)")
        raise RuntimeError(
            f"image export did not finish within {_IMAGE_TIMEOUT_S:.0f} s (kaleido/Chromium hung)"
        )
    if "error" in outcome:
        raise RuntimeError(f"image export failed: {outcome['error']}") from outcome["error"]
    data = outcome.get("data")
    if not isinstance(data, bytes | bytearray) or not data:
        raise RuntimeError("image export returned no data")
    return bytes(data)

