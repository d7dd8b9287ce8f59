"""Foundation schema: facility, permits and their versions, outfalls, parameters, limit columns,
users, sign-in failures and the hash-chained audit trail.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
# Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entry_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_audit_entry_prev_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_entry_seq'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_entity'), ['entity'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_entity_id'), ['entity_id'], unique=False)

    op.create_table('facility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility')),
    sa.UniqueConstraint('name', name=op.f('uq_facility_name'))
    )
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_remote_addr'), ['remote_addr'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('api_token_hash', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_generation', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('api_token_hash', name=op.f('uq_user_api_token_hash')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    op.create_table('permit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('program', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_permit_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permit')),
    sa.UniqueConstraint('number', name=op.f('uq_permit_number'))
    )
    with op.batch_alter_table('permit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permit_facility_id'), ['facility_id'], unique=False)

    op.create_table('permit_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issuing_authority', sa.String(length=200), nullable=False),
    sa.Column('control_authority', sa.String(length=200), nullable=True),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('expires', sa.Date(), nullable=False),
    sa.Column('renewal_application_days', sa.Integer(), nullable=False),
    sa.Column('rule_pack', sa.String(length=40), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('reporting_frequency', sa.String(length=20), nullable=False),
    sa.Column('reporting_due_day', sa.Integer(), nullable=False),
    sa.Column('listed_24h_parameters', sa.JSON(), nullable=False),
    sa.Column('certification_text', sa.Text(), nullable=False),
    sa.Column('source_document', sa.JSON(), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user.id'], name=op.f('fk_permit_version_imported_by_id_user')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_permit_version_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permit_version')),
    sa.UniqueConstraint('permit_id', 'version', name=op.f('uq_permit_version_permit_id_version'))
    )
    with op.batch_alter_table('permit_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permit_version_permit_id'), ['permit_id'], unique=False)

    op.create_table('outfall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_version_id', sa.Integer(), nullable=False),
    sa.Column('feature_id', sa.String(length=4), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('limit_set', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['permit_version_id'], ['permit_version.id'], name=op.f('fk_outfall_permit_version_id_permit_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outfall')),
    sa.UniqueConstraint('permit_version_id', 'feature_id', name=op.f('uq_outfall_permit_version_id_feature_id'))
    )
    with op.batch_alter_table('outfall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outfall_permit_version_id'), ['permit_version_id'], unique=False)

    op.create_table('monitored_parameter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outfall_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('monitoring_location', sa.String(length=4), nullable=False),
    sa.Column('season', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('sample_type', sa.String(length=40), nullable=False),
    sa.Column('conditional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['outfall_id'], ['outfall.id'], name=op.f('fk_monitored_parameter_outfall_id_outfall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitored_parameter')),
    sa.UniqueConstraint('outfall_id', 'code', 'monitoring_location', 'season', name=op.f('uq_monitored_parameter_outfall_id_code_monitoring_location_season'))
    )
    with op.batch_alter_table('monitored_parameter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitored_parameter_outfall_id'), ['outfall_id'], unique=False)

    op.create_table('limit_column',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=2), nullable=False),
    sa.Column('statistical_base', sa.String(length=30), nullable=False),
    sa.Column('limit_text', sa.String(length=30), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('unit_code', sa.String(length=4), nullable=True),
    sa.Column('derived', sa.String(length=10), nullable=True),
    sa.Column('effective', sa.Date(), nullable=True),
    sa.Column('expires', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['parameter_id'], ['monitored_parameter.id'], name=op.f('fk_limit_column_parameter_id_monitored_parameter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limit_column'))
    )
    with op.batch_alter_table('limit_column', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_limit_column_parameter_id'), ['parameter_id'], unique=False)


def downgrade():
    op.drop_table('limit_column')
    op.drop_table('monitored_parameter')
    op.drop_table('outfall')
    op.drop_table('permit_version')
    op.drop_table('permit')
    op.drop_table('user')
    op.drop_table('login_failure')
    op.drop_table('facility')
    op.drop_table('audit_entry')
