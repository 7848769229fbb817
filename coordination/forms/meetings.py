"""Forms for care meetings: the meeting, its agenda, and what was said."""

from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from children import access
from children.items.forms import ChildItemForm, DateTimeInput
from children.models import CareTeamMember, Child, Guardianship

from ..models import AgendaItem, Goal, Meeting, Referral, Task

REFERRAL_ENDED = (Referral.Status.CLOSED, Referral.Status.DECLINED, Referral.Status.CANCELLED)


class TeamChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class FamilyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.display_name)


class MeetingForm(ChildItemForm):
    attendees = TeamChoiceField(
        label=_("Who comes from the team"),
        queryset=CareTeamMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    family_attendees = FamilyChoiceField(
        label=_("Who comes from the family"),
        queryset=Guardianship.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Meeting
        fields = [
            "purpose",
            "starts_at",
            "place_or_link",
            "attendees",
            "family_attendees",
            "status",
        ]
        widgets = {"starts_at": DateTimeInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        saved_team: list[CareTeamMember] = []
        saved_family: list[Guardianship] = []
        if self.instance.pk:
            saved_team = list(self.instance.attendees.all())
            saved_family = list(self.instance.family_attendees.all())
        # People already chosen stay offered, so that saving does not drop
        # someone the editor cannot see.
        self.fields["attendees"].queryset = access.team_choices(  # type: ignore[attr-defined]
            self.user, self.child, keep=saved_team
        )
        self.fields["family_attendees"].queryset = access.family_choices(  # type: ignore[attr-defined]
            self.user, self.child, keep=saved_family
        )

    def save(self, commit: bool = True) -> Meeting:
        meeting = super().save(commit=commit)
        # The saver (services_meetings.meeting_save) sets these after the row is saved.
        meeting.chosen_people = (  # type: ignore[attr-defined]
            list(self.cleaned_data.get("attendees") or []),
            list(self.cleaned_data.get("family_attendees") or []),
        )
        return meeting


def _task_label(task: Task) -> str:
    parts = [task.title]
    if task.owner_label:
        parts.append(task.owner_label)
    if task.due_on:
        parts.append(
            str(_("by %(date)s") % {"date": date_format(task.due_on, "SHORT_DATE_FORMAT")})
        )
    return " · ".join(parts)


class SourceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args: Any, labeller: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labeller = labeller

    def label_from_instance(self, obj: Any) -> str:
        return str(self.labeller(obj))


def agenda_sources(user: Any, child: Child) -> dict[str, Any]:
    """What the agenda can be drawn from, as this person may see it."""
    return {
        "task": access.scoped(Task.objects.filter(child=child, status=Task.Status.OPEN), user)
        .select_related("child", "owner_guardian__user", "owner_member")
        .order_by("due_on", "id"),
        "referral": access.scoped(
            Referral.objects.filter(child=child).exclude(status__in=REFERRAL_ENDED), user
        ).order_by("-requested_on", "id"),
        "goal": access.scoped(Goal.objects.filter(child=child, status=Goal.Status.ACTIVE), user),
    }


class AgendaForm(forms.Form):
    """Tick what to talk about; type anything else, one item per line."""

    task = SourceField(
        label=_("Open tasks"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        labeller=_task_label,
    )
    referral = SourceField(
        label=_("Open referrals"),
        queryset=Referral.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        labeller=lambda r: f"{r.to_specialty} · {r.get_status_display()}",
    )
    goal = SourceField(
        label=_("Goals we are working on"),
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        labeller=lambda g: g.text,
    )
    extra = forms.CharField(
        label=_("Anything else to talk about"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, meeting: Meeting, sources: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sources = sources
        chosen: dict[str, list[int]] = {"task": [], "referral": [], "goal": []}
        for item in meeting.agenda.all():
            for kind in chosen:
                if getattr(item, f"{kind}_id"):
                    chosen[kind].append(getattr(item, f"{kind}_id"))
        for kind, queryset in sources.items():
            self.fields[kind].queryset = queryset  # type: ignore[attr-defined]
            self.fields[kind].initial = chosen[kind]
        self.fields["version"].initial = meeting.version

    def extra_items(self) -> list[str]:
        lines = (line.strip() for line in self.cleaned_data.get("extra", "").splitlines())
        return [line[:300] for line in lines if line]


class MeetingRecordForm(forms.Form):
    notes = forms.CharField(
        label=_("What was decided overall"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("In plain words: what was agreed, what changes, what to watch for."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, agenda: list[AgendaItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agenda = agenda
        for item in agenda:
            self.fields[f"note-{item.uuid}"] = forms.CharField(
                label=item.text,
                required=False,
                initial=item.notes,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields([*(f"note-{i.uuid}" for i in agenda), "notes"])

    def item_notes(self) -> dict[AgendaItem, str]:
        return {i: self.cleaned_data.get(f"note-{i.uuid}", "") for i in self.agenda}

    def outcome(self) -> tuple[str, dict[AgendaItem, str]]:
        """What was decided overall, and the notes on each agenda item."""
        return self.cleaned_data["notes"], self.item_notes()
