"""text messages in and out, and the numbers that asked for no notifications

Revision ID: 0009_sms
Revises: 0008_jobs

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_sms'
down_revision = '0008_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_opt_outs',
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_sms_opt_outs'))
    )
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('inbound', 'outbound', name='direction', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('received', 'queued', 'sent', 'delivered', 'failed', 'replied', name='messagestate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('detail', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_sms_messages_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_messages_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('ix_sms_messages_phone_created', ['phone', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_messages_phone_created')
        batch_op.drop_index(batch_op.f('ix_sms_messages_claim_id'))

    op.drop_table('sms_messages')
    op.drop_table('sms_opt_outs')
