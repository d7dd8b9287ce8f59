"""The audit trail keeps one unique index over its chain (seq), not three.

Revision ID: 0017_audit_chain_indexes
Revises: 0016_result_sample_day
Create Date: 2026-12-01 16:30:00

Why: every audit entry also went into two unique indexes on random keys, its hash and its
predecessor's. At ten years of records (4.9 M entries) each is a few hundred megabytes and every new
entry lands on a page of each nobody else has touched: a year's planned trips (8,760 entries) spent
0.8 s of 2.3 s inserting into audit_entry on SQLite, most of it there, and PostgreSQL 0.25 s of a
quick-scale 1.8 s. Neither index protects anything the chain needs: two writers that read the same
tail give their entries the same seq, and the unique seq refuses the second (the fork those indexes
were meant to stop); an entry edited, inserted or removed later is found by `flask audit verify`,
which recomputes every hash in seq order and never looked anything up by hash.
SQLite cannot drop a table's UNIQUE constraint in place: batch mode copies audit_entry (about two
minutes for 4.9 M entries on this machine), PostgreSQL drops the two indexes at once.
"""
from alembic import op


revision = '0017_audit_chain_indexes'
down_revision = '0016_result_sample_day'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry') as batch:
        batch.drop_constraint('uq_audit_entry_hash', type_='unique')
        batch.drop_constraint('uq_audit_entry_prev_hash', type_='unique')


def downgrade():
    with op.batch_alter_table('audit_entry') as batch:
        batch.create_unique_constraint('uq_audit_entry_prev_hash', ['prev_hash'])
        batch.create_unique_constraint('uq_audit_entry_hash', ['hash'])
