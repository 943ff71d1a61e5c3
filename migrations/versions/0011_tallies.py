"""the dashboard's rollups (claim tallies), filled from the claims and vouchers already there

Revision ID: 0011_tallies
Revises: 0010_payments
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_tallies'
down_revision = '0010_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('claim_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('claims', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_claim_tallies_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_tallies')),
    sa.UniqueConstraint('region_id', 'dimension', 'key', 'currency', name='uq_claim_tallies_cell')
    )
    # An existing deployment's dashboard reads these cells from now on: fill them.
    from hwc.dashboard.tallies import rebuild_tallies

    rebuild_tallies(op.get_bind())


def downgrade():
    op.drop_table('claim_tallies')
