"""Forms of the shared plan of care."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.forms import VersionedModelForm

from ..models import CarePlan, Goal, Need
from .tasks import owner_choices

NOTE_HELP = _("A few words for the family: why this change.")


class ProposalNoteMixin(forms.Form):
    """Shown to team members, whose saves become proposals for the family."""

    note = forms.CharField(
        label=_("Why this change"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=NOTE_HELP,
    )

    def drop_note(self) -> None:
        self.fields.pop("note", None)


class AboutForm(VersionedModelForm, ProposalNoteMixin):
    class Meta:
        model = CarePlan
        fields = ["strengths", "priorities", "what_matters", "review_on"]

    def clean_review_on(self) -> Any:
        review_on = self.cleaned_data.get("review_on")
        if review_on and review_on < timezone.localdate():
            raise forms.ValidationError(_("Choose a date from today on."))
        return review_on


class GoalForm(VersionedModelForm, ProposalNoteMixin):
    owner = forms.ChoiceField(label=_("Who leads it"), required=False)

    class Meta:
        model = Goal
        fields = ["text", "term", "domain", "measure", "target_on", "status"]

    def __init__(self, *args: Any, user: Any, child: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.child = child
        self.fields["owner"].choices = owner_choices(user, child)  # type: ignore[attr-defined]
        goal = self.instance
        if goal.owner_is_child:
            self.fields["owner"].initial = "child"
        elif goal.owner_guardian_id:
            self.fields["owner"].initial = f"g:{goal.owner_guardian.uuid}"  # type: ignore[union-attr]
        elif goal.owner_member_id:
            self.fields["owner"].initial = f"t:{goal.owner_member.uuid}"  # type: ignore[union-attr]
        self.order_fields(["text", "domain", "term", "measure", "target_on", "owner", "status"])

    def plan_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in (*self.Meta.fields, "owner")}


class NeedForm(VersionedModelForm, ProposalNoteMixin):
    class Meta:
        model = Need
        fields = ["text", "supports", "met"]

    def plan_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not (the team member will see this)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CompareForm(forms.Form):
    a = forms.TypedChoiceField(label=_("Older version"), coerce=int)
    b = forms.TypedChoiceField(label=_("Newer version"), coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, _("Version %(number)s") % {"number": n}) for n in numbers]
        self.fields["a"].choices = choices  # type: ignore[attr-defined]
        self.fields["b"].choices = choices  # type: ignore[attr-defined]


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Who it is for"),
        max_length=200,
        help_text=_("For example: new school nurse, summer camp."),
    )
    days = forms.IntegerField(
        label=_("How many days the link works"),
        min_value=1,
        max_value=90,
        initial=14,
    )
