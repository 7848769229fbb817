"""C-CDA -> FHIR R4: timestamps, stable ids, the source system and the document type."""

from __future__ import annotations

import pytest

from interop.ccda import ccda_to_bundle, datatypes, document_type

from .ccda_support import convert_and_validate, document, resources, section, vital, vitals_section


def test_timestamps_keep_precision_and_offsets() -> None:
    sections = vitals_section(
        vital("29463-7", "12.5", "kg", "201309151030-0500")
        + vital("8302-2", "90", "cm", "20130915103000")  # a time without an offset
        + vital("9843-4", "45.2", "cm", "201309")
        + vital("8310-5", "37.1", "Cel", "2013")
        + vital("8867-4", "88", "/min", "-08")  # garbage: falls back to the organizer's time
        + vital("2708-6", "0", "%", "2013")  # a zero is a placeholder, not a measurement
    )
    observations = resources(convert_and_validate(document(sections)), "Observation")
    assert [o["effectiveDateTime"] for o in observations] == [
        "2013-09-15T10:30:00-05:00",
        "2013-09-15",
        "2013-09",
        "2013",
        "2024-01-01",
    ]
    assert observations[0]["valueQuantity"] == {
        "value": 12.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015", "2015"),
        ("201503", "2015-03"),
        ("20150304", "2015-03-04"),
        ("201503041230+0100", "2015-03-04T12:30:00+01:00"),
        ("20150304123045.25-0800", "2015-03-04T12:30:45.25-08:00"),
        ("20150304123045", "2015-03-04"),
        ("20151304", None),
        ("2015-03-04", None),
        ("", None),
        ("-08", None),
    ],
)
def test_ts_to_fhir(value: str, expected: str | None) -> None:
    assert datatypes.ts_to_fhir(value) == expected


def test_ids_depend_on_the_ccda_ids_not_on_the_document_around_them() -> None:
    """A newer export of the same source gives the same ids: the importer updates, not adds."""
    entry = vital("29463-7", "12.5", "kg", "20130915", '<id root="1.2.3.4.5" extension="w-1"/>')
    first = ccda_to_bundle(document(vitals_section(entry), effective="20240101"))
    newer = ccda_to_bundle(
        document(
            vitals_section(entry.replace("12.5", "12.6")),
            effective="20250101",
            doc_id='<id root="1.2.3.4.5" extension="DOC-2"/>',
        )
    )
    ids = [[r["id"] for r in resources(b, t)] for b in (first, newer) for t in ("Patient",)]
    assert ids[0] == ids[1]
    assert resources(first, "Observation")[0]["id"] == resources(newer, "Observation")[0]["id"]
    assert first["meta"]["source"] == newer["meta"]["source"] == "urn:oid:1.2.3.4.5"
    assert first["id"] != newer["id"]  # the bundle is the document


def test_entries_without_ids_still_get_stable_ids() -> None:
    encounter = section(
        "2.16.840.1.113883.10.20.22.2.22",
        """<entry><encounter classCode="ENC" moodCode="EVN">
          <code code="99213" codeSystem="2.16.840.1.113883.6.12" displayName="Office visit"/>
          <effectiveTime><low value="20230405"/></effectiveTime></encounter></entry>""",
    )
    first = ccda_to_bundle(document(encounter))
    second = ccda_to_bundle(document(encounter, effective="20250101"))
    assert resources(first, "Encounter")[0]["id"] == resources(second, "Encounter")[0]["id"]
    assert resources(first, "Encounter")[0]["period"] == {"start": "2023-04-05"}


def test_source_falls_back_to_the_custodian_when_the_document_id_is_a_uuid() -> None:
    bundle = ccda_to_bundle(document(doc_id='<id root="9b54c3c9-1673-49c7-aef9-b037ed72ed27"/>'))
    assert bundle["meta"]["source"] == "urn:oid:1.2.3.4/C"


@pytest.mark.parametrize(
    ("templates", "code", "name"),
    [
        (
            ("2.16.840.1.113883.10.20.22.1.1", "2.16.840.1.113883.10.20.22.1.14"),
            "57133-1",
            "Referral Note",
        ),
        (("2.16.840.1.113883.10.20.22.1.1",), "18842-5", "Discharge Summary"),
        (("2.16.840.1.113883.10.20.22.1.1",), "99999-9", "C-CDA document (US Realm Header)"),
    ],
)
def test_document_type_from_template_or_code(
    templates: tuple[str, ...], code: str, name: str
) -> None:
    bundle = ccda_to_bundle(document(templates=templates, code=code))
    found = document_type(bundle)
    assert found is not None
    assert found["name"] == name
