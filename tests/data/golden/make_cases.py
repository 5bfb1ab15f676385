#!/usr/bin/env python3
"""Writes the request side of the golden end-to-end cases (tests/data/golden/<case>/).

The expected responses are not generated here: run the integration tests with
CDS_GOLDEN_UPDATE=1, then review every *.response.json diff by hand before committing.
Each case is built from bench/data/order-select-10k.json (a KPC K. pneumoniae blood isolate,
a meropenem draft, an active Depakote order, labs) or from the captured Sandbox request, with
one deliberate change, so that the fire and no-fire pairs differ in exactly what matters.
"""
import copy
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BASE = json.load(open(os.path.join(ROOT, "bench", "data", "order-select-10k.json")))
SANDBOX = json.load(open(os.path.join(ROOT, "tests", "data", "hooks", "requests",
                                      "sandbox-order-select.valid.json")))
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def draft(req):
    return req["context"]["draftOrders"]["entry"][0]["resource"]


def active_meds(req):
    return req["prefetch"]["medicationRequests"]["entry"]


def med(text, code=None, display=None):
    cc = {"text": text}
    if code:
        cc["coding"] = [{"system": RXNORM, "code": code, "display": display or text}]
    return cc


def as_sign(req):
    req = copy.deepcopy(req)
    req["hook"] = "order-sign"
    req["hookInstance"] = req["hookInstance"][:-4] + "5151"
    del req["context"]["selections"]
    return req


def without_micro(req):
    """No isolate at all: only the interaction rules have something to say."""
    req = copy.deepcopy(req)
    req["prefetch"]["labObservations"]["entry"] = [
        e for e in req["prefetch"]["labObservations"]["entry"]
        if e["resource"]["code"]["coding"][0]["code"] in ("2160-0", "29463-7", "4086-5")]
    req["prefetch"]["microbiologyReports"] = None
    req["prefetch"]["conditions"]["entry"] = req["prefetch"]["conditions"]["entry"][:1]
    return req


CASES = {}

# --- R05 carbapenem + valproate ----------------------------------------------------------
r05 = without_micro(BASE)
CASES["r05-draft-meropenem-active-divalproex"] = [r05]

c = copy.deepcopy(r05)
active_meds(c)[0]["resource"]["medicationCodeableConcept"] = med(
    "levetiracetam 500 mg PO BID", "311289", "levetiracetam 500 MG Oral Tablet")
CASES["r05-no-fire-levetiracetam-not-valproate"] = [c]

c = copy.deepcopy(r05)
active_meds(c)[0]["resource"]["status"] = "stopped"
CASES["r05-no-fire-valproate-stopped"] = [c]

c = copy.deepcopy(r05)
active_meds(c)[0]["resource"]["status"] = "entered-in-error"
CASES["r05-no-fire-valproate-entered-in-error"] = [c]

c = copy.deepcopy(r05)
draft(c)["medicationCodeableConcept"] = {"text": "Merrem 1 g IV q8h"}
CASES["r05-text-only-brand-merrem"] = [c]

c = copy.deepcopy(r05)
draft(c)["medicationCodeableConcept"] = med("Vabomere 4 g IV q8h")
CASES["r05-meropenem-vaborbactam-is-a-carbapenem"] = [c]

c = copy.deepcopy(r05)
draft(c)["medicationCodeableConcept"] = med("ceftriaxone 2 g IV q24h")
CASES["r05-no-fire-non-carbapenem"] = [c]

c = copy.deepcopy(r05)
draft(c)["id"] = "draft-vpa"
draft(c)["medicationCodeableConcept"] = med(
    "Depakote 500 mg PO BID", "1099570",
    "Divalproex Sodium 500 MG Delayed Release Oral Tablet [Depakote]")
draft(c)["dosageInstruction"][0]["route"]["coding"][0] = {
    "system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route"}
c["context"]["selections"] = ["MedicationRequest/draft-vpa"]
active_meds(c)[0]["resource"]["medicationCodeableConcept"] = med(
    "meropenem 1 g IV q8h", "1722939", "meropenem 1000 MG Injection")
CASES["r05-draft-valproate-active-meropenem"] = [c]

# order-sign: both drafts together (draft + draft), nothing active.
c = as_sign(r05)
vpa = copy.deepcopy(draft(c))
vpa["id"] = "draft-vpa"
vpa["medicationCodeableConcept"] = med("Depakote ER 500 mg PO daily")
c["context"]["draftOrders"]["entry"].append({"resource": vpa})
c["prefetch"]["medicationRequests"] = {"resourceType": "Bundle", "type": "searchset", "total": 0}
CASES["r05-order-sign-draft-plus-draft"] = [c]

# order-sign after order-select: not told twice; told again once the order changes.
sign = as_sign(r05)
changed = copy.deepcopy(sign)
draft(changed)["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 2
CASES["order-sign-does-not-repeat-order-select"] = [r05, sign, changed]

# --- the whole realistic request (micro + interaction) -----------------------------------
CASES["realistic-kpc-bacteremia-meropenem-on-divalproex"] = [BASE]

# --- protocol behaviour through the pipeline ----------------------------------------------
CASES["sandbox-capture-atorvastatin"] = [SANDBOX]

c = copy.deepcopy(SANDBOX)
d = draft(c)
del d["medicationCodeableConcept"]
del d["dosageInstruction"]
CASES["sandbox-first-call-no-medication-yet"] = [c]

c = copy.deepcopy(r05)
del draft(c)["status"]
CASES["selected-draft-without-status-is-400"] = [c]

c = copy.deepcopy(r05)
other = copy.deepcopy(draft(c))
other["id"] = "draft-broken"
del other["status"]
c["context"]["draftOrders"]["entry"].append({"resource": other})
CASES["unselected-broken-draft-is-skipped"] = [c]


# --- the stewardship rules (R01-R19) --------------------------------------------------------
# Built from the realistic request without the valproate story (no Depakote order, no valproate
# level, no epilepsy): a KPC K. pneumoniae blood isolate (org-1, linked by hasMember; sus-0
# meropenem >=16 R, sus-1 ertapenem >=8 R, sus-2 imipenem 8 R, sus-3 CZA <=2 S, sus-4 gentamicin
# <=1 S, sus-5 colistin <=0.5 S, sus-6 tigecycline 1 S; kpc-1 by derivedFrom), a bacteremia
# Condition (R78.81), creatinine 1.1 mg/dL, 72 kg, female born 1961 (CrCl about 58 mL/min), and
# a meropenem 1 g q8h draft. Each case changes what its rule reads.
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
UCUM = "http://unitsofmeasure.org"


def labs(req):
    return req["prefetch"]["labObservations"]["entry"]


def obs(req, oid):
    return next(e["resource"] for e in labs(req) if e["resource"]["id"] == oid)


def organism_obs(req):
    return obs(req, "org-1")


def report(req):
    return req["prefetch"]["microbiologyReports"]["entry"][0]["resource"]


def without_vpa(req):
    req = copy.deepcopy(req)
    req["prefetch"]["medicationRequests"] = {"resourceType": "Bundle", "type": "searchset",
                                             "total": 0}
    req["prefetch"]["labObservations"]["entry"] = [
        e for e in labs(req) if e["resource"]["id"] != "vpa-1"]
    req["prefetch"]["conditions"]["entry"] = [
        e for e in req["prefetch"]["conditions"]["entry"] if e["resource"]["id"] != "cond-1"]
    return req


def no_micro(req):
    req = copy.deepcopy(req)
    req["prefetch"]["labObservations"]["entry"] = [
        e for e in labs(req)
        if e["resource"]["code"]["coding"][0]["code"] in ("2160-0", "29463-7", "4086-5")]
    req["prefetch"]["microbiologyReports"] = None
    return req


def condition(cid, system, code, display, text=None):
    res = {"resourceType": "Condition", "id": cid,
           "clinicalStatus": {"coding": [{
               "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
               "code": "active"}]},
           "verificationStatus": {"coding": [{
               "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
               "code": "confirmed"}]},
           "code": {"coding": [{"system": system, "code": code, "display": display}]},
           "subject": {"reference": "Patient/pat-1001"},
           "onsetDateTime": "2026-11-19"}
    if text:
        res["code"]["text"] = text
    return res


def set_conditions(req, *conditions):
    req["prefetch"]["conditions"] = {"resourceType": "Bundle", "type": "searchset",
                                     "total": len(conditions),
                                     "entry": [{"resource": c} for c in conditions]}


BACTEREMIA = condition("cond-2", ICD10, "R78.81", "Bacteremia")
EPILEPSY = condition("cond-1", SNOMED, "84757009", "Epilepsy")


def interpretation(code):
    return [{"coding": [{"system": V3, "code": code}]}]


def quantity(value, comparator=None):
    q = {"value": value, "unit": "ug/mL", "system": UCUM, "code": "ug/mL"}
    if comparator:
        q["comparator"] = comparator
    return q


def set_mic(req, oid, value, code, comparator=None):
    o = obs(req, oid)
    o["valueQuantity"] = quantity(value, comparator)
    o["interpretation"] = interpretation(code)


def add_sus(req, oid, loinc, display, value, code, comparator=None):
    o = copy.deepcopy(obs(req, "sus-0"))
    o["id"] = oid
    o["code"] = {"coding": [{"system": LOINC, "code": loinc, "display": display}],
                 "text": display}
    o["valueQuantity"] = quantity(value, comparator)
    o["interpretation"] = interpretation(code)
    labs(req).append({"resource": o})
    organism_obs(req)["hasMember"].append({"reference": "Observation/" + oid})


def remove_obs(req, *ids):
    req["prefetch"]["labObservations"]["entry"] = [
        e for e in labs(req) if e["resource"]["id"] not in ids]
    org = organism_obs(req)
    org["hasMember"] = [m for m in org["hasMember"]
                        if m["reference"].split("/")[1] not in ids]


def set_organism(req, code, display):
    organism_obs(req)["valueCodeableConcept"] = {
        "coding": [{"system": SNOMED, "code": code, "display": display}], "text": display}


def set_mechanism(req, loinc, display, detected=True):
    o = obs(req, "kpc-1")
    o["code"] = {"coding": [{"system": LOINC, "code": loinc, "display": display}],
                 "text": display}
    o["valueCodeableConcept"] = {"coding": [
        {"system": SNOMED, "code": "260373001", "display": "Detected"} if detected else
        {"system": SNOMED, "code": "260415000", "display": "Not detected"}]}


def to_urine(req):
    urine = {"coding": [{"system": LOINC, "code": "630-4",
                         "display": "Bacteria identified in Urine by Culture"}],
             "text": "Bacteria identified in Urine by Culture"}
    organism_obs(req)["code"] = copy.deepcopy(urine)
    report(req)["code"] = {"coding": copy.deepcopy(urine["coding"])}
    report(req)["specimen"] = [{"reference": "Specimen/spec-urine-1"}]
    for e in labs(req):
        if e["resource"].get("specimen", {}).get("reference") == "Specimen/spec-blood-1":
            e["resource"]["specimen"] = {"reference": "Specimen/spec-urine-1"}


def move_micro(req, when):
    for e in labs(req):
        r = e["resource"]
        if r["id"] not in ("creat-1", "wt-1", "vpa-1"):
            r["effectiveDateTime"] = when
    report(req)["effectiveDateTime"] = when
    report(req)["issued"] = when


def dosage(text, value, unit, period_h, minutes=None, days=None, route="47625008",
           route_display="Intravenous route"):
    repeat = {"frequency": 1, "period": period_h, "periodUnit": "h"}
    if minutes:
        repeat["duration"] = minutes
        repeat["durationUnit"] = "min"
    if days:
        repeat["boundsDuration"] = {"value": days, "unit": "days", "system": UCUM, "code": "d"}
    return [{"text": text, "timing": {"repeat": repeat},
             "route": {"coding": [{"system": SNOMED, "code": route, "display": route_display}]},
             "doseAndRate": [{"doseQuantity": {"value": value, "unit": unit, "system": UCUM,
                                               "code": unit}}]}]


def order(req, oid, concept, dose, status="draft"):
    o = copy.deepcopy(draft(BASE))
    o["id"] = oid
    o["status"] = status
    o["medicationCodeableConcept"] = concept
    o["dosageInstruction"] = dose
    return o


def set_draft(req, concept, dose, oid="draft-mero"):
    req["context"]["draftOrders"]["entry"] = [{"resource": order(req, oid, concept, dose)}]
    if "selections" in req["context"]:
        req["context"]["selections"] = ["MedicationRequest/" + oid]


def add_draft(req, concept, dose, oid):
    req["context"]["draftOrders"]["entry"].append({"resource": order(req, oid, concept, dose)})


def set_active(req, *orders):
    req["prefetch"]["medicationRequests"] = {
        "resourceType": "Bundle", "type": "searchset", "total": len(orders),
        "entry": [{"resource": o, "search": {"mode": "match"}} for o in orders]}


def in_icu(req):
    req["prefetch"]["encounter"]["location"] = [{
        "location": {"reference": "Location/micu-1", "display": "Medical Intensive Care Unit"},
        "status": "active"}]


def set_creatinine(req, mg_dl):
    obs(req, "creat-1")["valueQuantity"]["value"] = mg_dl


MERO_1G = med("meropenem 1 g IV q8h", "1722939", "meropenem 1000 MG Injection")
MERO_DOSE = dosage("1 g IV every 8 hours over 30 minutes", 1, "g", 8)
IMI = med("imipenem-cilastatin 500 mg IV q6h", "1726204", "imipenem 500 MG / cilastatin 500 MG "
          "Injection")
IMI_DOSE = dosage("500 mg IV every 6 hours over 30 minutes", 500, "mg", 6, minutes=30)
ERTA = med("ertapenem 1 g IV q24h", "1734683", "ertapenem 1000 MG Injection")
ERTA_DOSE = dosage("1 g IV every 24 hours", 1, "g", 24)
TIGE = med("tigecycline 50 mg IV q12h (after 100 mg load)", "384455", "tigecycline")
TIGE_DOSE = dosage("50 mg IV every 12 hours", 50, "mg", 12)
PMB = {"text": "polymyxin B 1.5 mg/kg IV q12h"}
PMB_DOSE = dosage("1.5 mg/kg (108 mg) IV every 12 hours", 108, "mg", 12)

KPC = without_vpa(BASE)


def ecoli_blood(req, ceftriaxone="S", esbl=False):
    """A carbapenem-susceptible E. coli from blood (no KPC)."""
    set_organism(req, "112283007", "Escherichia coli")
    set_mic(req, "sus-0", 0.25, "S", "<=")
    set_mic(req, "sus-1", 0.5, "S", "<=")
    set_mic(req, "sus-2", 0.25, "S", "<=")
    remove_obs(req, "sus-5", "sus-6")
    if ceftriaxone == "S":
        add_sus(req, "sus-7", "141-2", "Ceftriaxone [Susceptibility] by MIC", 1, "S", "<=")
    else:
        add_sus(req, "sus-7", "141-2", "Ceftriaxone [Susceptibility] by MIC", 64, "R", ">=")
    if esbl:
        set_mechanism(req, "99596-9", "Extended spectrum beta lactamase [Presence] in Isolate")
    else:
        remove_obs(req, "kpc-1")


# R01 CRE-CARB-MONO: fires in realistic-*; here without valproate, and through the other two
# isolate link styles and a valueString MIC.
c = copy.deepcopy(KPC)
CASES["r01-kpc-meropenem-monotherapy"] = [c]

c = copy.deepcopy(KPC)
for oid in ("sus-0", "sus-2"):
    o = obs(c, oid)
    q = o.pop("valueQuantity")
    o["valueString"] = "%s%s" % (q.get("comparator", ""), q["value"])
CASES["r01-mic-as-valuestring"] = [c]

c = copy.deepcopy(KPC)
members = organism_obs(c).pop("hasMember")
for m in members:
    obs(c, m["reference"].split("/")[1])["derivedFrom"] = [{"reference": "Observation/org-1"}]
CASES["r01-susceptibilities-linked-by-derivedfrom"] = [c]

c = copy.deepcopy(KPC)
members = organism_obs(c).pop("hasMember")
report(c)["result"] += members
CASES["r01-susceptibilities-linked-by-report-and-specimen"] = [c]

c = copy.deepcopy(KPC)
set_draft(c, med("meropenem-vaborbactam 4 g IV q8h over 3 h"),
          dosage("4 g IV every 8 hours over 3 hours", 4, "g", 8, minutes=180))
CASES["r01-no-fire-meropenem-vaborbactam-for-kpc"] = [c]

c = copy.deepcopy(KPC)
set_active(c, order(c, "mr-gent", {"text": "gentamicin 5 mg/kg IV q24h"},
                    dosage("360 mg IV every 24 hours", 360, "mg", 24), status="active"))
CASES["r01-no-fire-combination-with-active-gentamicin"] = [c]

c = copy.deepcopy(KPC)
move_micro(c, "2026-10-12T08:00:00Z")
CASES["r01-no-fire-isolate-older-than-30-days"] = [c]

# R01b: carbapenemase-negative, meropenem/imipenem MIC <= 1, ertapenem R; standard meropenem.
c = copy.deepcopy(KPC)
set_mic(c, "sus-0", 0.5, "S")
set_mic(c, "sus-2", 1, "S")
set_mic(c, "sus-1", 2, "R")
set_mechanism(c, "86930-5", "Carbapenemase [Presence] in Isolate", detected=False)
CASES["r01b-ertapenem-r-only-standard-meropenem"] = [c]

# R02: colistimethate alone in the ICU.
c = copy.deepcopy(KPC)
in_icu(c)
set_draft(c, {"text": "colistimethate 150 mg CBA IV q12h"},
          dosage("150 mg colistin base activity IV every 12 hours", 150, "mg", 12), "draft-cms")
CASES["r02-colistimethate-monotherapy-icu"] = [c]

# R03 / R04 tigecycline.
c = copy.deepcopy(KPC)
set_conditions(c)
set_draft(c, TIGE, TIGE_DOSE, "draft-tige")
CASES["r03-tigecycline-positive-blood-culture"] = [c]
CASES["r03-order-sign-tigecycline-positive-blood-culture"] = [as_sign(c)]

c = copy.deepcopy(KPC)
set_conditions(c, BACTEREMIA,
               condition("cond-3", ICD10, "J18.9", "Pneumonia, unspecified organism"),
               condition("cond-4", ICD10, "Y95", "Nosocomial condition"))
set_draft(c, TIGE, TIGE_DOSE, "draft-tige")
CASES["r03-r04-tigecycline-bacteremia-and-hap-one-critical-card"] = [c]

c = no_micro(KPC)
set_conditions(c, condition("cond-3", ICD10, "J18.9", "Pneumonia, unspecified organism"),
               condition("cond-4", ICD10, "Y95", "Nosocomial condition"))
set_draft(c, TIGE, TIGE_DOSE, "draft-tige")
CASES["r04-tigecycline-hap-j18-y95"] = [c]

c = copy.deepcopy(KPC)
remove_obs(c, "sus-0", "sus-1", "sus-2", "sus-3", "sus-4", "sus-5", "sus-6", "kpc-1")
org = organism_obs(c)
del org["hasMember"]
org["valueCodeableConcept"] = {"coding": [{"system": SNOMED, "code": "264868006",
                                           "display": "No growth"}], "text": "No growth at 5 days"}
set_conditions(c, condition("cond-5", ICD10, "L03.115", "Cellulitis of right lower limb"))
set_draft(c, TIGE, TIGE_DOSE, "draft-tige")
CASES["r03-no-fire-tigecycline-skin-negative-blood-culture"] = [c]

# R06 MBL + CZA alone (brand name, text only).
c = copy.deepcopy(KPC)
set_mechanism(c, "73982-1", "blaNDM [Presence] by Molecular method")
set_mic(c, "sus-3", 16, "R", ">=")
set_draft(c, {"text": "Avycaz 2.5 g IV q8h over 3 h"},
          dosage("2.5 g IV every 8 hours over 3 hours", 2.5, "g", 8, minutes=180), "draft-cza")
CASES["r06-ndm-ceftazidime-avibactam-alone"] = [c]
CASES["r06-order-sign-after-order-select-not-repeated"] = [c, as_sign(c)]

# R07 OXA-48 + MEV.
c = copy.deepcopy(KPC)
set_mechanism(c, "85503-1", "blaOXA-48 [Presence] by Molecular method")
set_mic(c, "sus-0", 4, "I")
set_draft(c, med("Vabomere 4 g IV q8h"),
          dosage("4 g IV every 8 hours over 3 hours", 4, "g", 8, minutes=180), "draft-mev")
CASES["r07-oxa48-meropenem-vaborbactam"] = [c]

# Imipenem rules (no micro: the problem is the patient, not the organism).
IMI_BASE = no_micro(KPC)
set_conditions(IMI_BASE)
set_creatinine(IMI_BASE, 1.0)  # CrCl (140-65) x 72 / (72 x 1.0) x 0.85 = 64 mL/min

c = copy.deepcopy(IMI_BASE)
set_creatinine(c, 4.8)  # CrCl (140-65) x 72 / (72 x 4.8) x 0.85 = 13 mL/min
set_draft(c, IMI, IMI_DOSE, "draft-imi")
CASES["r08-imipenem-crcl-below-15"] = [c]

c = copy.deepcopy(IMI_BASE)
set_conditions(c, condition("cond-6", ICD10, "G00.9", "Bacterial meningitis, unspecified"))
set_draft(c, IMI, IMI_DOSE, "draft-imi")
CASES["r09-imipenem-meningitis"] = [c]

c = copy.deepcopy(IMI_BASE)
set_conditions(c, EPILEPSY)
set_active(c, order(c, "mr-lev", med("levetiracetam 500 mg PO BID", "311289",
                                     "levetiracetam 500 MG Oral Tablet"),
                    dosage("500 mg PO twice daily", 500, "mg", 12, route="26643006",
                           route_display="Oral route"), status="active"))
set_draft(c, med("Primaxin 500 mg IV q6h"), IMI_DOSE, "draft-imi")
CASES["r09b-imipenem-epilepsy-brand-primaxin"] = [c]

c = copy.deepcopy(IMI_BASE)
set_active(c, order(c, "mr-gcv", {"text": "ganciclovir 5 mg/kg IV q12h"},
                    dosage("360 mg IV every 12 hours", 360, "mg", 12), status="active"))
set_draft(c, IMI, IMI_DOSE, "draft-imi")
CASES["r15-imipenem-active-ganciclovir"] = [c]

# R10: meropenem 2 g q8h at CrCl about 20.
c = copy.deepcopy(IMI_BASE)
set_creatinine(c, 3.2)  # CrCl (140-65) x 72 / (72 x 3.2) x 0.85 = 20 mL/min
set_draft(c, med("meropenem 2 g IV q8h over 3 h"),
          dosage("2 g IV every 8 hours over 3 hours", 2, "g", 8, minutes=180))
CASES["r10-meropenem-2g-q8h-crcl-20"] = [c]

# R11: meropenem over 30 min in septic shock, susceptible ESBL E. coli.
c = copy.deepcopy(KPC)
ecoli_blood(c, ceftriaxone="R", esbl=True)
set_conditions(c, condition("cond-7", ICD10, "R65.21", "Severe sepsis with septic shock"))
set_draft(c, MERO_1G, dosage("1 g IV every 8 hours over 30 minutes", 1, "g", 8, minutes=30))
CASES["r11-meropenem-30-min-septic-shock"] = [c]

# A susceptible organism with meropenem (ESBL: a carbapenem is right): no warning/critical.
c = copy.deepcopy(KPC)
ecoli_blood(c, ceftriaxone="R", esbl=True)
set_draft(c, MERO_1G, dosage("1 g IV every 8 hours over 3 hours", 1, "g", 8, minutes=180))
CASES["no-fire-esbl-ecoli-bacteremia-meropenem"] = [c]

# R12 CRAB.
CRAB = copy.deepcopy(KPC)
set_organism(CRAB, "91288006", "Acinetobacter baumannii")
remove_obs(CRAB, "kpc-1", "sus-1", "sus-3", "sus-6")
set_mic(CRAB, "sus-4", 16, "R", ">=")
set_conditions(CRAB, condition("cond-8", ICD10, "A41.54", "Sepsis due to Acinetobacter "
                               "baumannii"))

c = copy.deepcopy(CRAB)
set_draft(c, PMB, PMB_DOSE, "draft-pmb")
add_draft(c, MERO_1G, dosage("2 g IV every 8 hours over 3 hours", 2, "g", 8, minutes=180),
          "draft-mero")
CASES["r12-crab-polymyxin-b-plus-meropenem"] = [c]

c = copy.deepcopy(CRAB)
set_draft(c, med("sulbactam-durlobactam 1 g-1 g IV q6h", "2665012",
                 "sulbactam 1000 MG / durlobactam 1000 MG Injection"),
          dosage("2 g (1 g / 1 g) IV every 6 hours over 3 hours", 2, "g", 6, minutes=180),
          "draft-sud")
add_draft(c, IMI, IMI_DOSE, "draft-imi")
CASES["r12-no-fire-sulbactam-durlobactam-plus-imipenem"] = [c]

# Ertapenem.
c = copy.deepcopy(KPC)
set_organism(c, "52499004", "Pseudomonas aeruginosa")
remove_obs(c, "kpc-1", "sus-1", "sus-6")
set_mic(c, "sus-0", 1, "S", "<=")
set_mic(c, "sus-2", 2, "S")
add_sus(c, "sus-7", "6644-9", "Cefepime [Susceptibility] by MIC", 2, "S")
set_draft(c, {"text": "Invanz 1 g IV daily"}, ERTA_DOSE, "draft-erta")
CASES["r13-ertapenem-pseudomonas-text-only-brand"] = [c]

c = copy.deepcopy(KPC)
ecoli_blood(c, ceftriaxone="R", esbl=True)
in_icu(c)
set_draft(c, ERTA, ERTA_DOSE, "draft-erta")
CASES["r13b-ertapenem-esbl-ecoli-icu"] = [c]

# R14 meropenem for a ceftriaxone-susceptible E. coli (urine, no bacteremia).
c = copy.deepcopy(KPC)
ecoli_blood(c, ceftriaxone="S")
to_urine(c)
set_conditions(c, condition("cond-9", ICD10, "N10", "Acute pyelonephritis"))
set_draft(c, MERO_1G, dosage("1 g IV every 8 hours over 3 hours", 1, "g", 8, minutes=180))
CASES["r14-meropenem-ceftriaxone-susceptible-ecoli"] = [c]

# R16 / R17 urinary.
c = copy.deepcopy(KPC)
to_urine(c)
set_conditions(c, condition("cond-10", ICD10, "N39.0", "Urinary tract infection, site not "
                            "specified"))
set_draft(c, TIGE, TIGE_DOSE, "draft-tige")
CASES["r16-tigecycline-uti"] = [c]

c = copy.deepcopy(KPC)
to_urine(c)
set_conditions(c, condition("cond-11", ICD10, "N30.00", "Acute cystitis without hematuria"))
set_draft(c, PMB, PMB_DOSE, "draft-pmb")
CASES["r17-polymyxin-b-cre-cystitis"] = [c]

# R18 DTR P. aeruginosa + meropenem.
c = copy.deepcopy(KPC)
set_organism(c, "52499004", "Pseudomonas aeruginosa")
remove_obs(c, "kpc-1", "sus-1", "sus-3", "sus-6")
set_mic(c, "sus-2", 16, "R", ">=")
for oid, loinc, name in (("sus-7", "412-7", "Piperacillin+Tazobactam"),
                         ("sus-8", "133-9", "Ceftazidime"), ("sus-9", "6644-9", "Cefepime"),
                         ("sus-10", "44-8", "Aztreonam"), ("sus-11", "185-9", "Ciprofloxacin"),
                         ("sus-12", "20396-8", "Levofloxacin")):
    add_sus(c, oid, loinc, name + " [Susceptibility] by MIC", 8 if "floxacin" in name else 64,
            "R", ">=")
CASES["r18-dtr-pseudomonas-meropenem"] = [c]

# R19: 14-day ceftriaxone course for an uncomplicated E. coli bacteremia.
c = copy.deepcopy(KPC)
ecoli_blood(c, ceftriaxone="S")
set_draft(c, med("ceftriaxone 2 g IV q24h"),
          dosage("2 g IV every 24 hours for 14 days", 2, "g", 24, days=14), "draft-cro")
CASES["r19-ceftriaxone-14-days-uncomplicated-gn-bacteremia"] = [c]


# Every prefetch key of the services' discovery, in discovery order.
PREFETCH_KEYS = ["patient", "encounter", "medicationRequests", "medicationStatements",
                 "medicationAdministrations", "labObservations", "conditions",
                 "microbiologyReports"]


def complete_prefetch(prefetch):
    """Answers every key (null = no data): an absent key is fetched from fhirServer (issue 5),
    and these cases test the rules, not fetching (ehr.example.org does not exist)."""
    ordered = dict(prefetch)
    for key in PREFETCH_KEYS:
        if key not in ordered:
            # keep the existing order; add a missing key after its discovery predecessor
            items = list(ordered.items())
            at = PREFETCH_KEYS.index(key)
            before = [k for k in PREFETCH_KEYS[:at] if k in ordered]
            pos = ([k for k, _ in items].index(before[-1]) + 1) if before else 0
            items.insert(pos, (key, None))
            ordered = dict(items)
    return ordered


def main():
    for name, steps in CASES.items():
        case_dir = os.path.join(HERE, name)
        os.makedirs(case_dir, exist_ok=True)
        for i, req in enumerate(steps, 1):
            if "prefetch" in req:
                req = dict(req, prefetch=complete_prefetch(req["prefetch"]))
            path = os.path.join(case_dir, "%02d-%s.request.json" % (i, req["hook"]))
            with open(path, "w") as f:
                json.dump(req, f, indent=1)
                f.write("\n")


if __name__ == "__main__":
    main()
