"""Forms for a child's rows: dates as dates, plain empty choices, and edits that
cannot silently overwrite someone else's (the row's ``version``)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from children import access
from children.models import Child


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def plain_empty_choices(form: forms.BaseForm) -> None:
    """Say "Choose…" on empty select options, in the person's language."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
            field.empty_label = _("Choose…")
        elif isinstance(field, forms.ChoiceField) and field.choices:
            choices = list(field.choices)  # type: ignore[arg-type]
            if choices and choices[0][0] == "":
                field.choices = [("", _("Choose…")), *choices[1:]]


class VersionedModelForm(forms.ModelForm):
    """A model form that remembers which version of the row it was opened on."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # Without it, a save could not tell that someone else saved first.
            self.fields["version"].required = True
        plain_empty_choices(self)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 3)

    def stale_version_error(self) -> None:
        self.add_error(
            None,
            _(
                "Someone else changed this while you were editing it, so your changes were "
                "not saved. Your changes are still in the form below. Check the latest "
                "version (open it again in a new tab), then save again if yours should win."
            ),
        )
        # A second save after reading the message is a deliberate choice.
        data = self.data.copy()  # type: ignore[attr-defined]
        data["version"] = str(access.current_version(self.instance))
        self.data = data


class ChildItemForm(VersionedModelForm):
    """A form for one of a child's rows: it knows who fills it in and for which child,
    so its choices can come from ``access``."""

    def __init__(self, *args: Any, user: Any, child: Child, **kwargs: Any) -> None:
        self.user = user
        self.child = child
        super().__init__(*args, **kwargs)
