"""Device: medical equipment."""

from __future__ import annotations

from records.models import Equipment

from .base import (
    Json,
    Mapped,
    Resolver,
    annotation,
    concept_text,
    ext,
    ext_value,
    fhir_date,
    notes_text,
    patient_ref,
    read_date,
    telecoms,
)


def equipment_to(item: Equipment) -> Json:
    return {
        "resourceType": "Device",
        "id": str(item.uuid),
        "extension": [ext("received-date", "Date", item.received_on)],
        "status": "active" if item.in_use else "inactive",
        "serialNumber": item.serial_number,
        "deviceName": [{"name": item.name, "type": "user-friendly-name"}],
        "patient": patient_ref(item),
        "owner": {"display": item.supplier},
        "contact": telecoms(item.supplier_phone),
        "expirationDate": fhir_date(item.replace_on),
        "note": [annotation(item.notes)],
    }


def _device_name(resource: Json) -> str:
    names = sorted(
        resource.get("deviceName") or [], key=lambda n: n.get("type") != "user-friendly-name"
    )
    if names and names[0].get("name"):
        return str(names[0]["name"])
    return concept_text(resource.get("type")) or str(resource.get("modelNumber") or "")


def equipment_from(resource: Json, find: Resolver) -> list[Mapped]:
    name = _device_name(resource)
    if resource.get("status") == "entered-in-error" or not name:
        return []
    phones = [
        c["value"]
        for c in resource.get("contact") or []
        if c.get("system") == "phone" and c.get("value")
    ]
    fields = {
        "name": name,
        "supplier": (resource.get("owner") or {}).get("display", "")
        or str(resource.get("manufacturer") or ""),
        "supplier_phone": phones[0] if phones else "",
        "serial_number": resource.get("serialNumber", ""),
        "received_on": read_date(ext_value(resource, "received-date")),
        "replace_on": read_date(resource.get("expirationDate")),
        "in_use": resource.get("status") != "inactive",
        "notes": notes_text(resource),
    }
    return [Mapped(Equipment, fields)]
