"""The HL7 v3 data types of a C-CDA document, read into FHIR datatypes.

Elements come from the hostile-XML guard (``guard.parse_xml``); these
functions only read them: timestamps (TS) to FHIR dates, intervals (IVL_TS)
to periods, instance identifiers (II) to Identifiers, names (PN), telecoms
(TEL) and addresses (AD). Coded values (CD), which may point into the
narrative, are read by ``converter.Converter.codeable``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from ..terminology import (
    ADDRESS_USE,
    NPI,
    NPI_OID,
    OID_SYSTEMS,
    SSN_OID,
    TELECOM_USE,
    URI,
)

V3 = "urn:hl7-org:v3"
SDTC = "urn:hl7-org:sdtc"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
NULL_EXTENSIONS = {"", "UNK", "NA", "NI", "NULL", "NONE", "ASKU", "NAV"}
PIVL_TYPES = {"PIVL_TS", "EIVL_TS", "SXPR_TS", "PIVL_PPD_TS"}  # repeating times (a schedule)

_TS_RE = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(\.\d+)?)?(Z|[+-]\d{2}(?:\d{2})?)?$"
)
_OID_RE = re.compile(r"^[0-2](\.(0|[1-9]\d*))+$")
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

Json = dict[str, Any]


class Node(Protocol):
    """An XML element as the guard's parser returns it (what the converter reads of it)."""

    tag: Any  # a str, or a function for comments and processing instructions
    text: str | None
    tail: str | None

    def get(self, key: str, default: None = None) -> str | None: ...
    def find(self, path: str) -> Node | None: ...
    def findall(self, path: str) -> list[Node]: ...
    def iter(self, tag: str | None = None) -> Iterator[Node]: ...
    def itertext(self) -> Iterator[str]: ...
    def __iter__(self) -> Iterator[Node]: ...
    def __len__(self) -> int: ...


# Elements ---------------------------------------------------------------------------


def q(tag: str) -> str:
    """The qualified name of an element of the HL7 v3 namespace."""
    return f"{{{V3}}}{tag}"


def clean(text: str | None) -> str | None:
    """Whitespace-normalised text, or None when empty."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def text_of(el: Node | None) -> str | None:
    """All the text inside ``el``, whitespace-normalised; None when there is none."""
    return clean("".join(el.itertext())) if el is not None else None


def is_null(el: Node | None) -> bool:
    return el is None or el.get("nullFlavor") is not None


def child(el: Node | None, *path: str) -> Node | None:
    """The first element down ``path`` (v3 names), or None."""
    for name in path:
        if el is None:
            return None
        el = el.find(q(name))
    return el


def children(el: Node | None, name: str) -> list[Node]:
    return [] if el is None else el.findall(q(name))


def first_element(top: Node, name: str) -> Node | None:
    """``top`` when it is a ``name`` element, else the first ``name`` inside it."""
    return top if top.tag == q(name) else top.find(f".//{q(name)}")


def template_ids(el: Node | None) -> set[str]:
    return {root for t in children(el, "templateId") if (root := t.get("root"))}


# Identifiers and code systems ---------------------------------------------------------


def valid_oid(value: str | None) -> bool:
    return value is not None and len(value) < 200 and bool(_OID_RE.match(value))


def valid_uuid(value: str | None) -> bool:
    return value is not None and bool(_UUID_RE.match(value))


def code_system_uri(oid: str | None) -> str | None:
    if not oid:
        return None
    oid = oid.strip()
    if oid in OID_SYSTEMS:
        return OID_SYSTEMS[oid]
    if valid_oid(oid):
        return f"urn:oid:{oid}"
    if valid_uuid(oid):
        return f"urn:uuid:{oid.lower()}"
    return None


def coding_key(cc: Json | None) -> str | None:
    """The first code of a CodeableConcept."""
    for coding in (cc or {}).get("coding", []):
        if coding.get("code"):
            return str(coding["code"])
    return None


def identifiers(el: Node | None) -> list[Json]:
    """FHIR Identifiers for the ``id`` elements of ``el`` (never a Social Security number)."""
    out: list[Json] = []
    for ii in children(el, "id"):
        if ii.get("nullFlavor") is not None:
            continue
        root = (ii.get("root") or "").strip()
        ext = clean(ii.get("extension"))
        if root == SSN_OID:
            continue
        if (ext and ext.upper() in NULL_EXTENSIONS) or (root == NPI_OID and not ext):
            continue
        if root == NPI_OID and ext:
            item = {"system": NPI, "value": ext}
        elif ext and (valid_oid(root) or valid_uuid(root)):
            item = {"system": code_system_uri(root) or "", "value": ext}
        elif not ext and valid_uuid(root):
            item = {"system": URI, "value": f"urn:uuid:{root.lower()}"}
        elif not ext and valid_oid(root):
            item = {"system": URI, "value": f"urn:oid:{root}"}
        else:
            continue
        if item not in out:
            out.append(item)
    return out


def id_keys(el: Node | None) -> list[str]:
    """``root|extension`` of each usable ``id`` of ``el``: what stable resource ids come from."""
    keys = []
    for ii in children(el, "id"):
        if ii.get("nullFlavor") is not None:
            continue
        root = (ii.get("root") or "").strip()
        ext = clean(ii.get("extension"))
        if not root or root == SSN_OID or (ext and ext.upper() in NULL_EXTENSIONS):
            continue
        if root == NPI_OID and not ext:
            continue
        keys.append(f"{root}|{ext or ''}")
    return keys


# Times and numbers -----------------------------------------------------------------


def ts_to_fhir(value: str | None) -> str | None:
    """HL7 TS -> FHIR date/dateTime, keeping precision; None when unusable."""
    if not value:
        return None
    m = _TS_RE.match(value.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, frac, tz = m.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    if int(year) < 1000:
        return None
    out = year
    if month:
        out += f"-{month}"
    if day:
        out += f"-{day}"
    if not (day and hour and tz):
        return out  # a time without an offset is not allowed in FHIR: keep the date
    if int(hour) > 23 or int(minute or 0) > 59 or int(second or 0) > 59:
        return out
    if tz == "Z":
        offset = "Z"
    else:
        hh, mm = tz[1:3], tz[3:5] or "00"
        if int(hh) > 14 or int(mm) > 59:
            return out
        offset = f"{tz[0]}{hh}:{mm}"
    return f"{out}T{hour}:{minute or '00'}:{second or '00'}{frac or ''}{offset}"


def is_instant(value: str | None) -> bool:
    return value is not None and "T" in value


def to_date(value: str | None) -> str | None:
    return value[:10] if value else None


def decimal_value(text: str | None) -> int | float | None:
    """A JSON number for a decimal string (int when integral), or None."""
    if text is None or len(text) > 40:
        return None
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) > Decimal("1e15"):
        return None
    if number == number.to_integral_value() and "." not in text and "e" not in text.lower():
        return int(number)
    return float(number)


def dose_quantity(el: Node) -> Json | None:
    """The ``doseQuantity`` of a substanceAdministration as a FHIR Quantity (unit "1": none)."""
    dose = child(el, "doseQuantity")
    value = decimal_value(dose.get("value")) if dose is not None else None
    if dose is None or value is None:
        return None
    quantity: Json = {"value": value}
    unit = clean(dose.get("unit"))
    if unit and unit != "1":
        quantity["unit"] = unit
    return quantity


def period(el: Node | None) -> tuple[str | None, str | None]:
    """(start, end) of an IVL_TS (a single TS is a start); an end before the start is dropped."""
    if el is None or el.get("nullFlavor") is not None and not len(el):
        return None, None
    if el.get("value"):
        point = ts_to_fhir(el.get("value"))
        return point, None
    low = child(el, "low")
    high = child(el, "high")
    center = child(el, "center")
    start = ts_to_fhir(low.get("value")) if low is not None else None
    end = ts_to_fhir(high.get("value")) if high is not None else None
    if start is None and center is not None:
        start = ts_to_fhir(center.get("value"))
    if start and end and end < start[: len(end)]:
        end = None  # an end before the start is a data error; keep the start
    return start, end


def main_effective_time(el: Node | None) -> Node | None:
    """The ``effectiveTime`` that says when (not the one that gives a schedule)."""
    for et in children(el, "effectiveTime"):
        if et.get(XSI_TYPE) not in PIVL_TYPES:
            return et
    return None


def point_in_time(el: Node | None) -> str | None:
    start, end = period(el)
    return start or end


def fhir_period(el: Node | None) -> Json | None:
    start, end = period(el)
    out = {}
    if start:
        out["start"] = start
    if end:
        out["end"] = end
    return out or None


# People and places -----------------------------------------------------------------


def human_name(el: Node | None) -> Json | None:
    if el is None or is_null(el):
        return None
    out: Json = {}
    family = [text_of(f) for f in children(el, "family")]
    given = [text_of(g) for g in children(el, "given")]
    prefix = [text_of(p) for p in children(el, "prefix")]
    suffix = [text_of(s) for s in children(el, "suffix")]
    families = [f for f in family if f]
    if families:
        out["family"] = " ".join(families)
    for key, values in (("given", given), ("prefix", prefix), ("suffix", suffix)):
        present = [v for v in values if v]
        if present:
            out[key] = present
    if not out:
        text = text_of(el)
        if text:
            out["text"] = text
    use = (el.get("use") or "").split()
    if out and "L" in use:
        out["use"] = "official"
    elif out and "P" in use:
        out["use"] = "nickname"
    return out or None


def telecoms(el: Node | None) -> list[Json]:
    out: list[Json] = []
    for t in children(el, "telecom"):
        value = clean(t.get("value"))
        if not value or t.get("nullFlavor") is not None:
            continue
        low = value.lower()
        if low.startswith("tel:"):
            system, value = "phone", value[4:]
        elif low.startswith("mailto:"):
            system, value = "email", value[7:]
        elif low.startswith("fax:"):
            system, value = "fax", value[4:]
        elif low.startswith(("http:", "https:")):
            system = "url"
        elif "@" in value:
            system = "email"
        else:
            system = "phone"
        value = clean(value)
        if not value:
            continue
        item = {"system": system, "value": value}
        for use in (t.get("use") or "").split():
            if use in TELECOM_USE:
                item["use"] = TELECOM_USE[use]
                break
        if item not in out:
            out.append(item)
    return out


def addresses(el: Node | None) -> list[Json]:
    out: list[Json] = []
    for a in children(el, "addr"):
        if a.get("nullFlavor") is not None:
            continue
        item: Json = {}
        lines = [
            text_of(x) for x in children(a, "streetAddressLine") if x.get("nullFlavor") is None
        ]
        present = [x for x in lines if x]
        if present:
            item["line"] = present
        for tag, key in (
            ("city", "city"),
            ("state", "state"),
            ("postalCode", "postalCode"),
            ("country", "country"),
            ("county", "district"),
        ):
            part = child(a, tag)
            if part is not None and part.get("nullFlavor") is None:
                text = text_of(part)
                if text:
                    item[key] = text
        if not item:
            text = text_of(a)
            if text:
                item["text"] = text
        if not item:
            continue
        for use in (a.get("use") or "").split():
            if use in ADDRESS_USE:
                item["use"] = ADDRESS_USE[use]
                break
        if item not in out:
            out.append(item)
    return out
