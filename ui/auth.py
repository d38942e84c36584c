"""Who may write: viewers (anyone who reaches the app) and signed-in editors.

Two ways to sign in as an editor, both configured in ``.streamlit/secrets.toml``
(see ``.streamlit/secrets.example.toml``):

* **OIDC** (Keycloak, Google, Microsoft Entra, ...) through Streamlit's ``st.login`` when an
  ``[auth]`` section exists; the signed-in ``st.user.email`` must be listed in
  ``[zi] editors = [...]`` (case-insensitive; an address the provider marks unverified never is).
  Streamlit keeps that sign-in in its own signed cookie, so it survives reloads and new tabs;
  ``st.logout`` ends it;
* **local accounts** under ``[zi.accounts]`` (user name = bcrypt hash, added with
  ``python -m zi_metrics add-editor``) for installations without a provider. Both are offered when
  both are configured.

**Local sign-ins across reloads.** A signed-in local editor is kept in this session's
``session_state`` (server-side) and checked against the secrets on every run, so removing the
account signs the editor out. To survive a reload or a new tab (each a new session), a successful
sign-in also writes a cookie ``zi_editor`` signed with HMAC-SHA256 (user name, expiry, nonce, the
account's bcrypt hash; see :mod:`zi_metrics.editor_sign_in`). Why this way: Streamlit 1.67 reads
the cookies of the page's connection (``st.context.cookies``) but has no API to set one outside
its own OIDC flow, and a component in an iframe would write its own origin's cookies; so the cookie
is written by a short script through ``st.html(..., unsafe_allow_javascript=True)``, whose content
is not iframed and carries only the signed value we made. It is ``SameSite=Strict``, ``Path=/``,
``Secure`` on HTTPS, expires with the sign-in (``[zi] session_hours``, default 12), and cannot be
``HttpOnly`` (JavaScript writes it; no page renders data as markup, see ``ui.display``). A new
session reads it once: altered, expired, unknown-account and changed-password cookies are ignored.
Sign-out deletes it and ignores the one this session's connection sent; another tab already
open stays signed in until it reloads (its session holds the sign-in; a stolen cookie would last
until it expires: keep ``session_hours`` short where that matters). The signing key is
``[zi] cookie_secret`` (at least 32 characters) or, without one, a random key the database keeps
(``server_secrets``), so every replica of one database accepts the others' cookies.

**Attempt limit.** Failed local sign-ins are counted per user name in the database (every
replica shares them): 5 attempts within 15 minutes refuse further attempts, even with the right
password, until the window has passed. Every refused sign-in is written to the audit log with the
user name tried and the visitor's address, never the password.

:func:`decide_editor` and :func:`auth_config` are pure (they take the secrets and ``st.user`` as
plain mappings) for tests; :func:`panel` draws the sign-in form or the signed-in status.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from ui import state
from ui.display import tr_md
from ui.state import tr
from zi_metrics.accounts import (
    accounts_of,
    editor_emails,
    find_account,
    invalid_accounts,
    minutes_until,
)
from zi_metrics.audit_text import format_when
from zi_metrics.editor_sign_in import (
    COOKIE_NAME,
    DEFAULT_SESSION_HOURS,
    attempt_sign_in,
    new_secret,
    read_cookie,
    session_seconds,
    sign_cookie,
    usable_secret,
)
from zi_metrics.store import StoreError

LOCAL_KEY = "_zi_local_editor"  # session_state: the signed-in local account's name
LOCAL_UNTIL_KEY = "_zi_local_until"  # session_state: when that sign-in ends (Unix seconds)
COOKIE_WRITE_KEY = "_zi_cookie_write"  # session_state: (value, max age) to write; ("", 0) deletes it
COOKIE_SEEN_KEY = "_zi_cookie_seen"  # session_state: the request's cookie, once read (or refused)
SIGNED_OUT_KEY = "_zi_signed_out"  # session_state: this session signed out (ignore its request cookie)
MESSAGES_KEY = "_zi_auth_messages"  # session_state: why the last sign-in was refused
COOKIE_SECRET_NAME = "editor_cookie"  # the database's server_secrets row without [zi] cookie_secret
_FORM_KEYS = ("auth_username", "auth_password")
# Settings of [auth] itself; any other sub-table of [auth] is a named provider.
_AUTH_SETTINGS = {"redirect_uri", "cookie_secret", "expose_tokens", "client_id", "client_secret",
                  "server_metadata_url", "client_kwargs"}


@dataclass(frozen=True)
class Editor:
    """A signed-in editor. ``actor`` is written to the audit log with every change."""

    actor: str
    method: str  # "oidc" | "local"


@dataclass(frozen=True)
class AuthConfig:
    oidc_providers: tuple[str | None, ...] = ()  # None = the default provider of [auth]
    accounts: Mapping[str, str] = field(default_factory=dict)
    editors: frozenset[str] = frozenset()
    invalid_accounts: tuple[str, ...] = ()
    cookie_secret: str | None = None  # [zi] cookie_secret; None: the database's
    session_seconds: float = DEFAULT_SESSION_HOURS * 3600

    @property
    def oidc(self) -> bool:
        return bool(self.oidc_providers)

    @property
    def local(self) -> bool:
        return bool(self.accounts)


def oidc_providers(auth: Any) -> tuple[str | None, ...]:
    """The providers an ``[auth]`` section configures: its named sub-tables (``[auth.keycloak]``),
    else the default provider when the section itself holds the client settings; () without one."""
    if not isinstance(auth, Mapping) or not auth:
        return ()
    named = tuple(sorted(k for k, v in auth.items() if isinstance(v, Mapping) and k not in _AUTH_SETTINGS))
    if named:
        return named
    return (None,) if "client_id" in auth or "server_metadata_url" in auth else ()


def auth_config(secrets: Mapping[str, Any]) -> AuthConfig:
    """The sign-in methods configured by a secrets mapping."""
    return AuthConfig(
        oidc_providers=oidc_providers(secrets.get("auth")),
        accounts=accounts_of(secrets),
        editors=editor_emails(secrets),
        invalid_accounts=tuple(invalid_accounts(secrets)),
        cookie_secret=usable_secret((secrets.get("zi") or {}).get("cookie_secret")
                                    if isinstance(secrets.get("zi"), Mapping) else None),
        session_seconds=session_seconds(secrets),
    )


def decide_editor(config: AuthConfig, user: Mapping[str, Any], local_name: str | None) -> Editor | None:
    """The editor this session acts as, or None for a viewer.

    ``user`` is ``st.user`` as a dict: it counts only with ``is_logged_in`` true, an OIDC provider
    configured, and an e-mail listed among the editors (not marked unverified by the provider).
    ``local_name`` is the account this session signed in with; it counts while the account exists.
    """
    if config.oidc and user.get("is_logged_in") is True:
        email = user.get("email")
        if (isinstance(email, str) and email.strip().casefold() in config.editors
                and user.get("email_verified", True) is not False):
            return Editor(email.strip(), "oidc")
    if local_name and config.local:
        found = find_account(config.accounts, local_name)
        if found is not None:
            return Editor(found[0], "local")
    return None


# ---------------------------------------------------------------------------------------------
# Streamlit side


def read_secrets() -> dict[str, Any]:
    """``st.secrets`` as a plain dict ({} when there is no secrets file)."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # StreamlitSecretNotFoundError: no file, or one that does not parse
        return {}


def current_user() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no script context, or an st.user without data
        return {}


def current_editor(config: AuthConfig | None = None) -> Editor | None:
    """The editor of this session, or None (a viewer)."""
    config = config or auth_config(read_secrets())
    if config.local:
        _restore_from_cookie(config)
    until = st.session_state.get(LOCAL_UNTIL_KEY)
    if until is not None and time.time() >= until:  # the sign-in expired (its cookie with it)
        _forget_local(delete_cookie=True)
    editor = decide_editor(config, current_user(), st.session_state.get(LOCAL_KEY))
    if editor is None and st.session_state.get(LOCAL_KEY) is not None:
        _forget_local(delete_cookie=True)  # an account removed from the secrets signs out
    return editor


def request_cookie() -> str | None:
    """The sign-in cookie the browser sent when this session's connection opened."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no script context
        return None
    return value if isinstance(value, str) and value else None


def _cookie_secret(config: AuthConfig) -> str:
    """The key that signs sign-in cookies: the secrets file's, else the database's (made once)."""
    if config.cookie_secret:
        return config.cookie_secret
    return state.get_store().server_secret(COOKIE_SECRET_NAME, new_secret)


def _restore_from_cookie(config: AuthConfig) -> None:
    """Sign this session in from the request's cookie (once a session; not after a sign-out)."""
    if st.session_state.get(LOCAL_KEY) or st.session_state.get(SIGNED_OUT_KEY):
        return
    value = request_cookie()
    if value is None or st.session_state.get(COOKIE_SEEN_KEY) == value:
        return
    st.session_state[COOKIE_SEEN_KEY] = value
    try:
        found = read_cookie(_cookie_secret(config), value, config.accounts, now=time.time())
    except StoreError:
        st.session_state.pop(COOKIE_SEEN_KEY, None)  # no key to check it with now: try again next run
        return
    if found is None:
        st.session_state[COOKIE_WRITE_KEY] = ("", 0)  # altered, expired or stale: delete it
        return
    st.session_state[LOCAL_KEY] = found.user
    st.session_state[LOCAL_UNTIL_KEY] = found.expires


def _forget_local(*, delete_cookie: bool) -> None:
    st.session_state.pop(LOCAL_KEY, None)
    st.session_state.pop(LOCAL_UNTIL_KEY, None)
    if delete_cookie:
        st.session_state[COOKIE_WRITE_KEY] = ("", 0)
        st.session_state[SIGNED_OUT_KEY] = True


def _cookie_script(value: str, max_age: int) -> str:
    """A script that sets (or, with max_age 0, deletes) the sign-in cookie of this site."""
    cookie = f"{COOKIE_NAME}={value}; Path=/; Max-Age={int(max_age)}; SameSite=Strict"
    return ("<script>document.cookie = " + json.dumps(cookie)
            + " + (location.protocol === 'https:' ? '; Secure' : '');</script>")


def _write_cookie() -> None:
    """Send the cookie a sign-in or sign-out of this session asked for (once)."""
    pending = st.session_state.pop(COOKIE_WRITE_KEY, None)
    if pending is not None:
        st.html(_cookie_script(*pending), unsafe_allow_javascript=True, width="content")


def _client() -> tuple[str, str | None]:
    """The visitor's address (``localhost`` when Streamlit gives none) and a proxy's X-Forwarded-For."""
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # no script context
        return "localhost", None
    return ip or "localhost", forwarded or None


def _login(provider: str | None) -> None:
    from streamlit.errors import StreamlitAuthError

    try:
        st.login(provider)
    except StreamlitAuthError as exc:
        st.error(tr_md("auth.oidc_error", message=str(exc)))


def _on_sign_out() -> None:
    _forget_local(delete_cookie=True)


def _on_sign_in(config: AuthConfig) -> None:
    """Form callback (runs before the script, so the page draws the outcome without a rerun)."""
    username = str(st.session_state.get(_FORM_KEYS[0]) or "")
    password = str(st.session_state.get(_FORM_KEYS[1]) or "")
    st.session_state[_FORM_KEYS[1]] = ""  # never keep the password in the session
    client, forwarded = _client()
    try:
        outcome = attempt_sign_in(state.get_store(), config.accounts, username, password,
                                  client=client, forwarded_for=forwarded)
    except StoreError as exc:
        st.session_state[MESSAGES_KEY] = [tr("auth.unavailable", message=str(exc))]
        return
    if outcome.editor is not None:
        now = time.time()
        st.session_state[LOCAL_KEY] = outcome.editor
        st.session_state[LOCAL_UNTIL_KEY] = int(now + config.session_seconds)
        st.session_state.pop(SIGNED_OUT_KEY, None)
        try:
            value = sign_cookie(_cookie_secret(config), outcome.editor, config.accounts[outcome.editor],
                                now=now, ttl=config.session_seconds)
        except StoreError:
            return  # signed in for this session only
        st.session_state[COOKIE_WRITE_KEY] = (value, int(config.session_seconds))
        return
    messages = []
    if outcome.remaining is not None:
        messages.append(tr("auth.refused", remaining=outcome.remaining))
    if outcome.retry_after is not None:
        messages.append(tr("auth.rate_limited", minutes=minutes_until(outcome.retry_after)))
    st.session_state[MESSAGES_KEY] = messages


def _local_form(config: AuthConfig) -> None:
    with st.form("auth_form", clear_on_submit=True, enter_to_submit=True):
        st.markdown(f"**{tr('auth.local_title')}**")
        st.text_input(tr("auth.username"), key=_FORM_KEYS[0], autocomplete="username")
        st.text_input(tr("auth.password"), type="password", key=_FORM_KEYS[1], autocomplete="current-password")
        st.form_submit_button(tr("auth.sign_in"), key="auth_submit", on_click=_on_sign_in, args=(config,))
    for message in st.session_state.pop(MESSAGES_KEY, []):
        st.error(message)


def panel() -> Editor | None:
    """Draw the sign-in choices (viewer) or who is signed in with a sign-out button (editor);
    return the editor, or None for a viewer."""
    config = auth_config(read_secrets())
    editor = current_editor(config)
    _write_cookie()
    if editor is not None:
        cols = st.columns([4, 1], vertical_alignment="center")
        cols[0].success(tr_md("auth.signed_in", name=editor.actor))
        if editor.method == "local":
            cols[1].button(tr("auth.sign_out"), key="auth_sign_out", on_click=_on_sign_out)
        elif cols[1].button(tr("auth.sign_out"), key="auth_sign_out"):
            st.logout()
        until = st.session_state.get(LOCAL_UNTIL_KEY)
        if editor.method == "local" and until is not None:
            ends = dt.datetime.fromtimestamp(until, dt.UTC)
            st.caption(tr("auth.until", when=format_when(ends, state.lang(), st.context.timezone)))
        if config.invalid_accounts:
            st.warning(tr_md("auth.invalid_accounts", names=", ".join(config.invalid_accounts)))
        return editor
    st.info(tr("auth.viewer"))
    user = current_user()
    if config.oidc:
        if user.get("is_logged_in") is True:
            cols = st.columns([4, 1], vertical_alignment="center")
            cols[0].warning(tr_md("auth.not_editor", email=str(user.get("email") or "?")))
            if cols[1].button(tr("auth.sign_out"), key="auth_oidc_sign_out"):
                st.logout()
        else:
            for provider in config.oidc_providers:
                label = tr_md("auth.oidc_sign_in", provider=provider or "SSO")
                if st.button(label, key=f"auth_login_{provider or 'default'}", type="primary"):
                    _login(provider)
    if config.local:
        _local_form(config)
    if not config.oidc and not config.local:
        st.caption(tr("auth.none_configured"))
    return None
