"""Flask commands: `flask --app wsgi <command>`. Each command commits once, at its end."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from .db import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(send_reminders_command)
    from .accounts_cli import (
        create_token_command,
        create_user_command,
        revoke_tokens_command,
        users_command,
    )

    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(users_command)
    app.cli.add_command(revoke_tokens_command)
    from .admin.importer import import_establishments_command

    app.cli.add_command(import_establishments_command)


@click.group("db")
def db_group():
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Apply the migrations up to REVISION (default: head)."""
    from .migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Base de données à jour ({revision}).")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str):
    """Write a new migration from the difference between models and database."""
    from alembic import command

    from .migrate import alembic_config

    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True
    )


def _print_accounts(password: str) -> None:
    from .models import INSTITUTION_LABELS, ROLE_LABELS, User

    click.echo(f"\nComptes de démonstration (mot de passe : {password})")
    generated = 0
    for user in db.session.scalars(select(User).order_by(User.id)):
        if user.email.startswith("chef.0"):  # one head per establishment, named by its UAI
            generated += 1
            continue
        roles = ", ".join(
            ROLE_LABELS[g.role]
            + (f" ({INSTITUTION_LABELS[g.institution]})" if g.institution else "")
            for g in user.grants
        )
        est = f" — {user.establishment.name}" if user.establishment else ""
        click.echo(f"  {user.email:42} {roles}{est}")
    if generated:
        click.echo(
            f"  … et {generated} chefs d'établissement : chef.<uai en minuscules>@"
            "demo.ac-poitiers.fr"
        )


@click.command("seed")
def seed_command():
    """Load the demo data if the database is empty."""
    from . import demo
    from .migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    if demo.is_empty():
        demo.load(current_app.config["DEMO_PASSWORD"])
        db.session.commit()
        click.echo("Données de démonstration chargées.")
    else:
        click.echo("La base contient déjà des données : rien n'a été chargé.")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and exit.")
def demo_command(host: str, port: int, no_serve: bool):
    """Upgrade the database, load the demo data when empty, print the accounts, serve."""
    import os

    from . import demo
    from .migrate import upgrade

    if not os.environ.get("PUBLIC_URL"):
        # The links of the demo's emails point where this command serves, whatever the port.
        current_app.config["PUBLIC_URL"] = f"http://{host}:{port}"
    upgrade(current_app.config["DATABASE_URL"])
    if demo.is_empty():
        demo.load(current_app.config["DEMO_PASSWORD"])
        db.session.commit()
        click.echo("Données de démonstration chargées.")
    _print_accounts(current_app.config["DEMO_PASSWORD"])
    for key, number in (("FUNDER_SIRET_STATE", 1), ("FUNDER_SIRET_REGION", 2)):
        if not current_app.config.get(key):  # open data needs the funders' SIRET: made-up ones
            current_app.config[key] = demo.demo_siret(number)
            click.echo(f"{key} (fictif, démonstration) : {current_app.config[key]}")
    db.session.remove()
    if no_serve:
        return
    click.echo(f"\nPortail : http://{host}:{port}/\n")
    # app.run() refuses to start under the `flask` command; serve with Werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


@click.command("send-mail")
def send_mail_command():
    """Send (or retry) the messages waiting in the outbox."""
    from .mail import send_pending

    sent, failed = send_pending()
    click.echo(f"{sent} courriel(s) envoyé(s), {failed} en échec.")


@click.command("send-reminders")
@click.option("--digests", is_flag=True, help="Also send the daily digests (once a day).")
def send_reminders_command(digests: bool):
    """Send the reminders due now (and the digests): without a job queue, run it from cron."""
    from .jobs.digest import send_digests
    from .jobs.reminders import run_reminders
    from .mail import send_pending

    queued = run_reminders()
    digested = send_digests() if digests else 0
    sent, failed = send_pending()
    click.echo(
        f"{queued} rappel(s), {digested} résumé(s) ; {sent} courriel(s) envoyé(s), "
        f"{failed} en échec."
    )
