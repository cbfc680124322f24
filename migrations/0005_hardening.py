from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domcctv.models.ingest import DeadLetterStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_audit_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IngestDeadLetter',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('natural_key', fields.CharField(default='', max_length=190)),
                ('source', fields.CharField(default='', max_length=12)),
                ('camera_code', fields.CharField(default='', max_length=64)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('error', fields.CharField(default='', max_length=500)),
                ('attempts', fields.IntField(default=0)),
                ('first_failed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_failed_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('status', fields.CharEnumField(default=DeadLetterStatus.PENDING, description='DeadLetterStatus value', enum_type=DeadLetterStatus, max_length=10)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_by_id', fields.IntField(null=True)),
            ],
            options={'table': 'ingest_dead_letters', 'app': 'models', 'indexes': [Index(fields=['status', 'id'], name='idx_dead_status'), Index(fields=['natural_key'], name='idx_dead_key')], 'pk_attr': 'id', 'table_description': 'A read that failed processing ``INGEST_MAX_ATTEMPTS`` times (or could not be decoded).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LiveOutbox',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=120)),
                ('message', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'live_outbox', 'app': 'models', 'indexes': [Index(fields=['published_at', 'id'], name='idx_outbox_published')], 'pk_attr': 'id', 'table_description': 'Live pushes written in the same transaction as the change they announce.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpentRefreshToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.AuthSession', source_field='session_id', db_constraint=True, to_field='id', related_name='spent_tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('spent_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'spent_refresh_tokens', 'app': 'models', 'pk_attr': 'id', 'table_description': "A refresh token already rotated away: the session's token family, for replay detection."},
            bases=['Model'],
        ),
        ops.RemoveIndex(
            model_name='AuthSession',
            name='idx_session_prev',
            fields=None,
        ),
        ops.RemoveField(model_name='AuthSession', name='previous_hash'),
        ops.AddField(
            model_name='Camera',
            name='timezone',
            field=fields.CharField(null=True, max_length=50),
        ),
        ops.AddField(
            model_name='Camera',
            name='z_is_local_time',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Event',
            name='reported_time',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Event',
            name='time_issue',
            field=fields.CharField(null=True, max_length=12),
        ),
        ops.AddField(
            model_name='IngestInbox',
            name='next_attempt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # SQLite rebuilds auth_sessions for RemoveField without its indexes (see 0004); put the
        # remaining one back. IF NOT EXISTS keeps this a no-op on MariaDB.
        ops.RunSQL(
            ["CREATE INDEX IF NOT EXISTS `idx_session_user` ON `auth_sessions` (`user_id`, `revoked_at`)"],
            reverse_sql=ops.RunSQL.noop,
        ),
        # Before reads were validated, SQLite stored a camera's "inf" confidence, which no
        # GraphQL Float can carry. Keep those reads as unknown-confidence, flagged for review.
        ops.RunSQL(
            [
                "UPDATE `events` SET `confidence` = 0, `low_confidence` = 1 "
                "WHERE `confidence` > 1e308 OR `confidence` < -1e308",
                "UPDATE `plate_reads` SET `confidence` = 0 "
                "WHERE `confidence` > 1e308 OR `confidence` < -1e308",
            ],
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
