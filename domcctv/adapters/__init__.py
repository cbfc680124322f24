"""Implementations of domain Protocols over the Hikvision integration (composition level)."""
