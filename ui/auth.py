"""Who may write: viewers (anyone who reaches the app) and signed-in editors.

Two ways to sign in as an editor, both configured in ``.streamlit/secrets.toml``
(see ``.streamlit/secrets.example.toml``):

* **OIDC** (Keycloak, Google, Microsoft Entra, ...) through Streamlit's ``st.login`` when an
  ``[auth]`` section exists; the signed-in ``st.user.email`` must be listed in
  ``[zi] editors = [...]`` (case-insensitive; an address the provider marks unverified never is);
* **local accounts** under ``[zi.accounts]`` (user name = bcrypt hash, added with
  ``python -m zi_metrics add-editor``) for installations without a provider. Both are offered when
  both are configured.

Failed local sign-ins are counted per user name by one :class:`FailureLimiter` per process
(``st.cache_resource``): 5 failures within 15 minutes refuse further attempts, even with the
right password, until the window has passed. A signed-in local editor is kept in this session's
``session_state`` (server-side) and checked against the secrets on every run, so removing the
account from the secrets signs the editor out.

:func:`decide_editor` and :func:`auth_config` are pure (they take the secrets and ``st.user`` as
plain mappings) for tests; :func:`panel` draws the sign-in form or the signed-in status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from ui.display import tr_md
from ui.state import tr
from zi_metrics.accounts import (
    FailureLimiter,
    accounts_of,
    authenticate,
    editor_emails,
    find_account,
    invalid_accounts,
    minutes_until,
)

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCAL_KEY = "_zi_local_editor"  # session_state: the signed-in local account's name
MESSAGES_KEY = "_zi_auth_messages"  # session_state: why the last sign-in was refused
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


@dataclass(frozen=True)
class SignIn:
    """The outcome of one local sign-in attempt."""

    editor: str | None = None  # the account's name on success
    remaining: int | None = None  # attempts left after a wrong password (None: not checked)
    retry_after: float | None = None  # seconds to wait when no more attempts are allowed


def attempt_sign_in(config: AuthConfig, limiter: FailureLimiter, username: str, password: str) -> SignIn:
    """Check a user name and password against the local accounts, rate-limited per user name."""
    username = username.strip()
    wait = limiter.retry_after(username)
    if wait is not None:
        return SignIn(retry_after=wait)
    name = authenticate(config.accounts, username, password) if username and password else None
    if name is None:
        # A refused attempt while blocked (above) is not counted, so the block ends on time.
        limiter.record_failure(username)
        return SignIn(remaining=limiter.remaining(username), retry_after=limiter.retry_after(username))
    limiter.reset(username)
    return SignIn(editor=name)


# ---------------------------------------------------------------------------------------------
# Streamlit side


@st.cache_resource(show_spinner=False)
def failure_limiter() -> FailureLimiter:
    """The process-wide count of failed sign-ins (a page reload or a new session does not reset it)."""
    return FailureLimiter(MAX_FAILURES, WINDOW_SECONDS)


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
    editor = decide_editor(config, current_user(), st.session_state.get(LOCAL_KEY))
    if editor is None:
        st.session_state.pop(LOCAL_KEY, None)  # an account removed from the secrets signs out
    return editor


def _login(provider: str | None) -> None:
    from streamlit.errors import StreamlitAuthError

    try:
        st.login(provider)
    except StreamlitAuthError as exc:
        st.error(tr_md("auth.oidc_error", message=str(exc)))


def _on_sign_out() -> None:
    st.session_state.pop(LOCAL_KEY, None)


def _on_sign_in(config: AuthConfig) -> None:
    """Form callback (runs before the script, so the page draws the outcome without a rerun)."""
    username = str(st.session_state.get(_FORM_KEYS[0]) or "")
    password = str(st.session_state.get(_FORM_KEYS[1]) or "")
    st.session_state[_FORM_KEYS[1]] = ""  # never keep the password in the session
    outcome = attempt_sign_in(config, failure_limiter(), username, password)
    if outcome.editor is not None:
        st.session_state[LOCAL_KEY] = outcome.editor
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
    if editor is not None:
        cols = st.columns([4, 1], vertical_alignment="center")
        cols[0].success(tr_md("auth.signed_in", name=editor.actor))
        if editor.method == "local":
            cols[1].button(tr("auth.sign_out"), key="auth_sign_out", on_click=_on_sign_out)
        elif cols[1].button(tr("auth.sign_out"), key="auth_sign_out"):
            st.logout()
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
