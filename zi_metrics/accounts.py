"""Editor accounts for installations without an OIDC provider, and the sign-in rate limit.

Local editor accounts live in the Streamlit secrets file (``.streamlit/secrets.toml``) as
bcrypt hashes only, one line per editor::

    [zi.accounts]
    "siti" = "$2b$12$..."

:func:`add_account` writes such a line into an existing secrets file without disturbing anything
else in it: the file's text is kept as it is (comments, the ``[auth]`` section, other keys), only
the one line of that user is replaced or added, and the result is parsed back with ``tomllib``
and compared with what was intended before it replaces the file (atomically, always mode 0600:
the file holds password hashes and the cookie secret; a looser existing file is tightened and the
caller is told so). A file whose ``zi.accounts`` is written in a form this editor does not handle
(an inline table, dotted keys) is refused with a message instead of being rewritten.

The limit on sign-in attempts lives in the database, shared by every replica
(:mod:`zi_metrics.editor_sign_in`, :mod:`zi_metrics.store.sign_in`).

This module never imports Streamlit.
"""

from __future__ import annotations

import functools
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt

from zi_metrics.quoting import quoted

DEFAULT_ROUNDS = 12
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt 5 refuses) anything longer
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ACCOUNTS_TABLE = ("zi", "accounts")
_HASH_PATTERN = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")



class AccountError(ValueError):
    """A user name, password or secrets file that cannot be used; ``str()`` says why."""


# ---------------------------------------------------------------------------------------------
# Passwords


def check_username(username: str) -> str:
    """The user name, if it is 1-64 letters, digits, ``.``, ``_`` or ``-`` (starting with a letter
    or digit); otherwise :class:`AccountError`."""
    if not isinstance(username, str) or not USERNAME_PATTERN.match(username):
        raise AccountError(
            f"user name {quoted(username)} is not allowed: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return username


def check_password(password: str) -> bytes:
    """The password as UTF-8 bytes, if it is long enough and within bcrypt's 72-byte limit."""
    if not isinstance(password, str):
        raise AccountError("the password must be text")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    data = password.encode("utf-8")
    if len(data) > MAX_PASSWORD_BYTES:
        raise AccountError(f"the password must not be longer than {MAX_PASSWORD_BYTES} bytes (bcrypt's limit)")
    return data


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """A salted bcrypt hash (``$2b$...``) of ``password``; two calls give different hashes."""
    return bcrypt.hashpw(check_password(password), bcrypt.gensalt(rounds)).decode("ascii")


def is_password_hash(value: Any) -> bool:
    """Whether ``value`` looks like a bcrypt hash (a plain-text password in the secrets does not)."""
    return isinstance(value, str) and bool(_HASH_PATTERN.match(value))


def verify_password(password: str, hashed: str | None) -> bool:
    """Whether ``password`` matches the bcrypt hash; a missing or malformed hash never matches."""
    if not is_password_hash(hashed):
        return False
    assert hashed is not None
    try:
        data = password.encode("utf-8")
    except (AttributeError, UnicodeError):
        return False
    try:
        return bcrypt.checkpw(data[:MAX_PASSWORD_BYTES], hashed.encode("ascii"))
    except ValueError:
        return False


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return bcrypt.hashpw(os.urandom(16).hex().encode("ascii"), bcrypt.gensalt(rounds)).decode("ascii")


def _cost(hashed: str) -> int:
    return int(hashed.split("$")[2])


# ---------------------------------------------------------------------------------------------
# Reading the configuration (a mapping: st.secrets as a dict, or a parsed TOML file)


def accounts_of(secrets: Mapping[str, Any]) -> dict[str, str]:
    """The local editor accounts (user name -> bcrypt hash) of a secrets mapping; entries that are
    not a valid user name with a bcrypt hash are left out."""
    zi = secrets.get("zi") if isinstance(secrets, Mapping) else None
    table = zi.get("accounts") if isinstance(zi, Mapping) else None
    if not isinstance(table, Mapping):
        return {}
    return {
        str(name): value
        for name, value in table.items()
        if isinstance(name, str) and USERNAME_PATTERN.match(name) and is_password_hash(value)
    }


def invalid_accounts(secrets: Mapping[str, Any]) -> list[str]:
    """User names under ``[zi.accounts]`` whose value is not a bcrypt hash (ignored at sign-in)."""
    zi = secrets.get("zi") if isinstance(secrets, Mapping) else None
    table = zi.get("accounts") if isinstance(zi, Mapping) else None
    if not isinstance(table, Mapping):
        return []
    return sorted(str(n) for n in table if str(n) not in accounts_of(secrets))


def editor_emails(secrets: Mapping[str, Any]) -> frozenset[str]:
    """The e-mail addresses listed as editors (``[zi] editors = [...]``), case-folded."""
    zi = secrets.get("zi") if isinstance(secrets, Mapping) else None
    emails = zi.get("editors") if isinstance(zi, Mapping) else None
    if isinstance(emails, str):
        emails = [emails]
    if not isinstance(emails, (list, tuple)):
        return frozenset()
    return frozenset(e.strip().casefold() for e in emails if isinstance(e, str) and e.strip())


def find_account(accounts: Mapping[str, str], username: str) -> tuple[str, str] | None:
    """(stored user name, hash) of ``username``, matched case-insensitively."""
    key = username.strip().casefold()
    for name, hashed in accounts.items():
        if name.casefold() == key:
            return name, hashed
    return None


def authenticate(accounts: Mapping[str, str], username: str, password: str) -> str | None:
    """The stored user name when the password matches its hash, else None (constant work either way)."""
    found = find_account(accounts, username)
    if found is None:
        # As slow as a wrong password of an existing account: no user-name probing by timing.
        cost = max((_cost(h) for h in accounts.values() if is_password_hash(h)), default=DEFAULT_ROUNDS)
        verify_password(password, _dummy_hash(cost))
        return None
    name, hashed = found
    return name if verify_password(password, hashed) else None


# ---------------------------------------------------------------------------------------------
# Writing an account into a secrets file


def read_secrets(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed secrets file ({} when it does not exist); AccountError when it is not valid TOML."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeError) as exc:
        raise AccountError(f"cannot read {p}: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AccountError(f"{p} is not valid TOML ({exc}); fix it before adding an editor") from None


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]*?)\s*\]\]?\s*(#.*)?$")


def _header_key(line: str) -> tuple[str, ...] | None:
    """The dotted key of a ``[table]`` / ``[[array]]`` header line (bare or quoted parts), else None."""
    m = _HEADER.match(line)
    if not m:
        return None
    parts = [p.strip().strip('"').strip("'") for p in m.group(1).split(".")]
    return tuple(parts)


def _with_account(text: str, username: str, hashed: str) -> str:
    """``text`` with the line ``"username" = "hash"`` set inside its ``[zi.accounts]`` table."""
    entry = f'"{username}" = "{hashed}"'
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if _header_key(line) == ACCOUNTS_TABLE), None)
    if header is None:
        body = text if not text or text.endswith("\n") else text + "\n"
        sep = "\n" if body.strip() else ""
        return f"{body}{sep}[zi.accounts]\n{entry}\n"
    end = next((i for i in range(header + 1, len(lines)) if _header_key(lines[i]) is not None), len(lines))
    own = re.compile(rf"""^\s*(?:"{re.escape(username)}"|'{re.escape(username)}'|{re.escape(username)})\s*=""",
                     re.IGNORECASE)
    section = [line for line in lines[header + 1 : end] if not own.match(line)]
    insert_at = len(section)
    while insert_at > 0 and not section[insert_at - 1].strip():
        insert_at -= 1
    section.insert(insert_at, entry)
    out = lines[: header + 1] + section + lines[end:]
    return "\n".join(out) + "\n"


def _expected(data: dict[str, Any], username: str, hashed: str) -> dict[str, Any]:
    import copy

    out = copy.deepcopy(data)
    accounts = out.setdefault("zi", {}).setdefault("accounts", {})
    for name in [n for n in accounts if n.casefold() == username.casefold()]:
        del accounts[name]
    accounts[username] = hashed
    return out


@dataclass(frozen=True)
class AccountWrite:
    """What :func:`add_account` did."""

    replaced: bool  # the user already had an account (its hash was replaced)
    previous_mode: int | None = None  # the file's permission bits when they were looser than 0600


def add_account(path: str | os.PathLike[str], username: str, password_hash: str) -> AccountWrite:
    """Set a local editor account in the secrets file at ``path`` (created when missing), keeping
    everything else in the file. The file is written with mode 0600; an existing file readable or
    writable by others is tightened (``previous_mode`` says from what).

    The account's name is matched case-insensitively (sign-in does the same)."""
    check_username(username)
    if not is_password_hash(password_hash):
        raise AccountError("refusing to store something that is not a bcrypt hash")
    p = Path(path)
    before = read_secrets(p)
    existed = find_account(accounts_of(before), username) is not None
    zi = before.get("zi", {})
    if not isinstance(zi, dict) or not isinstance(zi.get("accounts", {}), dict):
        raise AccountError(f"{p}: 'zi' / 'zi.accounts' must be tables")
    text = p.read_text(encoding="utf-8") if p.exists() else ""
    new_text = _with_account(text, username, password_hash)
    try:
        after = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError:
        after = None
    if after != _expected(before, username, password_hash):
        raise AccountError(
            f"{p}: cannot add the account without rewriting other parts of the file; write the "
            "accounts as a plain [zi.accounts] table (one 'name = \"hash\"' line each) and try again"
        )
    old_mode = (p.stat().st_mode & 0o777) if p.exists() else None
    _atomic_write(p, new_text)
    return AccountWrite(existed, old_mode if old_mode is not None and old_mode & 0o177 else None)


SECRETS_MODE = 0o600  # owner read/write only


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = SECRETS_MODE
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# ---------------------------------------------------------------------------------------------
# Messages


def minutes_until(seconds: float) -> int:
    """Whole minutes to wait, rounded up (at least 1)."""
    return max(1, math.ceil(seconds / 60))
