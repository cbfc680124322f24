"""Guide-number searches in time order (services.search_plans.guide_page): the metadata row
carries its event's time, filled here from `events`, and the guide indexes end with it, so the
newest matches of a guide-number prefix come from a metadata index alone. Two time-ordered
indexes let a prefix with many matches be walked newest first instead of sorted.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

MYSQL_FILL = (
    "UPDATE basic_event_metadata m JOIN events e ON e.id = m.event_id "
    "SET m.event_time = e.event_time"
)
SQLITE_FILL = (
    "UPDATE basic_event_metadata SET event_time = "
    "(SELECT e.event_time FROM events e WHERE e.id = basic_event_metadata.event_id)"
)


async def fill_event_time(apps, schema_editor) -> None:
    client = schema_editor.client
    await client.execute_script(
        SQLITE_FILL if client.capabilities.dialect == "sqlite" else MYSQL_FILL
    )


async def nothing(apps, schema_editor) -> None:
    """Reversed by removing the column."""


class Migration(migrations.Migration):
    dependencies = [('models', '0007_documentation_text_search')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='BasicEventMetadata',
            name='idx_meta_guide',
            fields=None,
        ),
        ops.RemoveIndex(
            model_name='BasicEventMetadata',
            name='idx_meta_company_guide',
            fields=None,
        ),
        ops.AddField(
            model_name='BasicEventMetadata',
            name='event_time',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(fill_event_time, reverse_code=nothing),
        ops.AddIndex(
            model_name='BasicEventMetadata',
            index=Index(fields=['guide_number', 'event_time', 'event_id'], name='idx_meta_guide'),
        ),
        ops.AddIndex(
            model_name='BasicEventMetadata',
            index=Index(fields=['company_id', 'guide_number', 'event_time', 'event_id'], name='idx_meta_company_guide'),
        ),
        ops.AddIndex(
            model_name='BasicEventMetadata',
            index=Index(fields=['event_time', 'event_id', 'guide_number'], name='idx_meta_time'),
        ),
        ops.AddIndex(
            model_name='BasicEventMetadata',
            index=Index(fields=['company_id', 'event_time', 'event_id', 'guide_number'], name='idx_meta_company_time'),
        ),
    ]
