"""Forms for referrals: the referral and each step of its loop."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children import access
from children.items.forms import ChildItemForm
from records.forms import validate_upload
from records.models import Document

from ..models import Referral


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
