"""settings per region

Revision ID: 0005_region_settings
Revises: 0004
A region sets its own time zone, currency, second-approval threshold, deadlines and voucher
authority; the places inside it inherit them. The deployment's rows in ``settings`` stay, as
the values of regions that set nothing.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_region_settings'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=256), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                            name=op.f('fk_region_settings_region_id_regions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_settings')),
    sa.UniqueConstraint('region_id', 'key', name=op.f('uq_region_settings_region_id'))
    )
    with op.batch_alter_table('region_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_settings_region_id'), ['region_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('region_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_settings_region_id'))

    op.drop_table('region_settings')
