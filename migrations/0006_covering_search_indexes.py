"""Covering search indexes (services.search_plans): each search index ends with the columns a
search checks without seeking on them (status; the plate columns on the time indexes), and
the guide-number indexes carry event_id, so prefix searches count and pick their page from
the index alone; rare states (one status, a time that needs review) get their own
time-ordered index. Each index is dropped and re-created in turn, so the company_id foreign key
always keeps an index that starts with company_id (MariaDB refuses to drop its last one).
On a large MariaDB table every pair rebuilds an index: minutes at 10M events.
"""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0005_hardening")]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name="BasicEventMetadata",
            name="idx_meta_guide",
            fields=None,
        ),
        ops.AddIndex(
            model_name="BasicEventMetadata",
            index=Index(fields=["guide_number", "event_id"], name="idx_meta_guide"),
        ),
        ops.RemoveIndex(
            model_name="BasicEventMetadata",
            name="idx_meta_company_guide",
            fields=None,
        ),
        ops.AddIndex(
            model_name="BasicEventMetadata",
            index=Index(
                fields=["company_id", "guide_number", "event_id"], name="idx_meta_company_guide"
            ),
        ),
        ops.RemoveIndex(
            model_name="Event",
            name="idx_event_time",
            fields=None,
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(
                fields=["event_time", "id", "status", "plate", "plate_skeleton"],
                name="idx_event_time",
            ),
        ),
        ops.RemoveIndex(
            model_name="Event",
            name="idx_event_plate_time",
            fields=None,
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(
                fields=["plate", "event_time", "id", "status"], name="idx_event_plate_time"
            ),
        ),
        ops.RemoveIndex(
            model_name="Event",
            name="idx_event_skel_time",
            fields=None,
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(
                fields=["plate_skeleton", "event_time", "id", "status"], name="idx_event_skel_time"
            ),
        ),
        ops.RemoveIndex(
            model_name="Event",
            name="idx_event_company_time",
            fields=None,
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(
                fields=["company_id", "event_time", "id", "status", "plate", "plate_skeleton"],
                name="idx_event_company_time",
            ),
        ),
        ops.RemoveIndex(
            model_name="Event",
            name="search_combined",
            fields=None,
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(
                fields=["company_id", "plate", "event_time", "id", "status"], name="search_combined"
            ),
        ),
        ops.RemoveIndex(
            model_name="Event",
            name="idx_event_company_skel",
            fields=None,
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(
                fields=["company_id", "plate_skeleton", "event_time", "id", "status"],
                name="idx_event_company_skel",
            ),
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(fields=["status", "event_time"], name="idx_event_status_time"),
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(fields=["time_issue", "event_time"], name="idx_event_time_issue"),
        ),
    ]
