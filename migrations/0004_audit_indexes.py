from tortoise import migrations
from tortoise.migrations import operations as ops
from domcctv.models.audit import AuditAction, ResourceType
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_device_audit')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='AuditLog',
            name='action',
            field=fields.CharEnumField(description='AuditAction value', enum_type=AuditAction, max_length=30),
        ),
        ops.AlterField(
            model_name='AuditLog',
            name='resource_type',
            field=fields.CharEnumField(description='ResourceType value', enum_type=ResourceType, max_length=10),
        ),
        # SQLite rebuilds the table for AlterField (here and in 0003) without its indexes;
        # re-create them. IF NOT EXISTS keeps this a no-op on MariaDB, which kept them.
        ops.RunSQL([
            "CREATE INDEX IF NOT EXISTS `idx_audit_time` ON `audit_logs` (`timestamp`)",
            "CREATE INDEX IF NOT EXISTS `idx_audit_user_time` ON `audit_logs` (`user_id`, `timestamp`)",
            "CREATE INDEX IF NOT EXISTS `idx_audit_action_time` ON `audit_logs` (`action`, `timestamp`)",
            "CREATE INDEX IF NOT EXISTS `idx_audit_company_time` ON `audit_logs` (`company_id`, `timestamp`)",
        ], reverse_sql=ops.RunSQL.noop),
    ]
