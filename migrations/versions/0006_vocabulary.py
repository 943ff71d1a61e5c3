"""the loss vocabulary as data

Revision ID: 0006_vocabulary
Revises: 0005_region_settings
Kinds, categories and units of loss become rows of ``loss_terms`` (per region, named in every
shipped language), seeded with the list the code held until now; loss items and rates keep
their codes, now plain strings that an administrator's new terms may extend.

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_vocabulary'
down_revision = '0005_region_settings'
branch_labels = None
depends_on = None

KINDS = ('livestock', 'crop', 'property')
UNITS = ('head', 'ha', 'mu', 'acre', 'm2', 'kg', 'item')


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    terms = op.create_table('loss_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_type', sa.Enum('kind', 'category', 'unit', name='termtype', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(term_type = 'kind' AND kind IS NULL) OR (term_type <> 'kind' AND kind IS NOT NULL)", name=op.f('ck_loss_terms_kind_names_no_kind')),
    sa.CheckConstraint("code <> ''", name=op.f('ck_loss_terms_code_not_empty')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_loss_terms_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loss_terms')),
    sa.UniqueConstraint('term_type', 'kind', 'code', 'region_id', name='uq_loss_terms_term_in_region')
    )
    with op.batch_alter_table('loss_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loss_terms_region_id'), ['region_id'], unique=False)

    for table in ('loss_items', 'rates'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('kind', existing_type=_enum(KINDS, 'losskind'),
                                  type_=sa.String(length=32), existing_nullable=False)
            batch_op.alter_column('unit', existing_type=_enum(UNITS, 'unit'),
                                  type_=sa.String(length=32), existing_nullable=False)
    with op.batch_alter_table('loss_items', schema=None) as batch_op:
        batch_op.alter_column('rate_unit', existing_type=sa.String(length=8),
                              type_=sa.String(length=32), existing_nullable=True)

    from hwc.losses.seed import seed_rows

    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':  # as UTCDateTime stores it: naive UTC
        now = now.replace(tzinfo=None)
    op.bulk_insert(terms, [{**row, 'region_id': None, 'created_at': now} for row in seed_rows()])


def downgrade():
    with op.batch_alter_table('loss_items', schema=None) as batch_op:
        batch_op.alter_column('rate_unit', existing_type=sa.String(length=32),
                              type_=sa.String(length=8), existing_nullable=True)
    for table in ('rates', 'loss_items'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('unit', existing_type=sa.String(length=32),
                                  type_=_enum(UNITS, 'unit'), existing_nullable=False)
            batch_op.alter_column('kind', existing_type=sa.String(length=32),
                                  type_=_enum(KINDS, 'losskind'), existing_nullable=False)

    with op.batch_alter_table('loss_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loss_terms_region_id'))

    op.drop_table('loss_terms')
