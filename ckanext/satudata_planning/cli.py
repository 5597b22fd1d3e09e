"""``ckan satudata …``: the extension's commands."""
from __future__ import annotations

import click

__all__ = ["satudata"]


@click.group(short_help="Perencanaan Data (Satu Data) commands")
def satudata() -> None:
    """Commands of ckanext-satudata_planning."""


@satudata.command("seed-demo")
def seed_demo() -> None:
    """Create the demo organizations, logins and datasets (idempotent)."""
    from ckanext.satudata_planning import demo

    made = demo.seed()
    click.secho(
        "Demo: {organizations} organisasi, {users} pengguna, "
        "{memberships} keanggotaan, {datasets} dataset dibuat.".format(**made),
        fg="green",
    )


@satudata.command("demo-logins")
def demo_logins() -> None:
    """Print the demo logins."""
    from ckanext.satudata_planning import demo

    click.echo(f"Login demo (kata sandi semua akun: {demo.DEMO_PASSWORD})")
    for login in demo.LOGINS:
        click.echo(f"  {login.name:<22} {login.role}")
