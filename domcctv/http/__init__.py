"""Non-GraphQL HTTP endpoints: health, device push ingest, evidence media."""
