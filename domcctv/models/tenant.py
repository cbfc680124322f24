"""Client companies (the tenants) and their registered vehicles."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Company(Model):
    """A client company whose trucks DOM receives. RUT stored canonically (12345678-5)."""

    id = fields.IntField(primary_key=True)
    rut = fields.CharField(max_length=12, unique=True)
    name = fields.CharField(max_length=200)
    business_name = fields.CharField(max_length=200, null=True)
    address = fields.CharField(max_length=300, default="")
    city = fields.CharField(max_length=100, default="")
    region = fields.CharField(max_length=100, default="")
    phone = fields.CharField(max_length=20, default="")
    email = fields.CharField(max_length=100, default="")
    primary_contact: Any = fields.JSONField(default=dict)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # Plain id, not a FK: users belong to companies, so a FK back would make a cycle that
    # migrations must break anyway. The audit log keeps the authoritative history.
    created_by_id = fields.IntField(null=True)
    # Days the company's video evidence is kept (clips, HLS, stills, exports); None: the
    # server's VIDEO_RETENTION_DAYS. Events on legal hold are never purged.
    video_retention_days = fields.IntField(null=True)

    class Meta:
        table = "companies"
        indexes = (
            Index(fields=("is_active",), name="idx_company_active"),
            Index(fields=("name",), name="idx_company_name"),
        )


class Vehicle(Model):
    """The plate registry: a plate belongs to at most one company, so reads auto-assign."""

    id = fields.IntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="vehicles", on_delete=fields.CASCADE
    )
    company_id: int
    plate = fields.CharField(max_length=10, unique=True)
    plate_skeleton = fields.CharField(max_length=10)
    description = fields.CharField(max_length=200, default="")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "vehicles"
        indexes = (
            Index(fields=("company_id", "plate"), name="idx_vehicle_company_plate"),
            Index(fields=("plate_skeleton",), name="idx_vehicle_skeleton"),
        )
