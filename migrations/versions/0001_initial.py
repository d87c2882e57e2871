"""create user_mappings and call_attempts

Revision ID: 0001
Revises: 
Create Date: 2026-12-04 19:28:57.209308
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slack_team_id', sa.String(length=32), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('slack_channel_id', sa.String(length=32), nullable=True),
    sa.Column('slack_trigger_id', sa.String(length=128), nullable=True),
    sa.Column('genesys_user_id', sa.String(length=64), nullable=True),
    sa.Column('raw_text', sa.Text(), nullable=False),
    sa.Column('e164', sa.String(length=20), nullable=True),
    sa.Column('extension', sa.String(length=40), nullable=True),
    sa.Column('destination_country', sa.String(length=2), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('caller_id', sa.String(length=20), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('conversation_id', sa.String(length=64), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.String(length=128), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('correlation_id', sa.String(length=64), nullable=True),
    sa.Column('requests_sent', sa.Integer(), nullable=False),
    sa.Column('slack_message_ts', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slack_trigger_id', name='uq_call_attempts_slack_trigger_id')
    )
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_call_attempts_conversation', ['conversation_id'], unique=False)
        batch_op.create_index('ix_call_attempts_number_time', ['e164', 'requested_at'], unique=False)
        batch_op.create_index('ix_call_attempts_user_time', ['slack_team_id', 'slack_user_id', 'requested_at'], unique=False)

    op.create_table('user_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slack_team_id', sa.String(length=32), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('genesys_user_id', sa.String(length=64), nullable=False),
    sa.Column('caller_id', sa.String(length=20), nullable=False),
    sa.Column('caller_name', sa.String(length=128), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slack_team_id', 'slack_user_id', name='uq_user_mappings_slack_user')
    )


def downgrade() -> None:
    op.drop_table('user_mappings')
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_call_attempts_user_time')
        batch_op.drop_index('ix_call_attempts_number_time')
        batch_op.drop_index('ix_call_attempts_conversation')

    op.drop_table('call_attempts')
