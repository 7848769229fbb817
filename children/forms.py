from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice

from .items.forms import DateInput, VersionedModelForm, plain_empty_choices
from .models import SCOPE_EXPLAINED, CareTeamMember, Child, Guardianship, Invitation


class ChildForm(VersionedModelForm):
    class Meta:
        model = Child
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "birth_date",
            "sex",
            "language",
            "interpreter_needed",
            "culture_religion",
            "what_to_know",
            "effect_siblings",
            "effect_childcare",
            "effect_work",
            "effect_sleep",
            "effect_money",
        ]

    def clean_birth_date(self) -> Any:
        born = self.cleaned_data["birth_date"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future. Check the year."))
        if born.year < timezone.localdate().year - 40:
            raise forms.ValidationError(_("Check the year of birth: it is more than 40 years ago."))
        return born


class ChildCreateForm(ChildForm):
    relationship = forms.ChoiceField(
        label=_("Your relationship to the child"),
        choices=Guardianship.Relationship.choices,
        initial=Guardianship.Relationship.PARENT,
    )

    class Meta(ChildForm.Meta):
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "birth_date",
            "sex",
            "language",
            "interpreter_needed",
        ]


class TeamMemberForm(VersionedModelForm):
    def __init__(self, *args: Any, user: Any, child: Child, **kwargs: Any) -> None:
        self.user = user
        self.child = child
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = Practice.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["practice"].help_text = _(
            "Pick the clinic if it is listed. Its after-hours and nurse lines then show on the after-hours card."
        )

    class Meta:
        model = CareTeamMember
        fields = [
            "name",
            "role",
            "specialty",
            "organization",
            "practice",
            "phone",
            "after_hours_phone",
            "email",
            "fax",
            "is_medical_home_lead",
            "notes",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == CareTeamMember.Role.SPECIALIST and not data.get("specialty"):
            self.add_error("specialty", _("Say what kind of specialist, for example neurology."))
        return data


SCOPE_HELP = _("Choose only what is needed. You can change or stop this at any time.")


class ScopesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("What they can see"))
        kwargs.setdefault("help_text", SCOPE_HELP)
        super().__init__(choices=list(SCOPE_EXPLAINED.items()), **kwargs)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Their email address"))
    name = forms.CharField(label=_("Their name"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Who is this?"),
        choices=Invitation.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Another parent or guardian sees everything: the choices below are only for the others."
        ),
    )
    team_role = forms.ChoiceField(
        label=_("Their role on the team"),
        choices=[("", "—"), *CareTeamMember.Role.choices],
        required=False,
    )
    team_member = forms.ModelChoiceField(
        label=_("Pick them if they are already on the team list"),
        queryset=CareTeamMember.objects.none(),
        required=False,
        help_text=_("Their phone numbers and notes are then kept."),
    )
    scopes = ScopesField(required=False)
    can_write = forms.BooleanField(
        label=_("They may also add and change things in what they can see"), required=False
    )
    grant_ends_on = forms.DateField(
        label=_("Sharing ends on (optional)"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to share until you stop it."),
    )

    def __init__(
        self, *args: Any, team: Any, taken: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.taken = taken or {}
        plain_empty_choices(self)
        self.fields["team_member"].queryset = team  # type: ignore[attr-defined]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email in self.taken:
            raise forms.ValidationError(self.taken[email])
        return email

    def clean_grant_ends_on(self) -> Any:
        ends = self.cleaned_data.get("grant_ends_on")
        if ends and ends < timezone.localdate():
            raise forms.ValidationError(_("This date has already passed."))
        return ends

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") in (Invitation.Kind.CAREGIVER, Invitation.Kind.TEAM) and not data.get(
            "scopes"
        ):
            self.add_error("scopes", _("Choose at least one thing to share."))
        member = data.get("team_member")
        if member is not None and member.user_id is not None:
            self.add_error("team_member", _("This team member already has access."))
        elif member is not None and any(i.is_pending for i in member.invitations.all()):
            self.add_error(
                "team_member", _("An invitation for this team member is already waiting.")
            )
        return data


class GrantForm(forms.Form):
    scopes = ScopesField(required=True)
    can_write = forms.BooleanField(label=_("May add and change things"), required=False)
    ends_on = forms.DateField(
        label=_("Sharing ends on (optional)"), required=False, widget=DateInput()
    )


class EnrollmentForm(GrantForm):
    practice = forms.ModelChoiceField(
        label=_("Practice"),
        queryset=Practice.objects.order_by("name"),
        help_text=_("Its care coordinators, nurses and referral staff will see what you share."),
    )
    field_order = ["practice", "scopes", "can_write", "ends_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_empty_choices(self)
