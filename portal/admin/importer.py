"""Import of the annuaire de l'éducation (placeholder until built)."""
import click


@click.command("import-establishments")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_establishments_command(path):
    """Import establishments from the annuaire de l'éducation CSV export."""
    raise click.ClickException("not built yet")
