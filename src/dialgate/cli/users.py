"""Staff users of the dashboard: `dialgate user create|list|password`."""

from __future__ import annotations

import sys

import click

from dialgate.cli.context import echo_json, runtime
from dialgate.errors import InputError
from dialgate.services import staff


@click.group("user")
def user_group() -> None:
    """People who sign in to the dashboard (each belongs to one brand)."""


def _read_password(from_stdin: bool) -> str:
    """One line from stdin (for scripts and CI), or a hidden prompt asked twice on a terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise InputError("no terminal to ask for a password on: pipe it in with --password-stdin").at(
            field="password"
        )
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return value


@user_group.command("create")
@click.option("--brand", required=True, help="The brand the user belongs to (sees only its data).")
@click.option("--username", required=True, help="1-64 lowercase letters, digits, '.', '_', '-' or '@'.")
@click.option("--role", required=True, help="admin, officer or vendor-viewer.")
@click.option("--vendor", help="For a vendor viewer: the vendor of the brand it belongs to.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def user_create(brand: str, username: str, role: str, vendor: str | None, password_stdin: bool) -> None:
    """Create a dashboard user. The password is asked for (hidden) unless --password-stdin is given."""
    password = _read_password(password_stdin)
    user = staff.create_user(
        runtime(), brand=brand, username=username, role=role, password=password, vendor=vendor
    )
    scope = f" of vendor {user.vendor}" if user.vendor else ""
    click.echo(f"user {user.username} created: {user.role}{scope} for brand {user.brand}")


@user_group.command("password")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def user_password(username: str, password_stdin: bool) -> None:
    """Set a user's password; every session of that user ends and any lock-out is lifted."""
    user = staff.set_password(runtime(), username, _read_password(password_stdin))
    click.echo(f"password of {user.username} changed; their sessions have ended")


@user_group.command("list")
@click.option("--brand", required=True)
@click.option("--json", "as_json", is_flag=True)
def user_list(brand: str, as_json: bool) -> None:
    found = staff.list_users(runtime(), brand)
    if as_json:
        echo_json(
            [
                {"username": u.username, "role": str(u.role), "vendor": u.vendor, "created_at": u.created_at}
                for u in found
            ]
        )
        return
    for u in found:
        click.echo(f"{u.username}\t{u.role}\t{u.vendor or ''}")


COMMANDS = [user_group]
