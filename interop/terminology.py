"""Every code system and code set the interop app uses, each defined once.

The mapping (Homebase <-> FHIR), the C-CDA converter, the export and the API
all read these tables, so the code a resource is written with is the code it
is read back, searched and converted with. Tables are named after what they
translate: ``MEDICATION_STATUS`` is Homebase's status -> FHIR's,
``MEDICATION_STATUS_BACK`` the other way, ``CCDA_...`` what a C-CDA document
says -> FHIR.
"""

from __future__ import annotations

import re

# Homebase's own ---------------------------------------------------------------

CANONICAL = "https://homebase.test/fhir"
EXT = f"{CANONICAL}/StructureDefinition/"  # + name: a Homebase extension
CS = f"{CANONICAL}/CodeSystem/"  # + name: a Homebase code system (a choice list)
GUARDIAN_SYSTEM = f"{CANONICAL}/guardianship"  # identifies a guardian (a task's owner)
DIGEST_SYSTEM = f"{CS}sha256"  # an export's digest, in Bundle.meta.tag
PLAN_KIND = "shared-plan"  # CS + "plan-kind": the care plan Homebase keeps

# Code and identifier systems ----------------------------------------------------

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC = "http://hl7.org/fhir/sid/ndc"
UCUM = "http://unitsofmeasure.org"
SOPT = "https://nahdo.org/sopt"  # source of payment typology (insurance types)
NPI = "http://hl7.org/fhir/sid/us-npi"
URI = "urn:ietf:rfc:3986"  # an identifier or tag that is itself a URI
BCP47 = "urn:ietf:bcp:47"  # language tags

_THO = "http://terminology.hl7.org/CodeSystem/"
CONDITION_CLINICAL = f"{_THO}condition-clinical"
CONDITION_VERIFICATION = f"{_THO}condition-ver-status"
CONDITION_CATEGORY = f"{_THO}condition-category"
ALLERGY_CLINICAL = f"{_THO}allergyintolerance-clinical"
ALLERGY_VERIFICATION = f"{_THO}allergyintolerance-verification"
OBSERVATION_CATEGORY = f"{_THO}observation-category"
DATA_ABSENT_REASON = f"{_THO}data-absent-reason"
COVERAGE_CLASS = f"{_THO}coverage-class"
GOAL_ACHIEVEMENT = f"{_THO}goal-achievement"
LIST_EMPTY_REASON = f"{_THO}list-empty-reason"
V3_ACT_CODE = f"{_THO}v3-ActCode"
V3_NULL_FLAVOR = f"{_THO}v3-NullFlavor"
V3_PARTICIPATION_TYPE = f"{_THO}v3-ParticipationType"

# A C-CDA code system (an OID) -> its FHIR system URI.
OID_SYSTEMS = {
    "2.16.840.1.113883.6.1": LOINC,
    "2.16.840.1.113883.6.96": SNOMED,
    "2.16.840.1.113883.6.88": RXNORM,
    "2.16.840.1.113883.12.292": CVX,
    "2.16.840.1.113883.6.90": ICD10,
    "2.16.840.1.113883.6.3": "http://hl7.org/fhir/sid/icd-10",
    "2.16.840.1.113883.6.103": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.6.104": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.6.12": "http://www.ama-assn.org/go/cpt",
    "2.16.840.1.113883.6.69": NDC,
    "2.16.840.1.113883.4.9": "http://fdasis.nlm.nih.gov",
    "2.16.840.1.113883.6.8": UCUM,
    "2.16.840.1.113883.6.101": "http://nucc.org/provider-taxonomy",
    "2.16.840.1.113883.5.4": V3_ACT_CODE,
    "2.16.840.1.113883.5.1": f"{_THO}v3-AdministrativeGender",
    "2.16.840.1.113883.5.111": f"{_THO}v3-RoleCode",
    "2.16.840.1.113883.5.88": f"{_THO}v3-ParticipationFunction",
    "2.16.840.1.113883.5.110": f"{_THO}v3-RoleClass",
    "2.16.840.1.113883.12.443": f"{_THO}v2-0443",
    "2.16.840.1.113883.3.26.1.1": "http://ncithesaurus-stage.nci.nih.gov",
}
ACT_CODE_OID = "2.16.840.1.113883.5.4"
NPI_OID = "2.16.840.1.113883.4.6"
SSN_OID = "2.16.840.1.113883.4.1"  # US Social Security numbers: never copied

# Codes a code system leaves implied ----------------------------------------------

_ICD10_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def implied_condition_system(code: str) -> str | None:
    """The system a bare condition or allergy code implies: ICD-10-CM, SNOMED or none."""
    if _ICD10_CODE.match(code):
        return ICD10
    return SNOMED if code.isdigit() else None


# Documents --------------------------------------------------------------------------

# The International Patient Summary (LOINC): the document, and its sections by key.
PATIENT_SUMMARY = ("60591-5", "Patient summary Document")
IPS_SECTIONS = {
    "medications": ("10160-0", "History of Medication use Narrative"),
    "allergies": ("48765-2", "Allergies and adverse reactions Document"),
    "problems": ("11450-4", "Problem list - Reported"),
    "past": ("11348-0", "History of Past illness Narrative"),
    "immunizations": ("11369-6", "History of Immunization Narrative"),
    "devices": ("46264-8", "History of medical device use"),
    "plan": ("18776-5", "Plan of care note"),
    "vitals": ("8716-3", "Vital signs"),
}

# C-CDA document types: templateId -> (English name, LOINC document code(s)).
CCDA_DOCUMENT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "2.16.840.1.113883.10.20.22.1.2": ("Continuity of Care Document (CCD)", ("34133-9",)),
    "2.16.840.1.113883.10.20.22.1.3": ("History and Physical", ("34117-2",)),
    "2.16.840.1.113883.10.20.22.1.4": ("Consultation Note", ("11488-4",)),
    "2.16.840.1.113883.10.20.22.1.5": ("Diagnostic Imaging Report", ("18748-4",)),
    "2.16.840.1.113883.10.20.22.1.6": ("Procedure Note", ("28570-0",)),
    "2.16.840.1.113883.10.20.22.1.7": ("Operative Note", ("11504-8",)),
    "2.16.840.1.113883.10.20.22.1.8": ("Discharge Summary", ("18842-5",)),
    "2.16.840.1.113883.10.20.22.1.9": ("Progress Note", ("11506-3",)),
    "2.16.840.1.113883.10.20.22.1.10": ("Unstructured Document", ()),
    "2.16.840.1.113883.10.20.22.1.13": ("Transfer Summary", ("18761-7",)),
    "2.16.840.1.113883.10.20.22.1.14": ("Referral Note", ("57133-1",)),
    "2.16.840.1.113883.10.20.22.1.15": ("Care Plan", ("52521-2",)),
}


# Conditions and allergies ----------------------------------------------------------

# "No known (drug, food, environmental) allergy": a statement, not an allergy.
NO_KNOWN_ALLERGY = frozenset({"716186003", "409137002", "429625007", "428607008", "428197003"})

# Homebase allergy severity -> FHIR reaction severity, and -> FHIR criticality.
REACTION_SEVERITY = {"1severe": "severe", "2moderate": "moderate", "3mild": "mild"}
CRITICALITY = {
    "1severe": "high",
    "2moderate": "low",
    "3mild": "low",
    "4unknown": "unable-to-assess",
}

# C-CDA Problem Status value (SNOMED) -> FHIR clinical status.
CCDA_PROBLEM_STATUS = {
    "55561003": "active",
    "73425007": "inactive",
    "413322009": "resolved",
    "277022003": "remission",
    "7087005": "recurrence",
    "255227004": "recurrence",
}
# C-CDA Allergy Observation value (SNOMED) -> (FHIR type, FHIR category).
CCDA_ALLERGY_TYPES: dict[str, tuple[str | None, str | None]] = {
    "419199007": ("allergy", None),
    "416098002": ("allergy", "medication"),
    "414285001": ("allergy", "food"),
    "426232007": ("allergy", "environment"),
    "232347008": ("allergy", "environment"),
    "300916003": ("allergy", "environment"),
    "59037007": ("intolerance", "medication"),
    "235719002": ("intolerance", "food"),
    "420134006": (None, None),
    "418038007": (None, None),
    "419511003": (None, "medication"),
    "418471000": (None, "food"),
    "418634005": ("allergy", None),
}
# C-CDA Severity Observation value (SNOMED, or the word) -> FHIR reaction severity.
CCDA_SEVERITY = {
    "255604002": "mild",
    "6736007": "moderate",
    "24484000": "severe",
    "371923003": "moderate",
    "371924009": "severe",
    "399166001": "severe",
    "mild": "mild",
    "moderate": "moderate",
    "severe": "severe",
}
# C-CDA Criticality Observation value -> FHIR criticality.
CCDA_CRITICALITY = {"CRITL": "low", "CRITH": "high", "CRITU": "unable-to-assess"}

# Medicines --------------------------------------------------------------------------

MEDICATION_STATUS = {"current": "active", "as_needed": "active", "stopped": "completed"}
# C-CDA substanceAdministration statusCode -> FHIR MedicationStatement status.
CCDA_MEDICATION_STATUS = {
    "active": "active",
    "completed": "completed",
    "aborted": "stopped",
    "cancelled": "stopped",
    "suspended": "on-hold",
    "held": "on-hold",
    "nullified": "entered-in-error",
    "new": "intended",
    "ordered": "active",
}

# Measurements -----------------------------------------------------------------------

# The vital signs Homebase keeps: Measurement.kind -> (LOINC code, LOINC display,
# Homebase unit, UCUM code).
VITALS = {
    "weight": ("29463-7", "Body weight", "kg", "kg"),
    "height": ("8302-2", "Body height", "cm", "cm"),
    "head": ("9843-4", "Head Occipital-frontal circumference", "cm", "cm"),
    "temperature": ("8310-5", "Body temperature", "°C", "Cel"),
    "heart_rate": ("8867-4", "Heart rate", "/min", "/min"),
    "oxygen": ("2708-6", "Oxygen saturation in Arterial blood", "%", "%"),
}
_VITAL_NAMES = {code: display for code, display, _unit, _ucum in VITALS.values()}
PULSE_OXIMETRY = ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")
BMI = ("39156-5", "Body mass index (BMI) [Ratio]")
# LOINC codes exporters use for a vital sign -> the FHIR vital-signs base code.
VITAL_VARIANTS = {
    "3141-9": "29463-7",  # body weight measured
    "8335-2": "29463-7",  # body weight estimated
    "8341-0": "29463-7",  # dry weight
    "8306-3": "8302-2",  # body height lying
    "8308-9": "8302-2",  # body height standing
    "3137-7": "8302-2",  # body height measured
    "8287-5": "9843-4",  # head circumference by tape measure
    "8331-1": "8310-5",  # oral temperature
    "8332-9": "8310-5",  # rectal temperature
    "8328-7": "8310-5",  # axillary temperature
    "8333-7": "8310-5",  # tympanic temperature
    "8889-8": "8867-4",  # heart rate by pulse oximetry
    PULSE_OXIMETRY[0]: "2708-6",
    "59574-4": BMI[0],  # BMI percentile
}
# A variant LOINC code -> (base code, base display), for the C-CDA converter.
VITAL_BASE_CODES = {
    variant: (base, _VITAL_NAMES.get(base) or BMI[1]) for variant, base in VITAL_VARIANTS.items()
}
# The LOINC codes the FHIR importer reads as a Homebase measurement kind: the base
# codes and four variants (the C-CDA converter adds the base code beside any variant).
MEASUREMENT_KIND_OF_LOINC = {code: kind for kind, (code, *_rest) in VITALS.items()} | {
    "59408-5": "oxygen",
    "3141-9": "weight",
    "8306-3": "height",
    "8287-5": "head",
}
# The units C-CDA documents give that are UCUM codes as they stand.
UCUM_UNITS = frozenset(
    [
        "kg",
        "g",
        "[lb_av]",
        "[oz_av]",
        "cm",
        "m",
        "mm",
        "[in_i]",
        "[ft_i]",
        "Cel",
        "[degF]",
        "[in_us]",
        "[ft_us]",
        "[lb_us]",
        "/min",
        "{beats}/min",
        "{breaths}/min",
        "%",
        "mm[Hg]",
        "kg/m2",
        "1",
        "mg",
        "mL",
        "L",
        "h",
        "d",
        "wk",
        "mo",
        "a",
        "[iU]",
        "mg/dL",
        "g/dL",
    ]
)

# Coverage ---------------------------------------------------------------------------

# SOPT codes that mean Medicaid or CHIP.
MEDICAID_CODES = frozenset(
    {"2", "21", "211", "212", "213", "219", "22", "23", "25", "29", "SUBSIDIZ"}
)

# Visits -----------------------------------------------------------------------------

# FHIR Encounter status -> Homebase visit status (None: not imported; else "done").
ENCOUNTER_STATUS_BACK = {"planned": "planned", "cancelled": "cancelled", "entered-in-error": None}
APPOINTMENT_STATUS_BACK = {"fulfilled": "done", "cancelled": "cancelled", "noshow": "cancelled"}
# HL7 v3 ActEncounterCode -> display, for Encounter.class.
ACT_ENCOUNTER_CODES = {
    "AMB": "ambulatory",
    "EMER": "emergency",
    "FLD": "field",
    "HH": "home health",
    "IMP": "inpatient encounter",
    "ACUTE": "inpatient acute",
    "NONAC": "inpatient non-acute",
    "OBSENC": "observation encounter",
    "PRENC": "pre-admission",
    "SS": "short stay",
    "VR": "virtual",
}

# Referrals --------------------------------------------------------------------------

REFERRAL = ("3457005", "Patient referral")  # SNOMED: the ServiceRequest category
REFERRAL_STATUS = {"closed": "completed", "declined": "revoked", "cancelled": "revoked"}
REFERRAL_STATUS_BACK = {
    "draft": "requested",
    "active": "sent",
    "on-hold": "sent",
    "completed": "closed",
    "revoked": "cancelled",
}
PRIORITY = {"routine": "routine", "soon": "urgent", "urgent": "asap"}
PRIORITY_BACK = {"routine": "routine", "urgent": "soon", "asap": "urgent", "stat": "urgent"}

# Tasks, goals and care plans ------------------------------------------------------------

TASK_STATUS = {"open": "requested", "done": "completed", "cancelled": "cancelled"}
TASK_STATUS_BACK = {
    "completed": "done",
    "cancelled": "cancelled",
    "rejected": "cancelled",
    "failed": "cancelled",
}
GOAL_STATUS = {"active": "active", "met": "completed", "stopped": "cancelled"}
GOAL_STATUS_BACK = {"completed": "met", "cancelled": "stopped", "rejected": "stopped"}
CARE_PLAN_STATUS_BACK = {"completed": "met", "revoked": "stopped"}  # -> the proposed goal's

# People and places (HL7 v3 use codes -> FHIR) ------------------------------------------

TELECOM_USE = {
    "HP": "home",
    "H": "home",
    "HV": "home",
    "WP": "work",
    "DIR": "work",
    "PUB": "work",
    "MC": "mobile",
    "MP": "mobile",
    "TMP": "temp",
}
ADDRESS_USE = {
    "HP": "home",
    "H": "home",
    "HV": "home",
    "WP": "work",
    "DIR": "work",
    "PUB": "work",
    "TMP": "temp",
    "OLD": "old",
    "BAD": "old",
    "PHYS": "home",
}
