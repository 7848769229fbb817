from typing import Any

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Practice, PracticeStaff, User


def clean_phone(value: str) -> str:
    """Accept what people type (spaces, dashes, brackets); refuse what cannot be a number."""
    value = value.strip()
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(_("This does not look like a phone number.")) from None
    if not phonenumbers.is_possible_number(number):
        raise forms.ValidationError(_("This does not look like a phone number."))
    return value


class SignupForm(forms.Form):
    """Extra sign-up fields (allauth calls ``signup`` after creating the user)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("Shown to the people you share a record with."),
    )

    def signup(self, request: Any, user: User) -> None:
        user.name = self.cleaned_data["name"]
        user.language = getattr(request, "LANGUAGE_CODE", "en")[:2]
        user.save(update_fields=["name", "language"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "phone", "language"]

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])


class PracticeForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = [
            "name",
            "address",
            "phone",
            "after_hours_phone",
            "nurse_line",
            "hours",
            "website",
            "accepts_medicaid",
            "wheelchair_accessible",
            "accessibility_notes",
            "languages",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "hours": forms.Textarea(attrs={"rows": 3}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("phone", "after_hours_phone", "nurse_line"):
            if data.get(name):
                try:
                    data[name] = clean_phone(data[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=PracticeStaff.Role.choices)


class StaffUpdateForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PracticeStaff.Role.choices)
    is_active = forms.BooleanField(
        label=_("Active: can see the children enrolled at the practice"), required=False
    )


class OperatorAdminInviteForm(forms.Form):
    """The operator invites a practice's administrator, and says why."""

    email = forms.EmailField(label=_("Email address"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why you, and not the practice, are inviting this administrator (for example: "
            "the practice is new; its only administrator left). Families of enrolled children "
            "see it."
        ),
    )
