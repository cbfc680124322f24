"""Video evidence: clip jobs (one per camera and event), export jobs, per-company retention,
legal hold, and per-site pre/post-roll."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domcctv.models.video import CameraRole, ClipStatus, ExportKind, ExportStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_guide_time_order')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VideoClip',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='clips', on_delete=OnDelete.CASCADE)),
                ('camera_code', fields.CharField(max_length=64)),
                ('role', fields.CharEnumField(description='CameraRole value', enum_type=CameraRole, max_length=10)),
                ('anchor_time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('start_time', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('end_time', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=ClipStatus.PENDING, description='ClipStatus value', enum_type=ClipStatus, max_length=10)),
                ('failure_code', fields.CharField(null=True, max_length=40)),
                ('failure_reason', fields.CharField(null=True, max_length=300)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('source', fields.CharField(null=True, max_length=20)),
                ('storage_key', fields.CharField(null=True, max_length=200)),
                ('hls_prefix', fields.CharField(null=True, max_length=200)),
                ('still_key', fields.CharField(null=True, max_length=200)),
                ('variants', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('variants_pending', fields.BooleanField(default=False)),
                ('size_bytes', fields.BigIntField(null=True)),
                ('sha256', fields.CharField(null=True, max_length=64)),
                ('duration_seconds', fields.FloatField(null=True)),
                ('plate_offset_seconds', fields.FloatField(null=True)),
                ('width', fields.IntField(null=True)),
                ('height', fields.IntField(null=True)),
                ('codec', fields.CharField(null=True, max_length=20)),
                ('fps', fields.FloatField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('ready_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'video_clips', 'app': 'models', 'unique_together': (('event_id', 'camera_code'),), 'indexes': [Index(fields=['status', 'next_attempt_at'], name='idx_clip_due'), Index(fields=['variants_pending', 'status'], name='idx_clip_variants'), Index(fields=['created_at'], name='idx_clip_created')], 'pk_attr': 'id', 'table_description': 'The footage of one camera around one event, stored as a faststart MP4 (+ HLS, stills).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VideoExport',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='ExportKind value', enum_type=ExportKind, max_length=10)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='video_exports', on_delete=OnDelete.SET_NULL)),
                ('company_id', fields.IntField(null=True)),
                ('event_id', fields.BigIntField(null=True)),
                ('camera_code', fields.CharField(null=True, max_length=64)),
                ('start_time', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('end_time', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('overlay', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=ExportStatus.PENDING, description='ExportStatus value', enum_type=ExportStatus, max_length=10)),
                ('progress', fields.FloatField(default=0.0)),
                ('failure_code', fields.CharField(null=True, max_length=40)),
                ('failure_reason', fields.CharField(null=True, max_length=300)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('storage_key', fields.CharField(null=True, max_length=200)),
                ('file_name', fields.CharField(null=True, max_length=120)),
                ('size_bytes', fields.BigIntField(null=True)),
                ('sha256', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'video_exports', 'app': 'models', 'indexes': [Index(fields=['status', 'next_attempt_at'], name='idx_export_due'), Index(fields=['requested_by_id', 'created_at'], name='idx_export_user')], 'pk_attr': 'id', 'table_description': "A background export: an arbitrary recorded segment of a camera, or an event's bundle."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Company',
            name='video_retention_days',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Event',
            name='legal_hold',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Event',
            name='legal_hold_reason',
            field=fields.CharField(null=True, max_length=300),
        ),
        ops.AddField(
            model_name='Site',
            name='clip_post_roll_seconds',
            field=fields.IntField(default=20, db_default=20),
        ),
        ops.AddField(
            model_name='Site',
            name='clip_pre_roll_seconds',
            field=fields.IntField(default=10, db_default=10),
        ),
    ]
