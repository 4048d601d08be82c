"""`antifraud users add NAME --role analyst|admin` and `antifraud users list`: console accounts.

`add` prints the generated one-time password alone on stdout (scripts capture it); everything else
goes to stderr. The password must be changed at the first login.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime, timedelta

from antifraud.console.ports import Role
from antifraud.settings import Settings


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="analysts' console accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="create an account; prints its one-time password once on stdout")
    add.add_argument("name", help="the analyst's login name (shown in the audit log as analyst:NAME)")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    users.add_parser("list", help="list accounts (never their passwords)")


async def run_users(args: argparse.Namespace, settings: Settings) -> int:
    # the CLI imports storage and argon2 only for the commands that need them
    from antifraud.app import open_store  # noqa: PLC0415
    from antifraud.console.accounts import Accounts, SessionPolicy  # noqa: PLC0415
    from antifraud.console.passwords import Argon2Hasher  # noqa: PLC0415
    from antifraud.console.throttle import LoginThrottle  # noqa: PLC0415
    from antifraud.storage.console_sqlite import SqliteConsoleStore  # noqa: PLC0415

    store = await open_store(settings, writer_id=f"cli-{uuid.uuid4().hex[:8]}")
    try:
        console = SqliteConsoleStore(store.db)
        if args.users_command == "list":
            for user in await console.list_users():
                state = "disabled" if user.disabled else "must change password" if user.must_change else "active"
                print(f"{user.name}\t{user.role.value}\t{state}")
            return 0
        unused = timedelta(0)  # the CLI opens no session
        accounts = Accounts(console, Argon2Hasher(), _Clock(), SessionPolicy(unused, unused), LoginThrottle(1, unused))
        password = await accounts.add_user(args.name, Role(args.role))
        print(password)
        sys.stderr.write(
            f"created console user {args.name} ({args.role}); the one-time password above is shown only once"
            " and must be changed at the first login\n"
        )
        return 0
    finally:
        await store.close()
