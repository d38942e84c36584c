"""Local editor accounts: bcrypt hashing, the secrets-file writer, the rate limit, the add-editor CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import bcrypt
import pytest

from zi_metrics.accounts import (
    AccountError,
    accounts_of,
    add_account,
    authenticate,
    editor_emails,
    hash_password,
    invalid_accounts,
    is_password_hash,
    minutes_until,
    verify_password,
)

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "rahasia-ZI-2026"
FAST = 4  # bcrypt cost for tests (the CLI uses the default, 12)

EXISTING = """\
# Secrets of the ZI dashboard (comment kept)
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "s3cr3t"

[auth.keycloak]
client_id = "zi"
server_metadata_url = "https://sso.example.go.id/.well-known/openid-configuration"

[zi]
editors = ["Operator@Example.go.id"]

[zi.accounts]
"budi" = "{budi}"

[other]
value = 1.5
list = [1, 2, 3]
"""


@pytest.fixture(scope="module")
def budi_hash() -> str:
    return hash_password("budi-password", rounds=FAST)


def test_hash_is_bcrypt_and_verifies():
    hashed = hash_password(PASSWORD, rounds=FAST)
    assert hashed.startswith("$2b$04$") and is_password_hash(hashed)
    assert bcrypt.checkpw(PASSWORD.encode(), hashed.encode())  # a plain bcrypt hash, readable by any tool
    assert verify_password(PASSWORD, hashed)
    assert not verify_password(PASSWORD + "x", hashed)
    assert not verify_password("", hashed)


def test_hash_is_salted():
    first, second = hash_password(PASSWORD, rounds=FAST), hash_password(PASSWORD, rounds=FAST)
    assert first != second
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)


def test_a_plain_text_or_malformed_hash_never_matches():
    assert not verify_password(PASSWORD, PASSWORD)
    assert not verify_password(PASSWORD, None)
    assert not verify_password(PASSWORD, "$2b$04$tooshort")


@pytest.mark.parametrize("password, message", [("short", "at least 8"), ("é" * 40, "72 bytes")])
def test_unusable_passwords_are_refused(password, message):
    with pytest.raises(AccountError, match=message):
        hash_password(password, rounds=FAST)


def test_accounts_and_editors_from_secrets(budi_hash):
    secrets = {"zi": {"accounts": {"budi": budi_hash, "plain": "a-password", "bad name": budi_hash},
                      "editors": ["Operator@Example.go.id", " x@y.go.id "]}}
    assert accounts_of(secrets) == {"budi": budi_hash}
    assert invalid_accounts(secrets) == ["bad name", "plain"]
    assert editor_emails(secrets) == {"operator@example.go.id", "x@y.go.id"}
    assert authenticate(accounts_of(secrets), "BUDI", "budi-password") == "budi"
    assert authenticate(accounts_of(secrets), "budi", "wrong-password") is None
    assert authenticate(accounts_of(secrets), "nobody", "budi-password") is None
    assert accounts_of({}) == {} and editor_emails({"zi": {"editors": 3}}) == frozenset()


def test_writer_keeps_the_other_sections(tmp_path, budi_hash):
    path = tmp_path / "secrets.toml"
    path.write_text(EXISTING.format(budi=budi_hash), encoding="utf-8")
    before = tomllib.loads(path.read_text(encoding="utf-8"))
    siti = hash_password(PASSWORD, rounds=FAST)

    assert add_account(path, "siti", siti).replaced is False
    text = path.read_text(encoding="utf-8")
    after = tomllib.loads(text)
    assert after["zi"]["accounts"] == {"budi": budi_hash, "siti": siti}
    for key in ("auth", "other"):
        assert after[key] == before[key]
    assert after["zi"]["editors"] == before["zi"]["editors"]
    assert text.startswith("# Secrets of the ZI dashboard (comment kept)\n")
    assert PASSWORD not in text

    # Replacing a password (name matched case-insensitively) leaves one line for the user.
    again = hash_password("another-password", rounds=FAST)
    assert add_account(path, "SITI", again).replaced is True
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after["zi"]["accounts"] == {"budi": budi_hash, "SITI": again}
    assert after["auth"] == before["auth"] and after["other"] == before["other"]


def test_writer_creates_a_missing_file_private(tmp_path):
    path = tmp_path / ".streamlit" / "secrets.toml"
    hashed = hash_password(PASSWORD, rounds=FAST)
    assert add_account(path, "siti", hashed).replaced is False
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"zi": {"accounts": {"siti": hashed}}}
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_writer_adds_the_table_after_an_existing_zi_table(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[zi]\neditors = ["a@b.go.id"]', encoding="utf-8")  # no final newline
    hashed = hash_password(PASSWORD, rounds=FAST)
    add_account(path, "siti", hashed)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "zi": {"editors": ["a@b.go.id"], "accounts": {"siti": hashed}}}


def test_writer_fills_the_example_file(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text((REPO / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"), encoding="utf-8")
    before = tomllib.loads(path.read_text(encoding="utf-8"))
    hashed = hash_password(PASSWORD, rounds=FAST)
    add_account(path, "siti", hashed)
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after["zi"]["accounts"] == {"siti": hashed}
    assert after["auth"] == before["auth"] and after["zi"]["editors"] == before["zi"]["editors"]


@pytest.mark.parametrize("content", [
    'zi = { accounts = { budi = "x" } }\n',  # inline table: cannot be extended safely
    "[zi.accounts\n",  # not TOML at all
])
def test_writer_refuses_files_it_cannot_edit_safely(tmp_path, content):
    path = tmp_path / "secrets.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AccountError):
        add_account(path, "siti", hash_password(PASSWORD, rounds=FAST))
    assert path.read_text(encoding="utf-8") == content  # left untouched


def test_writer_refuses_bad_names_and_non_hashes(tmp_path):
    path = tmp_path / "secrets.toml"
    with pytest.raises(AccountError, match="not allowed"):
        add_account(path, 'evil"] = 1\n[x', hash_password(PASSWORD, rounds=FAST))
    with pytest.raises(AccountError, match="not a bcrypt hash"):
        add_account(path, "siti", PASSWORD)
    assert not path.exists()


def test_minutes_until_rounds_up():
    assert [minutes_until(s) for s in (0, 1, 60, 61, 850)] == [1, 1, 1, 2, 15]


def _cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "zi_metrics", "add-editor", *args], input=stdin,
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=60)


def test_cli_add_editor_writes_a_hash_and_never_the_password(tmp_path, budi_hash):
    path = tmp_path / "secrets.toml"
    path.write_text(EXISTING.format(budi=budi_hash), encoding="utf-8")
    result = _cli("siti", "--secrets", str(path), "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "added editor siti" in result.stdout
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and PASSWORD not in result.stdout + result.stderr
    data = tomllib.loads(text)
    stored = data["zi"]["accounts"]["siti"]
    assert stored.startswith("$2b$12$")
    assert bcrypt.checkpw(PASSWORD.encode(), stored.encode())
    assert data["zi"]["accounts"]["budi"] == budi_hash and data["other"]["list"] == [1, 2, 3]

    again = _cli("siti", "--secrets", str(path), "--password-stdin", stdin="a-new-password\n")
    assert again.returncode == 0 and "replaced the password of editor siti" in again.stdout


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o666, 0o600, 0o400])
def test_cli_add_editor_leaves_the_secrets_file_private(tmp_path, budi_hash, mode):
    """An existing secrets file readable by others (0644, as an editor or a copy leaves it) is
    tightened to 0600 and the command says so; a private one is left private without a word."""
    path = tmp_path / "secrets.toml"
    path.write_text(EXISTING.format(budi=budi_hash), encoding="utf-8")
    os.chmod(path, mode)
    result = _cli("siti", "--secrets", str(path), "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert path.stat().st_mode & 0o777 == 0o600
    tightened = f"tightened the permissions of {path} from {mode:04o} to 0600"
    if mode & 0o177:
        assert tightened in result.stdout
    else:
        assert "tightened" not in result.stdout
    assert tomllib.loads(path.read_text(encoding="utf-8"))["zi"]["accounts"]["budi"] == budi_hash


@pytest.mark.parametrize("args, stdin, message", [
    (("siti", "--password-stdin"), "short\n", "at least 8 characters"),
    (("bad name", "--password-stdin"), PASSWORD + "\n", "is not allowed"),
    (("siti", "--password-stdin"), "", "at least 8 characters"),
])
def test_cli_add_editor_bad_input_exits_2_with_one_line(tmp_path, args, stdin, message):
    path = tmp_path / "secrets.toml"
    result = _cli(*args, "--secrets", str(path), stdin=stdin)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert not path.exists()
