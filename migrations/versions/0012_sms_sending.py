"""text messages: the state "sending", marked before a message is handed to the gateway

Revision ID: 0012_sms_sending
Revises: 0011_tallies
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_sms_sending'
down_revision = '0011_tallies'
branch_labels = None
depends_on = None

OLD = ('received', 'queued', 'sent', 'delivered', 'failed', 'replied')
NEW = ('received', 'queued', 'sending', 'sent', 'delivered', 'failed', 'replied')


def _states(values):
    return "state IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_sms_messages_messagestate'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_sms_messages_messagestate'), _states(NEW))


def downgrade():
    # A message left "sending" may have reached the gateway; before this state it was "queued".
    op.execute("UPDATE sms_messages SET state = 'queued' WHERE state = 'sending'")
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_sms_messages_messagestate'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_sms_messages_messagestate'), _states(OLD))
