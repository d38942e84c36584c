"""Local editors' sign-in: the signed, expiring cookie (tampering, expiry, a changed password or a
removed account refuse it), and the attempt limit kept in the database on both backends (shared by
two Store objects as by two replicas, exact under concurrent attempts), with an audit row for every
refused sign-in that never holds the password."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from zi_metrics.accounts import hash_password, minutes_until
from zi_metrics.editor_sign_in import (
    attempt_sign_in,
    new_secret,
    read_cookie,
    session_seconds,
    sign_cookie,
)
from zi_metrics.store import SIGN_IN_FAILED, Store, StoreValidationError, open_store

PASSWORD = "rahasia-ZI-2026"
SECRET = "k" * 40
NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def accounts() -> dict[str, str]:
    return {"siti": hash_password(PASSWORD, rounds=4), "Budi.S": hash_password("budi-password", rounds=4)}


# ---------------------------------------------------------------------------------------------
# Cookie


def test_a_cookie_signs_its_account_in_until_it_expires(accounts):
    value = sign_cookie(SECRET, "siti", accounts["siti"], now=NOW, ttl=3600)
    assert read_cookie(SECRET, value, accounts, now=NOW).user == "siti"
    assert read_cookie(SECRET, value, accounts, now=NOW + 3599).expires == int(NOW + 3600)
    assert read_cookie(SECRET, value, accounts, now=NOW + 3600) is None  # expired
    assert read_cookie(SECRET, value, accounts, now=NOW + 10 * 86400) is None
    # Two sign-ins of one account give different cookies (a random nonce).
    assert sign_cookie(SECRET, "siti", accounts["siti"], now=NOW, ttl=3600) != value
    # Only cookie-safe characters: no quoting needed in a Cookie header or a JS string.
    assert set(value) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:")


def _replace_part(value: str, index: int, new: str) -> str:
    parts = value.split(":")
    parts[index] = new
    return ":".join(parts)


def test_a_tampered_cookie_is_ignored(accounts):
    value = sign_cookie(SECRET, "siti", accounts["siti"], now=NOW, ttl=3600)
    _, user, expires, nonce, signature = value.split(":")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    tampered = [
        _replace_part(value, 1, "Budi.S"),  # another account
        _replace_part(value, 2, str(int(expires) + 86400)),  # a later expiry
        _replace_part(value, 3, ("x" if nonce[0] != "x" else "y") + nonce[1:]),
        _replace_part(value, 4, flipped),
        _replace_part(value, 0, "v2"),
        value + ":extra",
        value.replace(":", ";"),
        "",
        None,
        "v1:siti:" + expires,
        value + "x" * 300,
    ]
    for bad in tampered:
        assert read_cookie(SECRET, bad, accounts, now=NOW) is None, bad
    assert read_cookie(new_secret(), value, accounts, now=NOW) is None  # another server secret
    assert read_cookie("short", value, accounts, now=NOW) is None  # no usable secret: nobody


def test_a_cookie_ends_with_its_account_or_password(accounts):
    value = sign_cookie(SECRET, "siti", accounts["siti"], now=NOW, ttl=3600)
    assert read_cookie(SECRET, value, {"Budi.S": accounts["Budi.S"]}, now=NOW) is None  # account removed
    changed = {**accounts, "siti": hash_password("a-new-password", rounds=4)}  # add-editor again
    assert read_cookie(SECRET, value, changed, now=NOW) is None
    # Matched to the stored name exactly: a cookie names the account as stored.
    assert read_cookie(SECRET, value, {"SITI": accounts["siti"]}, now=NOW) is None


def test_cookie_signing_refuses_a_short_secret_or_a_bad_name(accounts):
    with pytest.raises(ValueError, match="secret"):
        sign_cookie("too-short", "siti", accounts["siti"], now=NOW, ttl=60)
    with pytest.raises(ValueError, match="user name"):
        sign_cookie(SECRET, "si:ti", accounts["siti"], now=NOW, ttl=60)


def test_session_length_from_the_secrets():
    assert session_seconds({}) == 12 * 3600
    assert session_seconds({"zi": {"session_hours": 1.5}}) == 5400
    for bad in (0, -1, "8", True, 24 * 31):
        assert session_seconds({"zi": {"session_hours": bad}}) == 12 * 3600


# ---------------------------------------------------------------------------------------------
# The attempt limit in the database (both backends)


def _sign_in_rows(store: Store) -> list[dict]:
    import json

    log = store.audit_log(1000)
    rows = log[log["action"] == SIGN_IN_FAILED]
    return [{**json.loads(r["detail"]), "actor": r["actor"]} for _, r in rows.iloc[::-1].iterrows()]


def test_the_attempt_limit_is_kept_in_the_database(db_location, accounts):
    store = open_store(db_location, create=True)
    replica = Store(store.source)  # another process's view of the same database
    t0 = dt.datetime(2026, 12, 3, 14, 0, 0)
    for n in range(1, 6):
        now = t0 + dt.timedelta(seconds=10 * n)
        out = attempt_sign_in(store if n % 2 else replica, accounts, " Siti ", f"wrong-{n}", client="10.0.0.7",
                              now=now)
        assert out.editor is None and out.remaining == 5 - n
        assert (out.retry_after is None) == (n < 5)
    assert out.retry_after == pytest.approx(900 - 40) and minutes_until(out.retry_after) == 15
    assert replica.sign_in_attempts("SITI", window=900, now=t0 + dt.timedelta(seconds=60)) == 5
    # The sixth attempt is refused even with the right password, and not counted.
    later = t0 + dt.timedelta(seconds=120)
    out = attempt_sign_in(replica, accounts, "siti", PASSWORD, client="10.0.0.7", now=later)
    assert out.editor is None and out.remaining is None and out.retry_after == pytest.approx(900 - 110)
    assert store.sign_in_attempts("siti", window=900, now=later) == 5
    # Per user name: another name is not limited.
    assert attempt_sign_in(store, accounts, "budi.s", "budi-password", now=later).editor == "Budi.S"
    # When the first attempt leaves the window, one more is allowed; the right password clears the count.
    after = t0 + dt.timedelta(seconds=10 + 900)
    assert attempt_sign_in(store, accounts, "siti", PASSWORD, now=after).editor == "siti"
    assert store.sign_in_attempts("siti", window=900, now=after) == 0

    rows = _sign_in_rows(store)
    assert [r["reason"] for r in rows] == ["password"] * 5 + ["locked"]
    assert {r["user_name"] for r in rows} == {"Siti", "siti"}
    assert {r["client"] for r in rows} == {"10.0.0.7"} and {r["actor"] for r in rows} == {"10.0.0.7"}
    dump = store.audit_log(1000).to_csv()
    assert PASSWORD not in dump and "wrong-" not in dump  # never a password
    # A viewer's log leaves them out.
    assert list(store.audit_log(1000, without=(SIGN_IN_FAILED,))["action"]) == ["create"]
    assert len(store.audit_log(3, without=("create",))) == 3
    with pytest.raises(StoreValidationError, match="without"):
        store.audit_log(10, without=SIGN_IN_FAILED)


def test_refused_sign_ins_keep_the_data_version_on_postgresql(db_location, accounts):
    store = open_store(db_location, create=True)
    before = store.data_version()
    attempt_sign_in(store, accounts, "siti", "wrong", client="10.0.0.7")
    assert len(_sign_in_rows(store)) == 1
    if store.dialect_name == "postgresql":  # the DuckDB file's version is its stat: any write moves it
        assert store.data_version() == before


def test_concurrent_attempts_never_pass_the_limit(db_location):
    store = open_store(db_location, create=True)
    replicas = [Store(store.source) for _ in range(4)]
    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def attempt(n: int) -> None:
        start.wait()
        slot = replicas[n % 4].take_sign_in_attempt("siti", max_attempts=5, window=900)
        with lock:
            allowed.append(slot.allowed)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(allowed) == [False] * 7 + [True] * 5
    assert store.sign_in_attempts("siti", window=900) == 5


def test_unstorable_user_names_are_counted_and_audited(db_location, accounts):
    store = open_store(db_location, create=True)
    out = attempt_sign_in(store, accounts, "si\x00ti\ud800", "x")
    assert out.remaining == 4
    assert _sign_in_rows(store)[0]["user_name"] == "si\ufffdti\ufffd"


def test_the_cookie_secret_is_made_once_and_shared(db_location):
    store = open_store(db_location, create=True)
    first = store.server_secret("editor_cookie", new_secret)
    assert len(first) >= 40
    assert Store(store.source).server_secret("editor_cookie", new_secret) == first
    assert store.data_version() is not None and len(store.audit_log(100)) == 1  # no audit row ("create" only)
