"""C-CDA -> FHIR R4: leniency in the sections, on small synthetic documents."""

from __future__ import annotations

import json

from .ccda_support import convert_and_validate, document, resources, section


def test_missing_codes_fall_back_to_original_text_display_name_and_narrative() -> None:
    problems = section(
        "2.16.840.1.113883.10.20.22.2.5.1",
        """
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <id root="1.2.3.4.5.6" extension="act-1"/><statusCode code="active"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/><id root="1.2.3.4.5.7" extension="p1"/>
            <code nullFlavor="UNK"/>
            <effectiveTime><low value="2011"/><high value="201203"/></effectiveTime>
            <value xsi:type="CD" nullFlavor="OTH"><originalText><reference value="#p1"/></originalText></value>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/>
            <text><reference value="#p2"/></text><effectiveTime><low nullFlavor="UNK"/></effectiveTime>
            <value xsi:type="CD" nullFlavor="UNK"/>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/><effectiveTime value="20200101"/>
            <value xsi:type="CD" code="J45.909" codeSystem="2.16.840.1.113883.6.90" displayName="Asthma"/>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN" negationInd="true">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/>
            <value xsi:type="CD" code="55607006" codeSystem="2.16.840.1.113883.6.96"/>
          </observation></entryRelationship></act></entry>""",
        text='<list><item ID="p1">Peanut  allergy\n rash</item><item ID="p2">Eczema</item></list>',
    )
    conditions = resources(convert_and_validate(document(problems)), "Condition")
    assert [c["code"] for c in conditions] == [
        {"text": "Peanut allergy rash"},
        {"text": "Eczema"},
        {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10-cm",
                    "code": "J45.909",
                    "display": "Asthma",
                }
            ],
            "text": "Asthma",
        },
    ]
    first = conditions[0]
    assert (first["onsetDateTime"], first["abatementDateTime"]) == ("2011", "2012-03")
    assert first["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert conditions[2]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert {"system": "urn:oid:1.2.3.4.5.7", "value": "p1"} in first["identifier"]


def test_sections_without_the_entries_required_suffix_and_immunization_variants() -> None:
    immunizations = section(
        "2.16.840.1.113883.10.20.22.2.2",  # the "entries optional" template, without .1
        """
        <entry><substanceAdministration classCode="SBADM" moodCode="EVN">
          <id root="5f0b0d9a-0000-4000-8000-000000000001"/><statusCode code="completed"/>
          <effectiveTime value="20160101"/><repeatNumber value="2"/>
          <consumable><manufacturedProduct><manufacturedMaterial><code nullFlavor="UNK"/>
            <name>MMR</name><lotNumberText>LOT9</lotNumberText></manufacturedMaterial></manufacturedProduct></consumable>
        </substanceAdministration></entry>
        <entry><substanceAdministration classCode="SBADM" moodCode="INT">
          <consumable><manufacturedProduct><manufacturedMaterial>
            <code code="03" codeSystem="2.16.840.1.113883.12.292"/></manufacturedMaterial></manufacturedProduct></consumable>
        </substanceAdministration></entry>
        <entry><substanceAdministration classCode="SBADM" moodCode="EVN" negationInd="true">
          <effectiveTime><low value="2017"/></effectiveTime>
          <consumable><manufacturedProduct><manufacturedMaterial>
            <code code="88" codeSystem="2.16.840.1.113883.12.292" displayName="influenza"/></manufacturedMaterial></manufacturedProduct></consumable>
        </substanceAdministration></entry>
        <entry><substanceAdministration classCode="SBADM" moodCode="EVN" negationInd="true">
          <consumable><manufacturedProduct><manufacturedMaterial><code nullFlavor="NA"/>
          </manufacturedMaterial></manufacturedProduct></consumable>
          <text>No immunizations given</text>
        </substanceAdministration></entry>""",
    )
    given, refused = resources(convert_and_validate(document(immunizations)), "Immunization")
    assert given["vaccineCode"] == {"text": "MMR"}
    assert given["occurrenceDateTime"] == "2016-01-01"
    assert given["lotNumber"] == "LOT9"
    assert given["protocolApplied"] == [{"doseNumberPositiveInt": 2}]
    assert given["status"] == "completed"
    assert refused["status"] == "not-done"
    assert refused["occurrenceDateTime"] == "2017"


def test_medication_allergy_and_care_team() -> None:
    author = """<author><time value="20200101"/><assignedAuthor>
        <id root="2.16.840.1.113883.4.6" extension="1234567893"/>
        <assignedPerson><name><given>Ana</given><family>Ruiz</family></name></assignedPerson>
        <representedOrganization><name>Kids Clinic</name></representedOrganization>
      </assignedAuthor></author>"""
    meds = section(
        "2.16.840.1.113883.10.20.22.2.1",
        f"""<entry><substanceAdministration classCode="SBADM" moodCode="EVN">
          <id root="1.2.3.9" extension="m1"/><text>2 puffs every 4 hours as needed</text>
          <statusCode code="completed"/>
          <effectiveTime xsi:type="IVL_TS"><low value="20200101"/><high value="20200301"/></effectiveTime>
          <effectiveTime xsi:type="PIVL_TS" operator="A"><period value="4" unit="h"/></effectiveTime>
          <consumable><manufacturedProduct><manufacturedMaterial>
            <code code="745679" codeSystem="2.16.840.1.113883.6.88" displayName="albuterol inhaler"/>
          </manufacturedMaterial></manufacturedProduct></consumable>{author}
        </substanceAdministration></entry>""",
    )
    allergies = section(
        "2.16.840.1.113883.10.20.22.2.6.1",
        """<entry><act classCode="ACT" moodCode="EVN"><statusCode code="active"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.7"/><id root="1.2.3.10" extension="a1"/>
            <value xsi:type="CD" code="414285001" codeSystem="2.16.840.1.113883.6.96"/>
            <participant typeCode="CSM"><participantRole><playingEntity>
              <code nullFlavor="OTH"><originalText>Peanuts</originalText></code></playingEntity></participantRole></participant>
            <entryRelationship typeCode="MFST"><observation classCode="OBS" moodCode="EVN">
              <templateId root="2.16.840.1.113883.10.20.22.4.9"/>
              <value xsi:type="CD" code="39579001" codeSystem="2.16.840.1.113883.6.96" displayName="Anaphylaxis"/>
              <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
                <templateId root="2.16.840.1.113883.10.20.22.4.8"/>
                <value xsi:type="CD" code="24484000" codeSystem="2.16.840.1.113883.6.96"/></observation></entryRelationship>
            </observation></entryRelationship>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN">
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN" negationInd="true">
            <value xsi:type="CD" code="419199007" codeSystem="2.16.840.1.113883.6.96"/>
          </observation></entryRelationship></act></entry>""",
    )
    bundle = convert_and_validate(document(meds + allergies))
    (statement,) = resources(bundle, "MedicationStatement")
    (practitioner,) = resources(bundle, "Practitioner")
    assert statement["status"] == "completed"
    assert statement["effectivePeriod"] == {"start": "2020-01-01", "end": "2020-03-01"}
    assert statement["dosage"][0]["text"] == "2 puffs every 4 hours as needed"
    assert statement["dosage"][0]["timing"]["repeat"] == {
        "frequency": 1,
        "period": 4,
        "periodUnit": "h",
    }
    assert statement["informationSource"] == {"reference": f"urn:uuid:{practitioner['id']}"}
    assert practitioner["identifier"] == [
        {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}
    ]
    assert [o["name"] for o in resources(bundle, "Organization")] == ["Clinic", "Kids Clinic"]
    (allergy,) = resources(bundle, "AllergyIntolerance")
    assert allergy["code"] == {"text": "Peanuts"}
    assert (allergy["type"], allergy["category"], allergy["criticality"]) == (
        "allergy",
        ["food"],
        "high",
    )
    assert allergy["reaction"][0]["severity"] == "severe"


def test_patient_never_carries_a_social_security_number() -> None:
    bundle = convert_and_validate(document())
    (patient,) = resources(bundle, "Patient")
    assert "999-12-3456" not in json.dumps(bundle)
    assert patient["identifier"] == [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "P-1"}]
    assert patient["name"] == [{"family": "Test", "given": ["Maya"], "use": "official"}]
    assert (patient["gender"], patient["birthDate"]) == ("female", "2015-03-04")
