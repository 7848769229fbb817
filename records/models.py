"""The care notebook: everything a family keeps about the child's health."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child

RENEWAL_WARNING_DAYS = 60


def not_in_future(value: date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future. Check the year."))


class Condition(ChildItem):
    """A diagnosis or health problem [Condition]."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("current")
        RESOLVED = "resolved", _("in the past")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="conditions")
    name = models.CharField(_("condition"), max_length=200)
    plain_words = models.TextField(
        _("in plain words"),
        blank=True,
        help_text=_("What it means for your child, in your own words."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    diagnosed_on = models.DateField(
        _("diagnosed on"), null=True, blank=True, validators=[not_in_future]
    )
    code = models.CharField(_("code (ICD-10 or SNOMED)"), max_length=40, blank=True)
    # Only when the code is not ICD-10-CM or SNOMED (kept from an import).
    code_system = models.CharField(_("code system"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["status", "name"]
        indexes = [models.Index(fields=["child", "status"])]
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")

    def __str__(self) -> str:
        return self.name


class Medication(ChildItem):
    """A medicine the child takes or took [MedicationStatement]."""

    class Status(models.TextChoices):
        CURRENT = "current", _("taking now")
        AS_NEEDED = "as_needed", _("only when needed")
        STOPPED = "stopped", _("stopped")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(_("medicine"), max_length=200)
    dose = models.CharField(
        _("dose"), max_length=100, help_text=_("How much. For example: 5 ml or 250 mg.")
    )
    schedule = models.CharField(
        _("when to give it"), max_length=200, help_text=_("For example: twice a day, 8am and 8pm.")
    )
    route = models.CharField(
        _("how it is given"),
        max_length=100,
        blank=True,
        help_text=_("For example: by mouth, by G-tube, inhaler."),
    )
    reason = models.CharField(_("what it is for"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CURRENT
    )
    prescriber = models.ForeignKey(
        CareTeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prescriptions",
        verbose_name=_("prescribed by"),
    )
    started_on = models.DateField(
        _("started on"), null=True, blank=True, validators=[not_in_future]
    )
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    pharmacy = models.CharField(_("pharmacy"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Kept from an import: RxNorm unless code_system says otherwise.
    code = models.CharField(_("code (RxNorm)"), max_length=40, blank=True)
    code_system = models.CharField(_("code system"), max_length=200, blank=True)

    class Meta:
        ordering = ["status", "name"]
        indexes = [models.Index(fields=["child", "status"])]
        verbose_name = _("medicine")
        verbose_name_plural = _("medicines")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.started_on and self.stopped_on and self.stopped_on < self.started_on:
            raise ValidationError({"stopped_on": _("The stop date is before the start date.")})
        if self.status == self.Status.STOPPED and not self.stopped_on:
            self.stopped_on = timezone.localdate()


class Allergy(ChildItem):
    """Something the child must not have [AllergyIntolerance]."""

    class Severity(models.TextChoices):
        # Ordered so that sorting by this field puts the most serious first.
        SEVERE = "1severe", _("severe (life-threatening)")
        MODERATE = "2moderate", _("moderate")
        MILD = "3mild", _("mild")
        UNKNOWN = "4unknown", _("not sure")

    class Category(models.TextChoices):
        FOOD = "food", _("food")
        MEDICINE = "medication", _("medicine")
        ENVIRONMENT = "environment", _("environment (pollen, latex, animals)")
        OTHER = "other", _("other")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="allergies")
    substance = models.CharField(_("allergic to"), max_length=200)
    category = models.CharField(
        _("kind"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    reaction = models.CharField(
        _("what happens"),
        max_length=200,
        blank=True,
        help_text=_("For example: hives, swelling, trouble breathing."),
    )
    severity = models.CharField(
        _("how serious"), max_length=12, choices=Severity.choices, default=Severity.UNKNOWN
    )
    what_to_do = models.TextField(
        _("what to do"), blank=True, help_text=_("For example: give the EpiPen, call 911.")
    )
    # Kept from an import: SNOMED CT unless code_system says otherwise.
    code = models.CharField(_("code (SNOMED)"), max_length=40, blank=True)
    code_system = models.CharField(_("code system"), max_length=200, blank=True)

    class Meta:
        ordering = ["severity", "substance"]
        verbose_name = _("allergy")
        verbose_name_plural = _("allergies")

    def __str__(self) -> str:
        return self.substance

    @property
    def is_severe(self) -> bool:
        return self.severity == self.Severity.SEVERE


class Immunization(ChildItem):
    """A vaccine given [Immunization]; the PCP needs to know about ones given elsewhere."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="immunizations")
    vaccine = models.CharField(_("vaccine"), max_length=200)
    given_on = models.DateField(_("date given"), validators=[not_in_future])
    dose_number = models.PositiveSmallIntegerField(_("dose number"), null=True, blank=True)
    given_by = models.CharField(_("where or by whom"), max_length=200, blank=True)
    given_elsewhere = models.BooleanField(
        _("given somewhere other than the main doctor's office"),
        default=False,
        help_text=_("For example at a pharmacy, school clinic or hospital."),
    )
    pcp_told = models.BooleanField(_("main doctor's office has been told"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # Kept from an import: CVX unless code_system says otherwise.
    code = models.CharField(_("code (CVX)"), max_length=40, blank=True)
    code_system = models.CharField(_("code system"), max_length=200, blank=True)

    class Meta:
        ordering = ["-given_on", "vaccine"]
        indexes = [
            models.Index(fields=["child", "-given_on"]),
            models.Index(fields=["child", "pcp_told"]),
        ]
        verbose_name = _("immunization")
        verbose_name_plural = _("immunizations")

    def __str__(self) -> str:
        return f"{self.vaccine} ({self.given_on})"

    def clean(self) -> None:
        if not self.given_elsewhere:
            self.pcp_told = True

    @property
    def needs_telling(self) -> bool:
        return self.given_elsewhere and not self.pcp_told


class Coverage(ChildItem):
    """Health insurance [Coverage]. Medicaid must be renewed on time or it stops."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", _("main insurance")
        SECONDARY = "secondary", _("second insurance")
        OTHER = "other", _("other help (program, waiver)")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="coverages")
    payer = models.CharField(_("insurance company or program"), max_length=200)
    plan_name = models.CharField(_("plan name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRIMARY)
    is_medicaid = models.BooleanField(_("Medicaid or CHIP"), default=False)
    member_id = models.CharField(_("member ID"), max_length=100)
    group_number = models.CharField(_("group number"), max_length=100, blank=True)
    phone = models.CharField(_("member services phone"), max_length=40, blank=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    renewal_on = models.DateField(
        _("renewal date"), null=True, blank=True, help_text=_("When the coverage must be renewed.")
    )
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["kind", "payer"]
        verbose_name = _("insurance")
        verbose_name_plural = _("insurance")

    def __str__(self) -> str:
        return self.payer

    def clean(self) -> None:
        if self.is_medicaid and not self.renewal_on:
            raise ValidationError(
                {
                    "renewal_on": _(
                        "Medicaid must be renewed every year. Add the renewal date from your letter."
                    )
                }
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})

    @property
    def next_deadline(self) -> date | None:
        dates = [d for d in (self.renewal_on, self.ends_on) if d]
        return min(dates) if dates else None

    @property
    def renewal_warning(self) -> bool:
        deadline = self.next_deadline
        if deadline is None:
            return False
        return deadline <= timezone.localdate() + timedelta(days=RENEWAL_WARNING_DAYS)

    @property
    def days_left(self) -> int | None:
        deadline = self.next_deadline
        return (deadline - timezone.localdate()).days if deadline else None


class Equipment(ChildItem):
    """Medical equipment and supplies [Device]."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="equipment")
    name = models.CharField(
        _("equipment"),
        max_length=200,
        help_text=_("For example: wheelchair, feeding pump, nebulizer."),
    )
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    supplier_phone = models.CharField(_("supplier phone"), max_length=40, blank=True)
    serial_number = models.CharField(_("serial or model number"), max_length=100, blank=True)
    received_on = models.DateField(
        _("received on"), null=True, blank=True, validators=[not_in_future]
    )
    replace_on = models.DateField(_("due for replacement or service"), null=True, blank=True)
    in_use = models.BooleanField(_("in use now"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-in_use", "name"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self) -> str:
        return self.name


class Service(ChildItem):
    """Therapies, home care, transport and community programs."""

    class Kind(models.TextChoices):
        PHYSICAL = "pt", _("physical therapy")
        OCCUPATIONAL = "ot", _("occupational therapy")
        SPEECH = "speech", _("speech therapy")
        FEEDING = "feeding", _("feeding therapy")
        BEHAVIOR = "behavior", _("behavior therapy")
        HOME_CARE = "home_care", _("home nursing or home care")
        TRANSPORT = "transport", _("transport")
        RESPITE = "respite", _("respite care")
        EARLY_INTERVENTION = "early_intervention", _("early intervention")
        COMMUNITY = "community", _("community program")
        OTHER = "other", _("other")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("service"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    provider = models.CharField(_("who provides it"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    frequency = models.CharField(
        _("how often"), max_length=100, blank=True, help_text=_("For example: twice a week.")
    )
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    approved_until = models.DateField(_("approved by insurance until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})


class Measurement(ChildItem):
    """A measurement over time: growth, vital signs, seizures [Observation]."""

    class Kind(models.TextChoices):
        WEIGHT = "weight", _("weight")
        HEIGHT = "height", _("height or length")
        HEAD = "head", _("head size")
        TEMPERATURE = "temperature", _("temperature")
        HEART_RATE = "heart_rate", _("heart rate")
        OXYGEN = "oxygen", _("oxygen level")
        SEIZURES = "seizures", _("seizures in a day")
        OTHER = "other", _("other")

    # Units and plausible ranges per kind: catches a misplaced decimal point.
    UNITS = {
        "weight": ("kg", 0.3, 250),
        "height": ("cm", 20, 230),
        "head": ("cm", 20, 70),
        "temperature": ("°C", 30, 45),
        "heart_rate": ("/min", 20, 260),
        "oxygen": ("%", 50, 100),
        "seizures": ("", 0, 500),
    }

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="measurements")
    kind = models.CharField(_("what was measured"), max_length=20, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    measured_on = models.DateField(_("date"), validators=[not_in_future])
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["-measured_on", "kind"]
        indexes = [models.Index(fields=["child", "-measured_on"])]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} {self.unit}"

    def clean(self) -> None:
        rule = self.UNITS.get(self.kind)
        if rule and self.value is not None:
            unit, low, high = rule
            self.unit = self.unit or unit
            if self.unit == unit and not (low <= float(self.value) <= high):
                raise ValidationError(
                    {
                        "value": _(
                            "%(value)s %(unit)s looks wrong for this measurement. Check the number."
                        )
                        % {"value": self.value, "unit": unit}
                    }
                )


class JournalEntry(ChildItem):
    """What the family notices: new skills, concerns, changes."""

    class Kind(models.TextChoices):
        SKILL = "skill", _("new skill")
        CONCERN = "concern", _("concern")
        CHANGE = "change", _("change")
        NOTE = "note", _("note")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="journal_entries")
    written_on = models.DateField(_("date"), default=timezone.localdate, validators=[not_in_future])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what happened"), blank=True)
    bring_up = models.BooleanField(_("bring up at the next visit"), default=False)

    class Meta:
        ordering = ["-written_on", "-id"]
        indexes = [models.Index(fields=["child", "-written_on"])]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal")

    def __str__(self) -> str:
        return self.title


def document_path(instance: "Document", filename: str) -> str:
    # Never the uploaded name: that is kept in original_name and only used,
    # made safe, for the download.
    return f"documents/{instance.child.uuid}/{instance.uuid}"


class Document(ChildItem):
    """A file: reports, letters, results [DocumentReference]. PDF or image only."""

    class Kind(models.TextChoices):
        REPORT = "report", _("visit or specialist report")
        LAB = "lab", _("test result")
        IMAGING = "imaging", _("X-ray or scan")
        LETTER = "letter", _("letter")
        SCHOOL = "school", _("school document")
        INSURANCE = "insurance", _("insurance document")
        PLAN = "plan", _("care or emergency plan")
        OTHER = "other", _("other")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    dated = models.DateField(
        _("date on the document"), null=True, blank=True, validators=[not_in_future]
    )
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    original_name = models.CharField(max_length=255, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    sha256 = models.CharField(max_length=64, editable=False, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-dated", "-created_at"]
        indexes = [models.Index(fields=["child", "-dated"])]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title
