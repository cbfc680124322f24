from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domcctv.models.camera import CameraSource
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IngestInbox',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('natural_key', fields.CharField(unique=True, max_length=190)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('attempts', fields.IntField(default=0)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=300)),
            ],
            options={'table': 'ingest_inbox', 'app': 'models', 'indexes': [Index(fields=['processed_at', 'id'], name='idx_inbox_pending')], 'pk_attr': 'id', 'table_description': 'The database-backed queue used when no Redis is configured (receive now, process next).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlateReadRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('natural_key', fields.CharField(unique=True, max_length=190)),
                ('pass_key', fields.CharField(max_length=120)),
                ('source', fields.CharField(max_length=12)),
                ('camera_code', fields.CharField(max_length=64)),
                ('plate_raw', fields.CharField(max_length=32)),
                ('plate', fields.CharField(max_length=10)),
                ('confidence', fields.FloatField()),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('pictures', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='reads', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'plate_reads', 'app': 'models', 'indexes': [Index(fields=['pass_key'], name='idx_read_pass'), Index(fields=['event_id'], name='idx_read_event'), Index(fields=['camera_code', 'occurred_at'], name='idx_read_camera_time')], 'pk_attr': 'id', 'table_description': 'One camera reading as received. The unique natural key makes ingest idempotent.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Site',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('address', fields.CharField(default='', max_length=300)),
                ('timezone', fields.CharField(default='America/Santiago', max_length=50)),
                ('hikcentral_region_code', fields.CharField(null=True, unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sites', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A DOM yard (HikCentral region/area) grouping cameras.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Camera',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', null=True, db_constraint=True, to_field='id', related_name='cameras', on_delete=OnDelete.SET_NULL)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=100)),
                ('source', fields.CharEnumField(default=CameraSource.MANUAL, description='HIKCENTRAL: HIKCENTRAL\nMANUAL: MANUAL', enum_type=CameraSource, max_length=10)),
                ('hikcentral_index_code', fields.CharField(null=True, unique=True, max_length=64)),
                ('isapi_url', fields.CharField(null=True, max_length=300)),
                ('username', fields.CharField(null=True, max_length=64)),
                ('password_encrypted', fields.TextField(null=True, unique=False)),
                ('channel', fields.IntField(default=1)),
                ('serial_number', fields.CharField(null=True, max_length=64)),
                ('mac_address', fields.CharField(null=True, max_length=17)),
                ('push_token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('is_anpr', fields.BooleanField(default=True)),
                ('supports_ptz', fields.BooleanField(default=False)),
                ('is_active', fields.BooleanField(default=True)),
                ('last_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=300)),
                ('last_error_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'cameras', 'app': 'models', 'indexes': [Index(fields=['mac_address', 'channel'], name='idx_camera_mac_channel'), Index(fields=['site_id'], name='idx_camera_site')], 'pk_attr': 'id', 'table_description': 'An ANPR or overview camera. Device passwords are stored encrypted (Fernet).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WatchlistEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company_id', fields.IntField(null=True)),
                ('plate', fields.CharField(max_length=10)),
                ('plate_skeleton', fields.CharField(max_length=10)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'watchlist_entries', 'app': 'models', 'unique_together': (('company_id', 'plate'),), 'indexes': [Index(fields=['plate_skeleton', 'is_active'], name='idx_watch_skeleton')], 'pk_attr': 'id', 'table_description': 'A plate to raise an alert for (per company, or global when company is null).'},
            bases=['Model'],
        ),
    ]
