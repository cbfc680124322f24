"""Text search over the documentation of events (guide number, origin project, cargo,
observations): a FULLTEXT index on MariaDB/MySQL, an FTS5 table kept in step by triggers on
SQLite. Neither is a Tortoise model or index (each exists on one backend only), so this
migration creates them by dialect; `domcctv.services.text_search` queries them.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

TEXT_COLUMNS = "guide_number, origin_project, cargo_description, observations"

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS metadata_fts USING fts5("
    f"{TEXT_COLUMNS}, content='basic_event_metadata', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS metadata_fts_insert AFTER INSERT ON basic_event_metadata "
    f"BEGIN INSERT INTO metadata_fts(rowid, {TEXT_COLUMNS}) VALUES (new.id, new.guide_number, "
    "new.origin_project, new.cargo_description, new.observations); END",
    "CREATE TRIGGER IF NOT EXISTS metadata_fts_delete AFTER DELETE ON basic_event_metadata "
    f"BEGIN INSERT INTO metadata_fts(metadata_fts, rowid, {TEXT_COLUMNS}) VALUES ('delete', "
    "old.id, old.guide_number, old.origin_project, old.cargo_description, old.observations); END",
    "CREATE TRIGGER IF NOT EXISTS metadata_fts_update AFTER UPDATE ON basic_event_metadata "
    f"BEGIN INSERT INTO metadata_fts(metadata_fts, rowid, {TEXT_COLUMNS}) VALUES ('delete', "
    "old.id, old.guide_number, old.origin_project, old.cargo_description, old.observations); "
    f"INSERT INTO metadata_fts(rowid, {TEXT_COLUMNS}) VALUES (new.id, new.guide_number, "
    "new.origin_project, new.cargo_description, new.observations); END",
    "INSERT INTO metadata_fts(metadata_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS metadata_fts_insert",
    "DROP TRIGGER IF EXISTS metadata_fts_delete",
    "DROP TRIGGER IF EXISTS metadata_fts_update",
    "DROP TABLE IF EXISTS metadata_fts",
]
MYSQL_FULLTEXT = (
    f"CREATE FULLTEXT INDEX ft_meta_text ON basic_event_metadata ({TEXT_COLUMNS})"
)
MYSQL_FULLTEXT_DROP = "DROP INDEX ft_meta_text ON basic_event_metadata"


def _is_sqlite(schema_editor) -> bool:
    return schema_editor.client.capabilities.dialect == "sqlite"


async def create_text_search(apps, schema_editor) -> None:
    if _is_sqlite(schema_editor):
        for statement in SQLITE_FTS:
            await schema_editor.client.execute_script(statement)
    else:
        await schema_editor.client.execute_script(MYSQL_FULLTEXT)


async def drop_text_search(apps, schema_editor) -> None:
    if _is_sqlite(schema_editor):
        for statement in SQLITE_FTS_DROP:
            await schema_editor.client.execute_script(statement)
    else:
        await schema_editor.client.execute_script(MYSQL_FULLTEXT_DROP)


class Migration(migrations.Migration):
    dependencies = [("models", "0006_covering_search_indexes")]

    initial = False

    operations = [
        ops.RunPython(create_text_search, reverse_code=drop_text_search),
    ]
