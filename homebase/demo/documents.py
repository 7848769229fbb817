"""Reports, letters and a photographed school form, as real (tiny) files."""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from PIL import Image

from records.models import Document

from .people import Story


def pdf(title: str) -> bytes:
    """A small, valid one-page PDF with a line of text."""
    text = title.replace("(", "[").replace(")", "]")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (220, 235, 250)).save(out, "PNG")
    return out.getvalue()


def add(story: Story) -> None:
    """Reports, letters and a photographed school form, as real (tiny) files."""
    maya, parent, today = story.maya, story.parent, story.today
    for title, kind, days, content, extension, mime in [
        (
            "Neurology visit summary",
            "report",
            60,
            pdf("Neurology visit summary - Maya Rivera"),
            "pdf",
            "application/pdf",
        ),
        (
            "Seizure action plan",
            "plan",
            90,
            pdf("Seizure action plan - Maya Rivera"),
            "pdf",
            "application/pdf",
        ),
        (
            "Medicaid renewal letter",
            "insurance",
            10,
            pdf("Medicaid renewal notice"),
            "pdf",
            "application/pdf",
        ),
        ("Photo of school health form", "school", 30, png(), "png", "image/png"),
    ]:
        document = Document(
            child=maya,
            title=title,
            kind=kind,
            dated=today - timedelta(days=days),
            original_name=f"{title}.{extension}",
            content_type=mime,
            size=len(content),
            created_by=parent,
        )
        document.file.save(f"{title}.{extension}", ContentFile(content), save=False)
        document.save()
