"""Indexes for recording one result: the evaluation's window, its stored exceedances, the scheduled trip.

Revision ID: 0011_result_indexes
Revises: 0010_totp
Create Date: 2026-12-01 10:30:00

Reviewed by hand; the plans behind each index are in bench/NOTES.md ("record_result after
incremental evaluation").
"""
from alembic import op


revision = '0011_result_indexes'
down_revision = '0010_totp'
branch_labels = None
depends_on = None


def upgrade():
    # The evaluation (of one recorded result, and of every parameter-month an import touches) reads one
    # outfall's few parameter codes; ix_result_permit_id made every read start from all results of the
    # permit (17.7 ms -> 2.3 ms a query on the quick bench data). current_revision rides along so that the join to the
    # revision in force needs no visit to the result row of a result outside the window.
    op.create_index('ix_result_permit_outfall_parameter_revision', 'result',
                    ['permit_id', 'outfall', 'parameter_code', 'current_revision'])
    # The stored exceedances of the months evaluated, and the siblings of one exceedance.
    op.create_index('ix_exceedance_permit_outfall_parameter_month', 'exceedance',
                    ['permit_id', 'outfall', 'parameter_code', 'evaluation_month'])
    # The planned trip a new sample satisfies: windows still open on the sample day, not the whole
    # history of the outfall's trips.
    op.create_index('ix_sampling_event_permit_outfall_window_end', 'sampling_event',
                    ['permit_id', 'outfall', 'window_end'])


def downgrade():
    op.drop_index('ix_sampling_event_permit_outfall_window_end', table_name='sampling_event')
    op.drop_index('ix_exceedance_permit_outfall_parameter_month', table_name='exceedance')
    op.drop_index('ix_result_permit_outfall_parameter_revision', table_name='result')
