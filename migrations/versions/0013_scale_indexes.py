"""indexes for pages whose cost does not grow with history

Revision ID: 0013_scale_indexes
Revises: 0012_sms_sending
"""

from alembic import op

revision = "0013_scale_indexes"
down_revision = "0012_sms_sending"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("claims") as batch:
        batch.create_index("ix_claims_reported_at_id", ["reported_at", "id"])


def downgrade():
    with op.batch_alter_table("claims") as batch:
        batch.drop_index("ix_claims_reported_at_id")
