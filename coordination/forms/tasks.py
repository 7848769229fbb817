"""Forms for tasks: who does it (the child, a guardian or a team member), and the
next steps that become tasks after a visit or a meeting."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children import access
from children.items.forms import ChildItemForm
from children.models import Child

from ..models import Goal, Task


def owner_choices(user: Any, child: Child) -> list[tuple[str, Any]]:
    """Who can own a task: the child, a guardian, or someone on the team."""
    choices: list[tuple[str, Any]] = [
        ("", _("Choose…")),
        ("child", child.preferred_name or child.first_name),
    ]
    for guardianship in access.family_choices(user, child):
        choices.append((f"g:{guardianship.uuid}", guardianship.user.display_name))
    for member in access.team_choices(user, child):
        choices.append((f"t:{member.uuid}", f"{member.name} ({member.get_role_display()})"))
    return choices


def apply_owner(task: Task, child: Child, value: str) -> None:
    task.owner_is_child = value == "child"
    task.owner_guardian = None
    task.owner_member = None
    kind, _sep, uuid = value.partition(":")
    if kind == "g":
        task.owner_guardian = child.guardianships.live().get(uuid=uuid)
    elif kind == "t":
        task.owner_member = child.team.get(uuid=uuid)


def owner_value(task: Task) -> str:
    if task.owner_is_child:
        return "child"
    if task.owner_guardian_id:
        return f"g:{task.owner_guardian.uuid}"  # type: ignore[union-attr]
    if task.owner_member_id:
        return f"t:{task.owner_member.uuid}"  # type: ignore[union-attr]
    return ""


class TaskForm(ChildItemForm):
    owner = forms.ChoiceField(label=_("Who does it"))

    class Meta:
        model = Task
        fields = ["title", "details", "owner", "due_on", "status", "origin", "goal"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(self.user, self.child)  # type: ignore[attr-defined]
        self.fields["owner"].initial = owner_value(self.instance)
        # An action of the care plan: a task for one of this child's goals.
        self.fields["goal"].queryset = access.offered(  # type: ignore[attr-defined]
            Goal.objects.filter(status=Goal.Status.ACTIVE),
            self.user,
            child=self.child,
            keep=self.instance.goal,
        )
        self.order_fields(["title", "details", "owner", "due_on", "goal", "status", "origin"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("goal") and data.get("origin") == Task.Origin.OTHER:
            data["origin"] = Task.Origin.PLAN
        return data

    def save(self, commit: bool = True) -> Task:
        task = super().save(commit=False)
        apply_owner(task, self.child, self.cleaned_data["owner"])
        if commit:
            task.save()
        return task


class NextStepForm(forms.Form):
    title = forms.CharField(label=_("Next step"), max_length=300, required=False)
    owner = forms.ChoiceField(label=_("Who does it"), required=False)
    due_on = forms.DateField(
        label=_("Due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, owners: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("title") and not data.get("owner"):
            self.add_error("owner", _("Say who will do it."))
        if data.get("due_on") and data["due_on"] < timezone.localdate():
            self.add_error("due_on", _("This date has already passed."))
        return data


NextStepFormSet = forms.formset_factory(NextStepForm, extra=3)
