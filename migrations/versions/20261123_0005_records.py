"""Documents, instruments and calibrations, custody transfers; the lab of a sample.

Revision ID: 0005_records
Revises: 0004_schedule_outbox
Create Date: 2026-11-23 09:03:33.116191
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_records'
down_revision = '0004_schedule_outbox'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('serial_number', sa.String(length=80), nullable=True),
    sa.Column('permit_id', sa.Integer(), nullable=True),
    sa.Column('outfall', sa.String(length=4), nullable=True),
    sa.Column('calibration_interval_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_instrument_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument')),
    sa.UniqueConstraint('name', name=op.f('uq_instrument_name'))
    )
    op.create_table('custody_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_pk', sa.Integer(), nullable=False),
    sa.Column('relinquished_by', sa.String(length=120), nullable=False),
    sa.Column('relinquished_at', sa.DateTime(), nullable=False),
    sa.Column('received_by', sa.String(length=120), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_custody_transfer_entered_by_id_user')),
    sa.ForeignKeyConstraint(['sample_pk'], ['sample.id'], name=op.f('fk_custody_transfer_sample_pk_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_transfer'))
    )
    with op.batch_alter_table('custody_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_transfer_sample_pk'), ['sample_pk'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=True),
    sa.Column('outfall', sa.String(length=4), nullable=True),
    sa.Column('sample_pk', sa.Integer(), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('obligation_id', sa.Integer(), nullable=True),
    sa.Column('report_ref', sa.String(length=40), nullable=True),
    sa.Column('extracted_text', sa.Text(), nullable=True),
    sa.Column('retention_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['notification_obligation.id'], name=op.f('fk_document_obligation_id_notification_obligation')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_document_permit_id_permit')),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_document_result_id_result')),
    sa.ForeignKeyConstraint(['sample_pk'], ['sample.id'], name=op.f('fk_document_sample_pk_sample')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_document_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_document_date'), ['document_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_obligation_id'), ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_result_id'), ['result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_sample_pk'), ['sample_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_sha256'), ['sha256'], unique=False)

    op.create_table('calibration_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('performed_at', sa.DateTime(), nullable=False),
    sa.Column('standards', sa.Text(), nullable=True),
    sa.Column('readings', sa.Text(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('technician', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_calibration_entry_document_id_document')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_calibration_entry_entered_by_id_user')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_calibration_entry_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_entry'))
    )
    with op.batch_alter_table('calibration_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_entry_instrument_id'), ['instrument_id'], unique=False)

    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lab', sa.String(length=120), nullable=True))



def downgrade():
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_column('lab')

    with op.batch_alter_table('calibration_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_entry_instrument_id'))

    op.drop_table('calibration_entry')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_sample_pk'))
        batch_op.drop_index(batch_op.f('ix_document_result_id'))
        batch_op.drop_index(batch_op.f('ix_document_permit_id'))
        batch_op.drop_index(batch_op.f('ix_document_obligation_id'))
        batch_op.drop_index(batch_op.f('ix_document_kind'))
        batch_op.drop_index(batch_op.f('ix_document_document_date'))

    op.drop_table('document')
    with op.batch_alter_table('custody_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_transfer_sample_pk'))

    op.drop_table('custody_transfer')
    op.drop_table('instrument')
