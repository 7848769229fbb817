"""Forms for paperwork asked of the team."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from children import access
from children.items.forms import ChildItemForm
from records.forms import validate_upload

from ..models import PaperworkRequest


class PaperworkForm(ChildItemForm):
    class Meta:
        model = PaperworkRequest
        fields = ["kind", "title", "details", "asked_of", "due_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = self.instance.asked_of if self.instance.asked_of_id else None
        self.fields["asked_of"].queryset = access.team_choices(self.user, self.child, keep=keep)  # type: ignore[attr-defined]


class PaperworkDoneForm(forms.Form):
    file = forms.FileField(
        label=_("The finished form or letter"),
        help_text=_("A PDF or a photo. It is added to the child's documents."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_file(self) -> Any:
        return validate_upload(self.cleaned_data["file"])
