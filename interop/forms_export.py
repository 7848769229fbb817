"""The choices on the "Download the record (FHIR)" page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from children.models import Scope

from .export import EXPORT_SCOPES


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("What to download"),
        choices=[
            ("bundle", _("The record, for another app or patient portal (FHIR R4 Bundle)")),
            ("ips", _("A short summary for a doctor or hospital (International Patient Summary)")),
        ],
        initial="bundle",
        widget=forms.RadioSelect,
    )
    scopes = forms.MultipleChoiceField(
        label=_("Which parts"),
        choices=[(s, Scope(s).label) for s in EXPORT_SCOPES],
        initial=list(EXPORT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one part of the record.")},
    )
    with_files = forms.BooleanField(
        label=_("Include the files of your documents"),
        help_text=_("The download is bigger with them."),
        required=False,
        initial=True,
    )
