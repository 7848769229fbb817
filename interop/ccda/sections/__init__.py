"""The sections of a C-CDA body that Homebase reads, one module each.

Each module's ``convert(conv, top, section)`` reads one entry (``top``, the
element inside an ``<entry>``) of its section; ``convert_sections`` finds the
sections by templateId, anywhere in the structured body (nested ones too),
and hands every entry to its section's module. Other sections are left out.
"""

from __future__ import annotations

from collections.abc import Callable

from ..converter import Converter
from ..datatypes import Node, child, children, q, template_ids
from . import allergies, encounters, immunizations, medications, problems, vitals

SectionConverter = Callable[[Converter, Node, Node], None]

# templateId of a section -> what reads its entries (".1": the entries-required version)
SECTIONS: dict[str, SectionConverter] = {
    "2.16.840.1.113883.10.20.22.2.5.1": problems.convert,
    "2.16.840.1.113883.10.20.22.2.5": problems.convert,
    problems.DISCHARGE_DIAGNOSIS: problems.convert,
    "2.16.840.1.113883.10.20.22.2.1.1": medications.convert,
    "2.16.840.1.113883.10.20.22.2.1": medications.convert,
    "2.16.840.1.113883.10.20.22.2.11.1": medications.convert,  # discharge medications
    "2.16.840.1.113883.10.20.22.2.11": medications.convert,
    "2.16.840.1.113883.10.20.22.2.6.1": allergies.convert,
    "2.16.840.1.113883.10.20.22.2.6": allergies.convert,
    "2.16.840.1.113883.10.20.22.2.2.1": immunizations.convert,
    "2.16.840.1.113883.10.20.22.2.2": immunizations.convert,
    "2.16.840.1.113883.10.20.22.2.4.1": vitals.convert,
    "2.16.840.1.113883.10.20.22.2.4": vitals.convert,
    "2.16.840.1.113883.10.20.22.2.22.1": encounters.convert,
    "2.16.840.1.113883.10.20.22.2.22": encounters.convert,
}


def convert_sections(conv: Converter) -> None:
    body = child(conv.root, "component", "structuredBody")
    if body is None:
        return
    for section in body.iter(q("section")):
        convert = next((SECTIONS[t] for t in template_ids(section) if t in SECTIONS), None)
        if convert is None:
            continue
        for entry in children(section, "entry"):
            for top in list(entry):
                if top.tag == q("templateId") or not isinstance(top.tag, str):
                    continue
                convert(conv, top, section)
