"""Forms for messages: start a thread, reply."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from children import access
from children.models import CareTeamMember, Child

from ..models import Message, Thread

THANK_YOU_HELP = _(
    "If your medical home partners do something you are thankful for, let them know."
)


class RecipientField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CareTeamMember) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.get_role_display()})"


class ThreadForm(forms.Form):
    participants = RecipientField(
        label=_("To"),
        queryset=CareTeamMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only people on the care team who can read messages in Homebase are listed."),
        error_messages={"required": _("Choose at least one person to write to.")},
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=Thread._meta.get_field("subject").max_length
    )
    body = forms.CharField(
        label=_("Your message"),
        max_length=Message._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    thank_you = forms.BooleanField(
        label=_("This is a thank-you note"), required=False, help_text=THANK_YOU_HELP
    )

    def __init__(self, *args: Any, user: Any, child: Child, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = access.message_recipient_choices(user, child)  # type: ignore[attr-defined]

    @property
    def kind(self) -> str:
        if self.cleaned_data.get("thank_you"):
            return Thread.Kind.THANK_YOU
        return Thread.Kind.MESSAGE


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=Message._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your reply first.")},
    )
