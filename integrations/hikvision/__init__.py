"""Hikvision integration: HikCentral OpenAPI and ISAPI clients, pure parsers and a simulator.

The package imports only ``domcctv.domain`` from the application, so the server's ingest
pipeline (``domcctv.http`` / ``domcctv.workers``) depends on it and never the reverse.
"""
