from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children import access
from children.items.forms import ChildItemForm
from children.models import Child
from records.forms import validate_upload
from records.models import Document

from .models import Goal, PaperworkRequest, Referral, Task, Visit


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class VisitForm(ChildItemForm):
    class Meta:
        model = Visit
        fields = [
            "team_member",
            "starts_at",
            "place",
            "purpose",
            "interpreter_needed",
            "extra_time_needed",
            "extra_time_reason",
            "status",
            "recording",
            "recording_agreed",
        ]
        widgets = {"starts_at": DateTimeInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        self.fields["team_member"].queryset = access.team_choices(  # type: ignore[attr-defined]
            self.user, self.child, keep=self.instance.team_member
        )  # type: ignore[attr-defined]
        # Only this child's documents, and only for people who may see them.
        documents = access.scoped(Document.objects.filter(child=self.child), self.user)
        self.fields["recording"].queryset = documents  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), max_length=500)
    by_youth = forms.BooleanField(label=_("My child's own question"), required=False)


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


class VisitRecordForm(forms.Form):
    summary = forms.CharField(
        label=_("What happened at the visit"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("In your words: what was found, what changed, what to watch for."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"answer-{question.uuid}"] = forms.CharField(
                label=question.text,
                required=False,
                initial=question.answer,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> dict[Any, str]:
        return {q: self.cleaned_data.get(f"answer-{q.uuid}", "") for q in self.questions}


class ReferralForm(ChildItemForm):
    class Meta:
        model = Referral
        fields = [
            "to_specialty",
            "to_member",
            "from_member",
            "reason",
            "urgency",
            "prior_approval_needed",
            "requested_on",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("to_member", "from_member"):
            keep = getattr(self.instance, name)
            self.fields[name].queryset = access.team_choices(self.user, self.child, keep=keep)  # type: ignore[attr-defined]

    def clean_requested_on(self) -> Any:
        requested = self.cleaned_data["requested_on"]
        if requested > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future. Check the year."))
        return requested


class ReferralStepForm(forms.Form):
    """Move the referral to a later step, with the date it happened."""

    step = forms.ChoiceField(label=_("What happened"))
    on = forms.DateField(
        label=_("On"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    report = forms.ModelChoiceField(
        label=_("The report (from Documents)"),
        queryset=Document.objects.none(),
        required=False,
        help_text=_("If it is already in Documents."),
    )
    report_file = forms.FileField(
        label=_("Or upload the report"),
        required=False,
        help_text=_(
            "A PDF or a photo. It is added to the child's documents. The report closes the referral."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, referral: Referral, documents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        order = [str(status) for status, _field in Referral.STEPS]
        later = order[order.index(referral.status) + 1 :] if referral.status in order else []
        labels = dict(Referral.Status.choices)
        self.fields["step"].choices = [(s, labels[s]) for s in later]  # type: ignore[attr-defined]
        self.fields["report"].queryset = documents  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()
        self.fields["version"].initial = referral.version

    def clean_report_file(self) -> Any:
        upload = self.cleaned_data.get("report_file")
        return validate_upload(upload) if upload else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        step, on = data.get("step"), data.get("on")
        if step == Referral.Status.CLOSED and not (data.get("report") or data.get("report_file")):
            self.add_error("report_file", _("Add the report: it is what closes the referral."))
        if on and step != Referral.Status.SCHEDULED and on > timezone.localdate():
            self.add_error("on", _("This has not happened yet: the date is in the future."))
        # The appointment date is a plan (it can be moved up); the others happened.
        happened = [
            getattr(self.referral, f)
            for _s, f in Referral.STEPS
            if f != "appointment_on" and getattr(self.referral, f)
        ]
        last = max(happened, default=None)
        if on and last and on < last and step != Referral.Status.SCHEDULED:
            self.add_error("on", _("This date is before the step before it."))
        return data


class ReferralEndForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (Referral.Status.DECLINED, _("declined")),
            (Referral.Status.CANCELLED, _("cancelled")),
        ],
    )
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


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
