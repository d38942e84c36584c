"""A local editor's sign-in: the attempt limit kept in the database, refusals in the audit log,
and the signed, expiring cookie that keeps the editor signed in across reloads and tabs.

**Attempts.** :func:`attempt_sign_in` first counts the attempt in the database
(:meth:`Store.take_sign_in_attempt`, one transaction shared by every replica), then checks the
password (bcrypt, outside any transaction), then either forgets the name's attempts (right
password) or writes an audit row ``sign_in_failed`` with the user name tried, the reason and the
client's address (never the password). Counting before checking means that N attempts sent at once
cannot all slip under the limit. A refusal by the limit is audited too (reason ``locked``).

**Cookie.** ``v1:<user>:<expires>:<nonce>:<signature>``, the signature an HMAC-SHA256, under a
server secret, of the version, user name, expiry (Unix seconds), a random nonce and the account's
bcrypt hash. So a cookie is refused when it was altered, has expired, names an account that no
longer exists, or was made before the account's password changed (``add-editor`` again). Its
parts are letters, digits, ``._-`` and ``:`` only (URL-safe base64 without padding), so it needs no
quoting in a ``Cookie`` header.

This module never imports Streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zi_metrics.accounts import USERNAME_PATTERN, authenticate, find_account

COOKIE_NAME = "zi_editor"
COOKIE_VERSION = "v1"
DEFAULT_SESSION_HOURS = 12.0
MAX_SESSION_HOURS = 30 * 24.0
MIN_SECRET_LENGTH = 32
MAX_ATTEMPTS = 5
WINDOW_SECONDS = 15 * 60
_COOKIE = re.compile(r"^v1:([A-Za-z0-9][A-Za-z0-9._-]{0,63}):([0-9]{1,12}):([A-Za-z0-9_-]{16,64}):([A-Za-z0-9_-]{43})$")


# ---------------------------------------------------------------------------------------------
# Attempts


@dataclass(frozen=True)
class SignIn:
    """The outcome of one local sign-in attempt."""

    editor: str | None = None  # the account's name on success
    remaining: int | None = None  # attempts left after a wrong password (None: not checked)
    retry_after: float | None = None  # seconds to wait when no more attempts are allowed


def attempt_sign_in(
    store: Any,
    accounts: Mapping[str, str],
    username: str,
    password: str,
    *,
    client: str | None = None,
    forwarded_for: str | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    window: float = WINDOW_SECONDS,
    now: Any = None,
) -> SignIn:
    """Check a user name and password against the local ``accounts`` (name -> bcrypt hash), with
    at most ``max_attempts`` attempts per user name within ``window`` seconds, counted in
    ``store`` (a :class:`zi_metrics.store.Store`). ``client`` / ``forwarded_for``: the visitor's
    address and a proxy's X-Forwarded-For, for the audit row. ``now``: a naive UTC datetime (tests)."""
    username = str(username or "").strip()
    slot = store.take_sign_in_attempt(username, max_attempts=max_attempts, window=window, now=now)
    if not slot.allowed:
        store.record_refused_sign_in(username, "locked", client=client, forwarded_for=forwarded_for)
        return SignIn(retry_after=slot.retry_after)
    name = authenticate(accounts, username, password) if username and password else None
    if name is None:
        store.record_refused_sign_in(username, "password", client=client, forwarded_for=forwarded_for)
        return SignIn(remaining=max(0, max_attempts - slot.attempts), retry_after=slot.retry_after)
    store.clear_sign_in_attempts(username)
    return SignIn(editor=name)


# ---------------------------------------------------------------------------------------------
# Cookie


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(secret: str, user: str, expires: int, nonce: str, password_hash: str) -> str:
    message = "\x1f".join((COOKIE_VERSION, user, str(expires), nonce, password_hash)).encode("utf-8")
    return _b64(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest())


def new_secret() -> str:
    """A random server secret for signing cookies (256 bits)."""
    return secrets.token_urlsafe(32)


def usable_secret(value: Any) -> str | None:
    """``value`` when it can sign cookies (text of at least 32 characters), else None."""
    return value if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH else None


def session_seconds(secrets_map: Mapping[str, Any]) -> float:
    """How long a sign-in lasts: ``[zi] session_hours`` (more than 0, at most 30 days), else 12 h."""
    zi = secrets_map.get("zi") if isinstance(secrets_map, Mapping) else None
    hours = zi.get("session_hours") if isinstance(zi, Mapping) else None
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= MAX_SESSION_HOURS:
        hours = DEFAULT_SESSION_HOURS
    return float(hours) * 3600


def sign_cookie(secret: str, user: str, password_hash: str, *, now: float, ttl: float,
                nonce: str | None = None) -> str:
    """A cookie value that signs ``user`` in until ``now + ttl`` (Unix seconds)."""
    if usable_secret(secret) is None:
        raise ValueError(f"the cookie secret must have at least {MIN_SECRET_LENGTH} characters")
    if not USERNAME_PATTERN.match(user):
        raise ValueError(f"not a user name: {user!r}")
    expires = int(now + ttl)
    nonce = nonce or _b64(secrets.token_bytes(16))
    signature = _signature(secret, user, expires, nonce, password_hash)
    return ":".join((COOKIE_VERSION, user, str(expires), nonce, signature))


@dataclass(frozen=True)
class CookieSignIn:
    """A valid cookie: the account it signs in (its stored name) and when it expires."""

    user: str
    expires: int


def read_cookie(secret: str, value: Any, accounts: Mapping[str, str], *, now: float,
                max_ttl: float = MAX_SESSION_HOURS * 3600) -> CookieSignIn | None:
    """The sign-in a cookie value carries, or None when it is malformed, altered, expired, valid
    for longer than ``max_ttl`` from ``now``, or names an account that does not exist (any more) or
    whose password changed since it was made."""
    if usable_secret(secret) is None or not isinstance(value, str) or len(value) > 300:
        return None
    m = _COOKIE.match(value)
    if m is None:
        return None
    user, expires_text, nonce, signature = m.groups()
    expires = int(expires_text)
    if not now < expires <= now + max_ttl:
        return None
    found = find_account(accounts, user)
    if found is None or found[0] != user:
        return None
    expected = _signature(secret, user, expires, nonce, found[1])
    if not hmac.compare_digest(expected, signature):
        return None
    return CookieSignIn(user, expires)
