"""A page's own view state in the URL: multi-valued pickers as comma-separated ids or codes, and a
check of the values a bound widget would drop without a word.

The sidebar's choices (``lang``, ``tahun``, ``tahap``, ``unit``) are global and kept by
``ui.state``. A page's own pickers are kept here, scoped by page: Progres's ``?units=`` and the
deck's ``?units=`` never mistake one another for a value already seen. As in ``ui.state``, a URL
value is read when it is new to the session (first load, a pasted link, back/forward), checked,
copied into the widget's session key before the widget is drawn, and written back after it.
Unknown values are dropped with the same notice as the sidebar's (``notice.invalid_url_value``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import streamlit as st

from ui.state import md_text, tr

_SYNCED = "_url_synced_pages"  # session key: "page:param" -> raw value last read or written


def _synced() -> dict[str, str]:
    return st.session_state.setdefault(_SYNCED, {})


def split_list(raw: str, valid: Iterable[str]) -> tuple[list[str], list[str]]:
    """``"a,b,,a,x"`` -> (known values in the given order without repeats, unknown values)."""
    allowed = set(valid)
    known: list[str] = []
    unknown: list[str] = []
    for part in raw.split(","):
        value = part.strip()
        if not value:
            continue
        target = known if value in allowed else unknown
        if value not in target:
            target.append(value)
    return known, unknown


def notice(param: str, values: Sequence[str]) -> str:
    return tr("notice.invalid_url_value", param=param, value=md_text(", ".join(values)[:60]))


def seed_list(page: str, param: str, state_key: str, valid: Sequence[str], default: Sequence[str],
              notices: list[str]) -> None:
    """Before a multiselect keyed ``state_key``: a new ``?param=`` value becomes its selection (the
    known values, in the URL's order; unknown ones are noticed); without one, an unset widget
    starts on ``default``. Values no longer valid (another year or unit) are dropped quietly."""
    key = f"{page}:{param}"
    synced = _synced()
    if state_key not in st.session_state:
        synced.pop(key, None)  # the widget was forgotten (another page): read the URL again
    values = st.query_params.get_all(param)
    raw = ",".join(values) if values else None
    if raw is not None and synced.get(key) != raw:
        synced[key] = raw
        known, unknown = split_list(raw, valid)
        if unknown:
            notices.append(notice(param, unknown))
        st.session_state[state_key] = known
    if state_key not in st.session_state:
        st.session_state[state_key] = [v for v in default if v in valid]
    else:
        allowed = set(valid)
        st.session_state[state_key] = [v for v in st.session_state[state_key] if v in allowed]


def write_list(page: str, param: str, values: Sequence[str], *, omit_empty: bool = False) -> None:
    """After the widget: ``?param=a,b``. An empty selection is ``?param=`` (the URL still says that
    nothing is chosen), or no parameter at all with ``omit_empty`` (where empty is the default)."""
    raw = ",".join(values)
    if omit_empty and not values:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get_all(param) != [raw]:
        st.query_params[param] = raw
    _synced()[f"{page}:{param}"] = raw


def bound_param_notices(prefix: str, checks: Mapping[str, Callable[[str], bool]]) -> list[str]:
    """Notices for the URL's ``prefix*`` parameters that widgets bound with
    ``bind="query-params"`` would ignore silently: a name no widget has, or a value its check
    refuses (``checks``: parameter -> accepts the raw text). Call before the widgets; once per
    new URL value, like the other parameters."""
    found: list[str] = []
    synced = _synced()
    for param in st.query_params:
        if not param.startswith(prefix):
            continue
        raw = st.query_params.get(param, "")
        key = f"bound:{param}"
        if synced.get(key) == raw:
            continue
        synced[key] = raw
        check = checks.get(param)
        if check is None or not _safe(check, raw):
            found.append(notice(param, [raw]))
    return found


def _safe(check: Callable[[str], bool], raw: str) -> bool:
    try:
        return bool(check(raw))
    except (ValueError, TypeError):
        return False


def number_check(low: float, high: float) -> Callable[[str], bool]:
    """A check for a bound number widget: a plain decimal number within ``[low, high]``."""

    def accepts(raw: str) -> bool:
        value = float(raw)
        return raw.strip() == raw and low <= value <= high and value == value  # NaN fails

    return accepts


def option_check(options: Iterable[Any]) -> Callable[[str], bool]:
    """A check for a bound select widget: one of ``options`` (compared as text)."""
    allowed = {str(o) for o in options}
    return lambda raw: raw in allowed


def unknown_page(known: Iterable[str]) -> str | None:
    """The page path the browser asked for when the app has no such page (Streamlit then runs the
    default page and says so in English only), else None. ``known``: the pages' URL paths.

    Read from the run's request (the page name the browser sent with no page hash); None when
    Streamlit's internals do not say, so the worst case is the old silent landing."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    manager = getattr(get_script_run_ctx(), "pages_manager", None)
    name = getattr(manager, "intended_page_name", None)
    if not isinstance(name, str) or getattr(manager, "intended_page_script_hash", None):
        return None
    path = name.strip("/")
    return path if path and path not in set(known) else None


__all__ = ["bound_param_notices", "notice", "number_check", "option_check", "seed_list", "split_list",
           "unknown_page", "write_list"]
