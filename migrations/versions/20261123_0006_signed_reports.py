"""Signed DMR/SMR reports: frozen values, checksums, submission record.

Revision ID: 0006_signed_reports
Revises: 0005_records
Create Date: 2026-11-23 09:05:31.612895
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_signed_reports'
down_revision = '0005_records'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    op.create_table('signed_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('permit_version', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('acknowledgements', sa.JSON(), nullable=False),
    sa.Column('certification_text', sa.Text(), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signer_title', sa.String(length=200), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('confirmation_number', sa.String(length=80), nullable=True),
    sa.Column('copy_of_record_document_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['copy_of_record_document_id'], ['document.id'], name=op.f('fk_signed_report_copy_of_record_document_id_document')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_signed_report_permit_id_permit')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f('fk_signed_report_signed_by_id_user')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['signed_report.id'], name=op.f('fk_signed_report_supersedes_id_signed_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_report')),
    sa.UniqueConstraint('permit_id', 'period', 'revision', name=op.f('uq_signed_report_permit_id_period_revision'))
    )
    with op.batch_alter_table('signed_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_report_permit_id'), ['permit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('signed_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_report_permit_id'))

    op.drop_table('signed_report')
