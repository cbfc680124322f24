"""Infrastructure behind small interfaces: the event bus, the ingest queue, media storage,
rate limits and the secrets box. Services see them through Protocols or plain methods, so
each has an in-process fallback and a Redis (or disk) implementation chosen at start-up."""
