"""No Data Indicator declarations of dmr set-nodi.

Revision ID: 0003_nodi_declarations
Revises: 0002_results_compliance
Create Date: 2026-11-23 08:56:09.006702
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_nodi_declarations'
down_revision = '0002_results_compliance'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    op.create_table('nodi_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('outfall', sa.String(length=4), nullable=False),
    sa.Column('parameter_code', sa.String(length=5), nullable=True),
    sa.Column('monitoring_location', sa.String(length=4), nullable=True),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['declared_by_id'], ['user.id'], name=op.f('fk_nodi_declaration_declared_by_id_user')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_nodi_declaration_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nodi_declaration'))
    )
    with op.batch_alter_table('nodi_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nodi_declaration_permit_id'), ['permit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('nodi_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nodi_declaration_permit_id'))

    op.drop_table('nodi_declaration')
