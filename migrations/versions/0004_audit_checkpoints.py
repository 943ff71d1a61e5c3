"""audit checkpoints

Revision ID: 0004
Revises: 0003
The audit chain's head is signed with the instance's audit key and counts its checkpoints;
signed checkpoints of the chain.

A trail from before this revision has an unsigned head: after upgrading, run
``flask hwc audit verify`` and, if only the head's signature is missing, ``flask hwc audit
checkpoint --accept-head``.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_checkpoints',
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signature', sa.String(length=88), nullable=False),
    sa.Column('key_fingerprint', sa.String(length=16), nullable=False),
    sa.CheckConstraint('number > 0', name=op.f('ck_audit_checkpoints_number_positive')),
    sa.CheckConstraint('seq > 0', name=op.f('ck_audit_checkpoints_seq_positive')),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_checkpoints_seq'))
    )
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkpoints', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('signature', sa.String(length=88), nullable=True))
        batch_op.add_column(sa.Column('key_fingerprint', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('key_fingerprint')
        batch_op.drop_column('signature')
        batch_op.drop_column('checkpoints')

    op.drop_table('audit_checkpoints')
