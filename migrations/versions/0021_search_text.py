"""search text: the call office's search without accents — dossier.search_text (reference,
title) and establishment.search_text (name, UAI, town), folded in Python (portal.folding), filled
for the rows already there.

Revision ID: 0021
Revises: 0013
Create Date: 2026-12-01 19:30:00
"""

import sqlalchemy as sa
from alembic import op

from portal.folding import search_key

revision = "0021"
down_revision = "0013"
branch_labels = None
depends_on = None

SEARCHED = {"dossier": ("reference", "title"), "establishment": ("name", "uai", "commune")}


def upgrade() -> None:
    conn = op.get_bind()
    for table, columns in SEARCHED.items():
        op.add_column(
            table, sa.Column("search_text", sa.Text(), server_default="", nullable=False)
        )
        t = sa.table(table, sa.column("id"), sa.column("search_text"), *map(sa.column, columns))
        rows = conn.execute(sa.select(t.c.id, *(t.c[c] for c in columns))).all()
        values = [{"row_id": row[0], "key": search_key(*row[1:])} for row in rows]
        if values:
            conn.execute(
                t.update().where(t.c.id == sa.bindparam("row_id")).values(
                    search_text=sa.bindparam("key")
                ),
                values,
            )


def downgrade() -> None:
    for table in SEARCHED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("search_text")
