"""payment vouchers and their gap-free sequences

Revision ID: 0007_vouchers
Revises: 0006_vocabulary
A voucher per issue (numbers kept when void; at most one live voucher per claim, by a partial
unique index) and one sequence row per prefix and period, locked while a number is taken.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_vouchers'
down_revision = '0006_vocabulary'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('voucher_sequences',
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'period', name=op.f('pk_voucher_sequences'))
    )
    op.create_table('vouchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('issued', 'paid', 'void', name='voucherstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('office_language', sa.String(length=16), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('seal', sa.Text(), nullable=False),
    sa.Column('key_fingerprint', sa.String(length=16), nullable=False),
    sa.Column('payment_method', sa.Enum('bank', 'cash', 'mobile', name='paymentmethod', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('payment_reference', sa.String(length=128), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.String(length=1000), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_vouchers_claim_id_claims')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_vouchers_issued_by_id_users')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_vouchers_paid_by_id_users')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_vouchers_voided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('number', name=op.f('uq_vouchers_number')),
    sa.UniqueConstraint('prefix', 'period', 'seq', name=op.f('uq_vouchers_prefix'))
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vouchers_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('ix_vouchers_one_live_per_claim', ['claim_id'], unique=True, sqlite_where=sa.text("status != 'void'"), postgresql_where=sa.text("status != 'void'"))



def downgrade():
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index('ix_vouchers_one_live_per_claim', sqlite_where=sa.text("status != 'void'"), postgresql_where=sa.text("status != 'void'"))
        batch_op.drop_index(batch_op.f('ix_vouchers_claim_id'))

    op.drop_table('vouchers')
    op.drop_table('voucher_sequences')
