"""The hostile-XML guard: the only place a C-CDA upload is parsed.

XML is parsed only through defusedxml, with DTDs, entity declarations and
external references forbidden, so an entity bomb ("billion laughs") or an
external entity (XXE) is refused before anything is expanded or fetched.
Every refusal is a ``CcdaError`` whose message the uploader can act on.
"""

from __future__ import annotations

import re

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from .datatypes import Node, q, template_ids

CCDA_DOCUMENT_PREFIX = "2.16.840.1.113883.10.20.22.1."  # templateIds of C-CDA documents

_ENTITY_EXTERNAL_RE = re.compile(rb"<!ENTITY\s+(?:%\s+)?[^\s>]+\s+(?:SYSTEM|PUBLIC)\b", re.I)


class CcdaError(Exception):
    """The input cannot be converted; ``str(exc)`` is a message for the person who uploaded it."""


def parse_xml(data: bytes | str) -> Node:
    """The document's root element, parsed safely; CcdaError for anything else."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CcdaError(_("This file could not be read as a C-CDA document."))
    data = bytes(data)
    if not data.strip():
        raise CcdaError(_("This file is empty."))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and not head.startswith(b"<"):
        raise CcdaError(
            _(
                "This file is not XML, so it cannot be a C-CDA document. Choose the XML file "
                "(often named .xml or .ccda) that the portal gave you."
            )
        )
    try:
        root: Node = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise _refusal(exc, data[:65536]) from None
    except DefusedXmlException:
        raise CcdaError(
            _(
                "This file was refused: it uses XML features that are not "
                "allowed in C-CDA documents."
            )
        ) from None
    except SafeET.ParseError as exc:
        raise CcdaError(
            _(
                "This file is not well-formed XML (%(detail)s). It may be cut short or damaged: "
                "download it again from the portal."
            )
            % {"detail": exc}
        ) from None
    except (ValueError, LookupError) as exc:  # e.g. an unknown encoding declaration
        raise CcdaError(
            _("This file is not well-formed XML (%(detail)s).") % {"detail": exc}
        ) from None
    return root


def _refusal(exc: DefusedXmlException, prolog: bytes) -> CcdaError:
    """Why a document with a DTD was refused: an external entity, an entity bomb, or a DTD."""
    if isinstance(exc, ExternalReferenceForbidden) or _ENTITY_EXTERNAL_RE.search(prolog):
        return CcdaError(
            _(
                "This file was refused: it refers to an external entity (an “XXE” attack "
                "that could read files or reach other servers). Real C-CDA documents never "
                "do this."
            )
        )
    if isinstance(exc, EntitiesForbidden) or b"<!ENTITY" in prolog.upper():
        return CcdaError(
            _(
                "This file was refused: it declares XML entities, the pattern of an "
                "“entity bomb” (billion laughs) that would exhaust memory. Real C-CDA "
                "documents never do this."
            )
        )
    return CcdaError(
        _(
            "This file was refused: it contains a document type declaration (<!DOCTYPE>), "
            "which C-CDA documents do not use."
        )
    )


def check_ccda(root: Node) -> None:
    """Raise CcdaError unless ``root`` is an HL7 v3 ClinicalDocument with a C-CDA template."""
    if root.tag != q("ClinicalDocument"):
        local = root.tag.rsplit("}", 1)[-1][:40]
        if local == "ClinicalDocument":
            raise CcdaError(
                _(
                    "This file is not a C-CDA document: its <ClinicalDocument> is not in the "
                    "HL7 v3 namespace (urn:hl7-org:v3)."
                )
            )
        raise CcdaError(
            _(
                "This file is not a C-CDA document: it is XML whose main element is <%(tag)s>, "
                "not an HL7 <ClinicalDocument>."
            )
            % {"tag": local}
        )
    if not any(t.startswith(CCDA_DOCUMENT_PREFIX) for t in template_ids(root)):
        raise CcdaError(
            _(
                "This file is not a C-CDA document: it is an HL7 clinical document without the "
                "C-CDA template (templateId 2.16.840.1.113883.10.20.22.1.*), perhaps an older "
                "CCD or C32."
            )
        )
