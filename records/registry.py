"""The kinds of notebook entries and how the shared item pages show them.

One set of list / add / edit / delete views (``children.items``) serves every
kind; this table says what differs: the form, the columns, the search field,
the words.
"""

from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from children.forms import TeamMemberForm
from children.items.kinds import Column, Kind
from children.models import CareTeamMember
from children.services import team_member_save

from . import forms as f
from .models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    JournalEntry,
    Measurement,
    Medication,
    Service,
)
from .services import document_delete, document_save


def _d(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


KINDS: tuple[Kind, ...] = (
    Kind(
        "conditions",
        Condition,
        f.ConditionForm,
        _("Conditions"),
        _("Add a condition"),
        _("No conditions yet. Add your child's diagnoses so every team sees them."),
        _("Diagnoses and health problems, in your words as well as the doctor's."),
        (
            Column(_("Condition"), lambda o: o.name),
            Column(_("In plain words"), lambda o: o.plain_words),
            Column(_("Status"), lambda o: o.get_status_display()),
            Column(_("Since"), lambda o: _d(o.diagnosed_on)),
        ),
        search=("name",),
    ),
    Kind(
        "medicines",
        Medication,
        f.MedicationForm,
        _("Medicines"),
        _("Add a medicine"),
        _("No medicines yet."),
        _("Every medicine, with the dose and when to give it. Bring this list to every visit."),
        (
            Column(_("Medicine"), lambda o: o.name),
            Column(_("Dose"), lambda o: o.dose),
            Column(_("When"), lambda o: o.schedule),
            Column(_("Status"), lambda o: o.get_status_display()),
            Column(_("Prescribed by"), lambda o: o.prescriber.name if o.prescriber else ""),
        ),
        search=("name", "reason", "schedule"),
        select_related=("prescriber",),
    ),
    Kind(
        "allergies",
        Allergy,
        f.AllergyForm,
        _("Allergies"),
        _("Add an allergy"),
        _("No allergies recorded. If your child has none, you can leave this empty."),
        _(
            "Foods, medicines and other things your child must not have. The most serious come first."
        ),
        (
            Column(_("Allergic to"), lambda o: o.substance),
            Column(_("How serious"), lambda o: o.get_severity_display()),
            Column(_("What happens"), lambda o: o.reaction),
            Column(_("What to do"), lambda o: o.what_to_do),
        ),
        search=("substance",),
    ),
    Kind(
        "immunizations",
        Immunization,
        f.ImmunizationForm,
        _("Immunizations"),
        _("Add an immunization"),
        _("No immunizations yet."),
        _("Vaccines (shots). If one was given somewhere else, tell the main doctor's office."),
        (
            Column(_("Vaccine"), lambda o: o.vaccine),
            Column(_("Date given"), lambda o: _d(o.given_on)),
            Column(_("Where"), lambda o: o.given_by),
            Column(_("Main doctor told?"), lambda o: _("Not yet") if o.needs_telling else _("Yes")),
        ),
        search=("vaccine",),
    ),
    Kind(
        "insurance",
        Coverage,
        f.CoverageForm,
        _("Insurance"),
        _("Add insurance"),
        _("No insurance yet."),
        _("Insurance and programs that pay for care. We warn you 60 days before a renewal."),
        (
            Column(_("Insurance"), lambda o: o.payer),
            Column(_("Member ID"), lambda o: o.member_id),
            Column(_("Kind"), lambda o: o.get_kind_display()),
            Column(_("Renewal"), lambda o: _d(o.renewal_on)),
        ),
        search=("payer",),
    ),
    Kind(
        "equipment",
        Equipment,
        f.EquipmentForm,
        _("Equipment"),
        _("Add equipment"),
        _("No equipment yet."),
        _("Wheelchairs, pumps, braces and supplies, with the supplier to call."),
        (
            Column(_("Equipment"), lambda o: o.name),
            Column(_("Supplier"), lambda o: o.supplier),
            Column(_("Supplier phone"), lambda o: o.supplier_phone),
            Column(_("Replace or service by"), lambda o: _d(o.replace_on)),
        ),
        search=("name",),
    ),
    Kind(
        "services",
        Service,
        f.ServiceForm,
        _("Services"),
        _("Add a service"),
        _("No services yet."),
        _("Therapies, home care, transport and community programs."),
        (
            Column(_("Service"), lambda o: o.name),
            Column(_("Kind"), lambda o: o.get_kind_display()),
            Column(_("Who"), lambda o: o.provider),
            Column(_("How often"), lambda o: o.frequency),
        ),
        search=("name", "provider"),
    ),
    Kind(
        "measurements",
        Measurement,
        f.MeasurementForm,
        _("Measurements"),
        _("Add a measurement"),
        _("No measurements yet."),
        _("Weight, height and other numbers over time."),
        (
            Column(_("Date"), lambda o: _d(o.measured_on)),
            Column(_("What"), lambda o: o.get_kind_display()),
            Column(_("Value"), lambda o: f"{o.value.normalize():f} {o.unit}".strip()),
            Column(_("Notes"), lambda o: o.notes),
        ),
    ),
    Kind(
        "journal",
        JournalEntry,
        f.JournalEntryForm,
        _("Journal"),
        _("Write in the journal"),
        _(
            "Nothing in the journal yet. Write down new skills, worries and changes as you notice them."
        ),
        _("New skills, concerns and how your child is changing."),
        (
            Column(_("Date"), lambda o: _d(o.written_on)),
            Column(_("Title"), lambda o: o.title),
            Column(_("Kind"), lambda o: o.get_kind_display()),
            Column(_("Bring up at the next visit?"), lambda o: _("Yes") if o.bring_up else ""),
        ),
        search=("title", "body"),
    ),
    Kind(
        "documents",
        Document,
        f.DocumentForm,
        _("Documents"),
        _("Add a document"),
        _("No documents yet. Add reports, letters and results as PDF files or photos."),
        _("Reports, letters and results, kept private to the people you share them with."),
        (
            Column(_("Title"), lambda o: o.title),
            Column(_("Kind"), lambda o: o.get_kind_display()),
            Column(_("Date"), lambda o: _d(o.dated)),
            Column(_("Size"), lambda o: f"{max(1, o.size // 1024)} KB"),
        ),
        search=("title",),
        saver=lambda *, actor, child, item, version, form: document_save(
            actor=actor, child=child, document=item, version=version, form=form
        ),
        deleter=lambda *, actor, item: document_delete(actor=actor, document=item),
        download="records:document-download",
    ),
)

TEAM = Kind(
    "team",
    CareTeamMember,
    TeamMemberForm,
    _("Care team"),
    _("Add a team member"),
    _("No one on the team yet. Start with your child's main doctor."),
    _("Everyone who helps care for your child, with numbers to call. Sharing is set separately."),
    (
        Column(_("Name"), lambda o: o.name),
        Column(_("Role"), lambda o: ", ".join(x for x in (o.get_role_display(), o.specialty) if x)),
        Column(_("Phone"), lambda o: o.phone),
        Column(_("After hours"), lambda o: o.after_hours_phone),
    ),
    search=("name", "specialty", "organization"),
    select_related=("practice",),
    saver=lambda *, actor, child, item, version, form: team_member_save(
        actor=actor, member=item, version=version
    ),
)

KINDS = (*KINDS, TEAM)
BY_SLUG = {k.slug: k for k in KINDS}
BY_MODEL: dict[type[models.Model], Kind] = {k.model: k for k in KINDS}
