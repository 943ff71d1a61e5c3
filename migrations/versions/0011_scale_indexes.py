"""indexes for pages whose cost does not grow with history

Revision ID: 0011_scale_indexes
Revises: 0010_payments
"""

from alembic import op

revision = "0011_scale_indexes"
down_revision = "0010_payments"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("claims") as batch:
        batch.create_index("ix_claims_reported_at_id", ["reported_at", "id"])


def downgrade():
    with op.batch_alter_table("claims") as batch:
        batch.drop_index("ix_claims_reported_at_id")
