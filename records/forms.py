from typing import Any

import filetype
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from PIL import Image

from children import access
from children.items.forms import ChildItemForm

from .models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    JournalEntry,
    Measurement,
    Medication,
    Service,
)

# Who can write a prescription: not the billing person or the equipment supplier.
PRESCRIBER_ROLES = ("pcp", "specialist", "nurse", "other")


class ConditionForm(ChildItemForm):
    class Meta:
        model = Condition
        fields = ["name", "plain_words", "status", "diagnosed_on", "code", "notes"]


class MedicationForm(ChildItemForm):
    class Meta:
        model = Medication
        fields = [
            "name",
            "dose",
            "schedule",
            "route",
            "reason",
            "status",
            "prescriber",
            "started_on",
            "stopped_on",
            "pharmacy",
            "notes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this child's team, as the access module sees it.
        prescribers = access.team_choices(self.user, self.child, keep=self.instance.prescriber)
        self.fields["prescriber"].queryset = prescribers.filter(  # type: ignore[attr-defined]
            Q(role__in=PRESCRIBER_ROLES) | Q(pk=self.instance.prescriber_id)
        )


class AllergyForm(ChildItemForm):
    class Meta:
        model = Allergy
        fields = ["substance", "category", "reaction", "severity", "what_to_do"]


class ImmunizationForm(ChildItemForm):
    class Meta:
        model = Immunization
        fields = [
            "vaccine",
            "given_on",
            "dose_number",
            "given_by",
            "given_elsewhere",
            "pcp_told",
            "notes",
        ]


class CoverageForm(ChildItemForm):
    class Meta:
        model = Coverage
        fields = [
            "payer",
            "plan_name",
            "kind",
            "is_medicaid",
            "member_id",
            "group_number",
            "phone",
            "starts_on",
            "renewal_on",
            "ends_on",
            "notes",
        ]


class EquipmentForm(ChildItemForm):
    class Meta:
        model = Equipment
        fields = [
            "name",
            "supplier",
            "supplier_phone",
            "serial_number",
            "received_on",
            "replace_on",
            "in_use",
            "notes",
        ]


class ServiceForm(ChildItemForm):
    class Meta:
        model = Service
        fields = [
            "name",
            "kind",
            "provider",
            "phone",
            "frequency",
            "starts_on",
            "ends_on",
            "approved_until",
            "notes",
        ]


class MeasurementForm(ChildItemForm):
    class Meta:
        model = Measurement
        fields = ["kind", "value", "unit", "measured_on", "notes"]


class JournalEntryForm(ChildItemForm):
    class Meta:
        model = JournalEntry
        fields = ["written_on", "kind", "title", "body", "bring_up"]


# What families upload: reports and letters as PDF, photos of papers as images.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
}
# Imported records may also carry plain-text notes (never uploaded by hand);
# anything else downloads as opaque bytes.
DOWNLOAD_TYPES = {**ALLOWED_TYPES, "text/plain": "txt"}


class DocumentForm(ChildItemForm):
    class Meta:
        model = Document
        fields = ["title", "kind", "dated", "file", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A PDF or a photo (JPEG, PNG, HEIC), up to %(mb)s MB."
        ) % {"mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}
        self.fields["file"].widget.attrs["accept"] = ".pdf,image/*"
        if self.instance.pk:
            # Replacing the file of an existing document is not offered: add a new one.
            del self.fields["file"]

    def clean_file(self) -> Any:
        return validate_upload(self.cleaned_data["file"])


def validate_upload(upload: Any) -> Any:
    """A PDF or an image under the size limit, judged by its content, not its name."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise forms.ValidationError(
            _("This file is %(size)s MB. The limit is %(mb)s MB. Try a smaller scan or photo.")
            % {
                "size": round(upload.size / 1048576, 1),
                "mb": settings.DOCUMENT_MAX_BYTES // 1048576,
            }
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise forms.ValidationError(
            _(
                "This file is not a PDF or a picture, whatever its name says. Only PDF and image files can be added."
            )
        )
    if mime.startswith("image/") and mime != "image/heic":
        try:
            with Image.open(upload) as img:
                img.verify()
        except Exception:
            raise forms.ValidationError(
                _("This picture is damaged and cannot be opened.")
            ) from None
        upload.seek(0)
    upload.detected_type = mime
    return upload
