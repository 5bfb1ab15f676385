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


def main():
    for name, steps in CASES.items():
        case_dir = os.path.join(HERE, name)
        os.makedirs(case_dir, exist_ok=True)
        for i, req in enumerate(steps, 1):
            path = os.path.join(case_dir, "%02d-%s.request.json" % (i, req["hook"]))
            with open(path, "w") as f:
                json.dump(req, f, indent=1)
                f.write("\n")


if __name__ == "__main__":
    main()
