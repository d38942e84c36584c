"""``python -m zi_metrics add-editor USERNAME [--secrets PATH] [--password-stdin]``.

Adds (or replaces) a local editor account of the dashboard: the password is read twice from the
terminal without echo (``getpass``), or once from standard input with ``--password-stdin`` (its
first line; for scripts), hashed with bcrypt, and only the hash is written to the Streamlit
secrets file under ``[zi.accounts]``; the rest of the file is left as it was. The file is left
readable by its owner only (0600); a looser file is tightened and the command says so. The password is
never printed. Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

DEFAULT_SECRETS = Path(".streamlit") / "secrets.toml"


def _fail(message: str) -> int:
    print(f"add-editor: {message}", file=sys.stderr)
    return 2


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password (again): ")
    if first != second:
        raise ValueError("the two passwords do not match")
    return first


def cmd_add_editor(args: argparse.Namespace) -> int:
    from zi_metrics.accounts import AccountError, add_account, check_username, hash_password

    path = Path(args.secrets) if args.secrets else DEFAULT_SECRETS
    try:
        username = check_username(args.username)
        try:
            password = _read_password(args.password_stdin)
        except (EOFError, KeyboardInterrupt):
            return _fail("no password given")
        except ValueError as exc:
            return _fail(str(exc))
        hashed = hash_password(password)
        del password
        written = add_account(path, username, hashed)
    except AccountError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {path}: {exc.strerror or exc}")
    verb = "replaced the password of" if written.replaced else "added"
    print(f"{verb} editor {username} in {path} (bcrypt hash only)")
    if written.previous_mode is not None:
        print(f"tightened the permissions of {path} from {written.previous_mode:04o} to 0600 "
              "(only its owner may read it: it holds password hashes and secrets)")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``add-editor`` command to the CLI's subparsers."""
    p = subparsers.add_parser(
        "add-editor",
        help="add a local editor account of the dashboard (bcrypt hash in the secrets file)",
        description="Add or replace a local editor account: the password is hashed with bcrypt and only "
                    "the hash is written under [zi.accounts] in the Streamlit secrets file; other "
                    "sections of the file are kept.",
    )
    p.add_argument("username", help="1-64 letters, digits, '.', '_' or '-'")
    p.add_argument("--secrets", help=f"the secrets file (default: {DEFAULT_SECRETS}, from the current folder)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input instead of a prompt")
    p.set_defaults(func=cmd_add_editor)
