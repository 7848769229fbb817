"""Forms for visits: planning one, the family's questions, and what happened."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from children import access
from children.items.forms import ChildItemForm, DateTimeInput
from records.models import Document

from ..models import Visit


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

    def outcome(self) -> tuple[str, dict[Any, str]]:
        """What was said overall, and the answer to each question."""
        return self.cleaned_data["summary"], self.answers()
