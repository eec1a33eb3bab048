"""Account commands: create-user, create-token, users."""

from __future__ import annotations

import click
from sqlalchemy import select

from .db import db


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="role or role:institution, e.g. applicant_head or reviewer:region. Repeatable.",
)
@click.option("--uai", default=None, help="UAI of the user's establishment.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email, name, roles, uai, password):
    """Create a user with a password and roles."""
    from .auth.services import create_user
    from .errors import ServiceError

    try:
        user = create_user(
            None, email=email, full_name=name, roles=list(roles), uai=uai, password=password
        )
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Utilisateur {user.email} créé.")


def _user_by_email(email: str):
    from .models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"Aucun utilisateur n'a l'adresse {email}.")
    return user


@click.command("create-token")
@click.argument("email")
def create_token_command(email):
    """Print a new API bearer token for EMAIL (shown once; only its hash is kept)."""
    from .auth.services import issue_api_token

    user = _user_by_email(email)
    token = issue_api_token(user)
    db.session.commit()
    click.echo(token)


@click.command("users")
def users_command():
    """List users: email, roles, establishment — one a line."""
    from .models import User

    for user in db.session.scalars(select(User).order_by(User.email)):
        roles = ",".join(
            sorted(
                g.role.value + (f":{g.institution.value}" if g.institution else "")
                for g in user.grants
            )
        )
        est = f"{user.establishment.uai} {user.establishment.name}" if user.establishment else "-"
        click.echo(f"{user.email}\t{roles}\t{est}")


@click.command("revoke-tokens")
@click.argument("email")
def revoke_tokens_command(email):
    """Revoke every API token of EMAIL."""
    from .auth.services import revoke_api_tokens

    user = _user_by_email(email)
    count = revoke_api_tokens(user)
    db.session.commit()
    click.echo(f"{count} jeton(s) révoqué(s) pour {user.email}.")
