"""Samples, results and their revisions; exceedances, non-sample events and notification obligations.

Revision ID: 0002_results_compliance
Revises: 0001_foundation
Create Date: 2026-11-23 08:51:30.898194
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_results_compliance'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    op.create_table('noncompliance_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('outfall', sa.String(length=4), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('discovered_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('planned_start', sa.DateTime(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_noncompliance_event_permit_id_permit')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user.id'], name=op.f('fk_noncompliance_event_reported_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_noncompliance_event'))
    )
    with op.batch_alter_table('noncompliance_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_noncompliance_event_permit_id'), ['permit_id'], unique=False)

    op.create_table('sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('sample_code', sa.String(length=80), nullable=False),
    sa.Column('outfall', sa.String(length=4), nullable=False),
    sa.Column('monitoring_location', sa.String(length=4), nullable=False),
    sa.Column('sampled_at', sa.DateTime(), nullable=True),
    sa.Column('sample_date', sa.Date(), nullable=False),
    sa.Column('sample_type', sa.String(length=20), nullable=True),
    sa.Column('collector', sa.String(length=120), nullable=True),
    sa.Column('chain_of_custody', sa.String(length=80), nullable=True),
    sa.Column('composite_start', sa.DateTime(), nullable=True),
    sa.Column('composite_end', sa.DateTime(), nullable=True),
    sa.Column('field_notes', sa.Text(), nullable=True),
    sa.Column('sampling_event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_sample_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample')),
    sa.UniqueConstraint('permit_id', 'sample_code', name=op.f('uq_sample_permit_id_sample_code'))
    )
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_sample_date'), ['sample_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_sampling_event_id'), ['sampling_event_id'], unique=False)

    op.create_table('result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('outfall', sa.String(length=4), nullable=False),
    sa.Column('parameter_code', sa.String(length=5), nullable=False),
    sa.Column('monitoring_location', sa.String(length=4), nullable=False),
    sa.Column('sample_id', sa.String(length=80), nullable=False),
    sa.Column('sample_pk', sa.Integer(), nullable=False),
    sa.Column('current_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_result_permit_id_permit')),
    sa.ForeignKeyConstraint(['sample_pk'], ['sample.id'], name=op.f('fk_result_sample_pk_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result')),
    sa.UniqueConstraint('permit_id', 'sample_id', 'parameter_code', name=op.f('uq_result_permit_id_sample_id_parameter_code'))
    )
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_sample_pk'), ['sample_pk'], unique=False)

    op.create_table('result_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('sampled_at', sa.DateTime(), nullable=True),
    sa.Column('sample_date', sa.Date(), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('qualifier', sa.String(length=1), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('mdl', sa.String(length=40), nullable=True),
    sa.Column('rl', sa.String(length=40), nullable=True),
    sa.Column('method', sa.String(length=80), nullable=True),
    sa.Column('lab', sa.String(length=120), nullable=True),
    sa.Column('analyst', sa.String(length=120), nullable=True),
    sa.Column('analyzed_at', sa.DateTime(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('sample_type', sa.String(length=20), nullable=True),
    sa.Column('chain_of_custody', sa.String(length=80), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('estimated', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_result_revision_entered_by_id_user')),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_result_revision_result_id_result')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_revision')),
    sa.UniqueConstraint('result_id', 'revision', name=op.f('uq_result_revision_result_id_revision'))
    )
    with op.batch_alter_table('result_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_revision_result_id'), ['result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_revision_sample_date'), ['sample_date'], unique=False)

    op.create_table('exceedance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('limit_column_id', sa.Integer(), nullable=False),
    sa.Column('outfall', sa.String(length=4), nullable=False),
    sa.Column('parameter_code', sa.String(length=5), nullable=False),
    sa.Column('monitoring_location', sa.String(length=4), nullable=False),
    sa.Column('slot', sa.String(length=2), nullable=False),
    sa.Column('statistical_base', sa.String(length=30), nullable=False),
    sa.Column('evaluation_key', sa.String(length=40), nullable=False),
    sa.Column('evaluation_month', sa.String(length=7), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('qualifier', sa.String(length=1), nullable=False),
    sa.Column('limit_text', sa.String(length=30), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('sample_ids', sa.JSON(), nullable=False),
    sa.Column('aware_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['limit_column_id'], ['limit_column.id'], name=op.f('fk_exceedance_limit_column_id_limit_column')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_exceedance_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exceedance')),
    sa.UniqueConstraint('limit_column_id', 'evaluation_key', name=op.f('uq_exceedance_limit_column_id_evaluation_key'))
    )
    with op.batch_alter_table('exceedance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exceedance_evaluation_month'), ['evaluation_month'], unique=False)
        batch_op.create_index(batch_op.f('ix_exceedance_limit_column_id'), ['limit_column_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exceedance_permit_id'), ['permit_id'], unique=False)

    op.create_table('notification_obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('exceedance_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('outfall', sa.String(length=4), nullable=True),
    sa.Column('parameter_code', sa.String(length=5), nullable=True),
    sa.Column('rule_id', sa.String(length=80), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('citation', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('aware_at', sa.DateTime(), nullable=False),
    sa.Column('initial_kind', sa.String(length=30), nullable=True),
    sa.Column('initial_due', sa.DateTime(), nullable=True),
    sa.Column('initial_due_date', sa.Date(), nullable=True),
    sa.Column('initial_done_at', sa.DateTime(), nullable=True),
    sa.Column('initial_record', sa.JSON(), nullable=True),
    sa.Column('followup_kind', sa.String(length=30), nullable=True),
    sa.Column('followup_due', sa.DateTime(), nullable=True),
    sa.Column('followup_due_date', sa.Date(), nullable=True),
    sa.Column('followup_done_at', sa.DateTime(), nullable=True),
    sa.Column('followup_record', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['noncompliance_event.id'], name=op.f('fk_notification_obligation_event_id_noncompliance_event')),
    sa.ForeignKeyConstraint(['exceedance_id'], ['exceedance.id'], name=op.f('fk_notification_obligation_exceedance_id_exceedance')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_notification_obligation_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_obligation')),
    sa.UniqueConstraint('event_id', 'rule_id', name=op.f('uq_notification_obligation_event_id_rule_id')),
    sa.UniqueConstraint('exceedance_id', 'rule_id', name=op.f('uq_notification_obligation_exceedance_id_rule_id'))
    )
    with op.batch_alter_table('notification_obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_obligation_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_obligation_exceedance_id'), ['exceedance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_obligation_followup_due'), ['followup_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_obligation_initial_due'), ['initial_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_obligation_permit_id'), ['permit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notification_obligation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_obligation_permit_id'))
        batch_op.drop_index(batch_op.f('ix_notification_obligation_initial_due'))
        batch_op.drop_index(batch_op.f('ix_notification_obligation_followup_due'))
        batch_op.drop_index(batch_op.f('ix_notification_obligation_exceedance_id'))
        batch_op.drop_index(batch_op.f('ix_notification_obligation_event_id'))

    op.drop_table('notification_obligation')
    with op.batch_alter_table('exceedance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exceedance_permit_id'))
        batch_op.drop_index(batch_op.f('ix_exceedance_limit_column_id'))
        batch_op.drop_index(batch_op.f('ix_exceedance_evaluation_month'))

    op.drop_table('exceedance')
    with op.batch_alter_table('result_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_revision_sample_date'))
        batch_op.drop_index(batch_op.f('ix_result_revision_result_id'))

    op.drop_table('result_revision')
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_sample_pk'))
        batch_op.drop_index(batch_op.f('ix_result_permit_id'))

    op.drop_table('result')
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_sampling_event_id'))
        batch_op.drop_index(batch_op.f('ix_sample_sample_date'))
        batch_op.drop_index(batch_op.f('ix_sample_permit_id'))

    op.drop_table('sample')
    with op.batch_alter_table('noncompliance_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_noncompliance_event_permit_id'))

    op.drop_table('noncompliance_event')
