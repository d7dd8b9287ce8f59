"""The sample day of the revision in force on `result`, and the evaluation's index bounded by it.

Revision ID: 0016_result_sample_day
Revises: 0015_search_sides
Create Date: 2026-12-01 14:00:00

Why: re-evaluating one recorded result reads its outfall's few codes for a few months. The index of
0011 (permit, outfall, parameter_code, current_revision) bounded that read by the codes, not by the
months: the sample day lives on result_revision, so the read walked each code's whole history (about
3,650 results a daily parameter after ten years, 7,300 with its flow) to keep a month's 30. With the day
on `result` the index range is the window itself. The new index serves every lookup by (permit, outfall,
parameter_code) that 0011's did, so 0011's is dropped rather than kept as a second cost on each insert.
"""
import sqlalchemy as sa
from alembic import op


revision = '0016_result_sample_day'
down_revision = '0015_search_sides'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('result', sa.Column('sample_date', sa.Date(), nullable=True))
    # The index before the fill, not after: on PostgreSQL the fill's updates of a column no index holds yet
    # are HOT updates, and an index built over those broken HOT chains is marked indcheckxmin: no query
    # may use it while any transaction older than the migration runs anywhere on the server (measured:
    # a sequential scan of result for every recorded result while another database held a long
    # transaction). Built first, the index simply receives each filled row.
    op.create_index('ix_result_permit_outfall_parameter_day', 'result',
                    ['permit_id', 'outfall', 'parameter_code', 'sample_date'])
    # Filled from the revision each result points at, the same join every read of results in force uses
    # (its unique (result_id, revision) index: one lookup a row on both engines).
    op.execute("UPDATE result SET sample_date = (SELECT result_revision.sample_date FROM result_revision "
               "WHERE result_revision.result_id = result.id "
               "AND result_revision.revision = result.current_revision)")
    # Every result has its revision 1 from the same transaction that stored it, so none is left NULL.
    # SQLite cannot add NOT NULL to a column in place: batch mode copies the table (no foreign keys are
    # enforced on these connections, so the copy's DROP of the old table deletes nothing else).
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.alter_column('sample_date', existing_type=sa.Date(), nullable=False)
        batch_op.drop_index('ix_result_permit_outfall_parameter_revision')
    if op.get_bind().dialect.name == 'postgresql':
        # Statistics for the new column now, not at the next autoanalyze: without them the planner
        # guesses the day range's selectivity.
        op.execute('ANALYZE result')


def downgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_index('ix_result_permit_outfall_parameter_day')
        batch_op.create_index('ix_result_permit_outfall_parameter_revision',
                              ['permit_id', 'outfall', 'parameter_code', 'current_revision'])
        batch_op.drop_column('sample_date')
