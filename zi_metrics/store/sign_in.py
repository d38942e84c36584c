"""Sign-in state every replica shares: the attempts counted against the limit per user name, the
audit rows of refused sign-ins, and server secrets (the key that signs editors' sign-in cookies).

Attempts and secrets are not data: they are written through ``bookkeeping()`` (no audit row, so
caches keyed on the data version stay valid). All sign-in bookkeeping of one database takes one
named lock (:meth:`Dialect.lock_name`), so two replicas counting attempts at once cannot both slip
under the limit; each such transaction is a few statements (the password check runs outside it).
Times come from the caller (UTC, naive), so every replica should keep its clock right (NTP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zi_metrics.store.audit import SIGN_IN_FAILED, utcnow
from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreValidationError
from zi_metrics.store.validation import _UNSTORABLE, _check_text

_LOCK = "sign-in"
SIGN_IN_REASONS = ("password", "locked")  # a wrong user name or password; refused by the attempt limit


def _storable(text: Any) -> str:
    """Whatever a visitor typed, as text every backend stores (NUL and lone surrogates replaced),
    at most 200 characters."""
    return _UNSTORABLE.sub("\ufffd", str(text).strip())[:200]


def user_key(user_name: str) -> str:
    """How attempts of a user name are counted: trimmed and case-insensitive (sign-in matches the
    account's name the same way)."""
    return _storable(user_name).casefold()


@dataclass(frozen=True)
class AttemptSlot:
    """The outcome of :meth:`SignInStore.take_sign_in_attempt`."""

    allowed: bool  # the password may be checked (the attempt was counted)
    attempts: int  # attempts of the user name within the window, this one included when allowed
    # Seconds until a new attempt is allowed: when refused, or when this attempt used the last one.
    retry_after: float | None = None


class SignInStore(StoreBase):
    def take_sign_in_attempt(
        self, user_name: str, *, max_attempts: int, window: float, now: dt.datetime | None = None
    ) -> AttemptSlot:
        """Count one sign-in attempt of ``user_name``, in one transaction. When ``max_attempts``
        attempts are already counted within the last ``window`` seconds nothing is counted and the
        slot is refused with the seconds to wait; otherwise the attempt is counted, as a failure
        until :meth:`clear_sign_in_attempts` forgets the name's attempts after a right password.
        Attempts older than the window (of every name) are deleted in the same transaction."""
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise StoreValidationError(f"max_attempts must be a whole number >= 1, got {max_attempts!r}")
        if not isinstance(window, (int, float)) or not window > 0:
            raise StoreValidationError(f"window must be a number of seconds > 0, got {window!r}")
        key = user_key(user_name)
        now = now or utcnow()
        span = dt.timedelta(seconds=float(window))
        with self.bookkeeping("sign-in attempt") as con:
            con.dialect.lock_name(con, _LOCK)
            con.execute('DELETE FROM sign_in_attempts WHERE "at" <= ?', [now - span])
            times = [r[0] for r in con.execute(
                'SELECT "at" FROM sign_in_attempts WHERE user_key = ? ORDER BY "at" DESC', [key]).fetchall()]
            if len(times) >= max_attempts:
                # Allowed again when the oldest of the last max_attempts attempts leaves the window.
                wait = (times[max_attempts - 1] + span - now).total_seconds()
                return AttemptSlot(False, len(times), max(0.0, wait))
            con.execute('INSERT INTO sign_in_attempts (user_key, "at") VALUES (?, ?)', [key, now])
        times.insert(0, now)
        if len(times) < max_attempts:
            return AttemptSlot(True, len(times))
        # This attempt used the last one: say when the next is allowed (unless this one succeeds).
        return AttemptSlot(True, len(times), max(0.0, (times[max_attempts - 1] + span - now).total_seconds()))

    def sign_in_attempts(self, user_name: str, *, window: float, now: dt.datetime | None = None) -> int:
        """Attempts of ``user_name`` counted within the last ``window`` seconds."""
        now = now or utcnow()
        with self.reading() as con:
            row = con.execute('SELECT count(*) FROM sign_in_attempts WHERE user_key = ? AND "at" > ?',
                              [user_key(user_name), now - dt.timedelta(seconds=float(window))]).fetchone()
        return int(row[0])

    def clear_sign_in_attempts(self, user_name: str) -> None:
        """Forget the attempts of ``user_name`` (after a right password), in one transaction."""
        with self.bookkeeping("sign-in success") as con:
            con.dialect.lock_name(con, _LOCK)
            con.execute("DELETE FROM sign_in_attempts WHERE user_key = ?", [user_key(user_name)])

    def record_refused_sign_in(self, user_name: str, reason: str, *, client: str | None = None,
                               forwarded_for: str | None = None) -> None:
        """An audit row (action ``sign_in_failed``) for a refused sign-in: the user name tried, why
        (``password``: wrong user name or password, ``locked``: refused by the attempt limit), the
        client's address when known (also the actor) and the address a proxy says it forwarded for
        (``X-Forwarded-For``: only as trustworthy as the proxy). Never the password."""
        if reason not in SIGN_IN_REASONS:
            raise StoreValidationError(f"reason must be one of {', '.join(SIGN_IN_REASONS)}, got {reason!r}")
        detail: dict[str, Any] = {"user_name": _storable(user_name), "reason": reason}
        client = _storable(client) if client else None
        if client:
            detail["client"] = client
        if forwarded_for and _storable(forwarded_for):
            detail["forwarded_for"] = _storable(forwarded_for)
        with self.writing(client or "?", SIGN_IN_FAILED, detail):
            pass  # the audit row is the whole write

    def server_secret(self, name: str, make: Callable[[], str]) -> str:
        """The server secret ``name``; made with ``make()`` and stored the first time (when two
        replicas make one at once, both get the one stored first)."""
        name = _check_text(name, "name", required=True, max_len=100) or ""
        with self.reading() as con:
            row = con.execute("SELECT value FROM server_secrets WHERE name = ?", [name]).fetchone()
        if row is not None:
            return str(row[0])
        value = make()
        with self.bookkeeping("server secret") as con:
            con.execute("INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (name) DO NOTHING", [name, value, utcnow()])
            row = con.execute("SELECT value FROM server_secrets WHERE name = ?", [name]).fetchone()
        return str(row[0])
