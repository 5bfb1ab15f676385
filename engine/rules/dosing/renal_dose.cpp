#include "engine/rules/dosing/renal_dose.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/dosing/dosing_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

using dosing::FormatDoseMg;
using dosing::FormatInterval;
using dosing::FormatNumber;

constexpr double kTolerance = 0.02;

struct Option {
  double dose_mg = 0.0;
  double interval_h = 0.0;
};

// A band of the table for one patient.
struct Band {
  bool judged = false;  // false: normal band (silent) or not verified (see reason)
  std::string reason;   // why not judged (empty for the normal band)
  std::string label;    // "CrCl 26-50 mL/min"
  std::vector<Option> options;
};

struct Product {
  Agent agent;
  std::string code;
  std::string display;
  std::string text;
  double infusion_min = 30;
};

struct Drug {
  Agent agent;
  bool uses_egfr = false;
  Product product;
};

const std::vector<Drug>& Drugs() {
  static const std::vector<Drug> kDrugs = {
      {Agent::kMeropenem,
       false,
       {Agent::kMeropenem, "1722939", "meropenem 1000 MG Injection", "meropenem 1000 MG Injection",
        30}},
      {Agent::kImipenemCilastatin,
       false,
       {Agent::kImipenemCilastatin, "1726214", "imipenem 500 MG / cilastatin 500 MG Injection",
        "imipenem 500 MG / cilastatin 500 MG Injection", 30}},
      {Agent::kErtapenem,
       false,
       {Agent::kErtapenem, "1734683", "ertapenem 1000 MG Injection", "ertapenem 1000 MG Injection",
        30}},
      {Agent::kMeropenemVaborbactam,
       true,
       {Agent::kMeropenemVaborbactam, "1945217", "meropenem / vaborbactam",
        "meropenem-vaborbactam injection", 180}},
      {Agent::kCeftazidimeAvibactam,
       false,
       {Agent::kCeftazidimeAvibactam, "1603839", "avibactam / ceftazidime",
        "ceftazidime-avibactam injection", 120}},
      {Agent::kImipenemCilastatinRelebactam,
       false,
       {Agent::kImipenemCilastatinRelebactam, "", "", "imipenem-cilastatin-relebactam injection",
        30}},
      {Agent::kCeftolozaneTazobactam,
       false,
       {Agent::kCeftolozaneTazobactam, "1597614", "ceftolozane / tazobactam",
        "ceftolozane-tazobactam injection", 60}},
      {Agent::kCefiderocol,
       false,
       {Agent::kCefiderocol, "2265706", "cefiderocol 1000 MG Injection",
        "cefiderocol 1000 MG Injection", 180}},
  };
  return kDrugs;
}

Band Judged(std::string label, std::vector<Option> options) {
  return Band{true, "", std::move(label), std::move(options)};
}
Band Normal() { return Band{}; }
Band NotJudged(std::string reason) { return Band{false, std::move(reason), "", {}}; }

Band BandFor(Agent agent, double f, bool dialysis, bool hap_vap, double ordered_mg) {
  switch (agent) {
    case Agent::kMeropenem: {
      const double usual_max = 2000;
      (void)ordered_mg;
      if (f > 50) return Normal();
      if (f > 25) return Judged("CrCl 26-50 mL/min: usual dose q12h", {{usual_max, 12}});
      if (f >= 10)
        return Judged("CrCl 10-25 mL/min: half the usual dose q12h", {{usual_max / 2, 12}});
      return Judged("CrCl <10 mL/min: half the usual dose q24h", {{usual_max / 2, 24}});
    }
    case Agent::kImipenemCilastatin:
      if (f >= 90) return Normal();
      if (f >= 60) return Judged("CrCl 60-<90 mL/min: 400-500 mg q6h", {{500, 6}});
      if (f >= 30)
        return Judged("CrCl 30-<60 mL/min: 300 mg q6h or 500 mg q8h", {{300, 6}, {500, 8}});
      if (f >= 15)
        return Judged("CrCl 15-<30 mL/min: 200 mg q6h or 500 mg q12h", {{200, 6}, {500, 12}});
      return NotJudged("imipenem-cilastatin at CrCl < 15 mL/min is R08 (imi-crcl15), not a dose");
    case Agent::kErtapenem:
      if (f > 30) return Normal();
      return Judged("CrCl <=30 mL/min: 500 mg q24h", {{500, 24}});
    case Agent::kMeropenemVaborbactam:
      if (dialysis) return Judged("hemodialysis: 1 g q12h", {{1000, 12}});
      if (f >= 50) return Normal();
      if (f >= 30) return Judged("eGFR 30-49: 2 g q8h", {{2000, 8}});
      if (f >= 15) return Judged("eGFR 15-29: 2 g q12h", {{2000, 12}});
      return Judged("eGFR <15: 1 g q12h", {{1000, 12}});
    case Agent::kCeftazidimeAvibactam:
      if (f > 50) return Normal();
      if (f > 30) return Judged("CrCl 31-50 mL/min: 1.25 g q8h", {{1250, 8}});
      if (f > 15) return Judged("CrCl 16-30 mL/min: 0.94 g q12h", {{940, 12}});
      if (f > 5) return Judged("CrCl 6-15 mL/min: 0.94 g q24h", {{940, 24}});
      return Judged("CrCl <=5 mL/min: 0.94 g q48h", {{940, 48}});
    case Agent::kImipenemCilastatinRelebactam:
      if (f >= 90) return Normal();
      if (f >= 60) return Judged("CrCl 60-89 mL/min: 1 g q6h", {{1000, 6}});
      if (f >= 30) return Judged("CrCl 30-59 mL/min: 0.75 g q6h", {{750, 6}});
      if (f >= 15) return Judged("CrCl 15-29 mL/min: 0.5 g q6h", {{500, 6}});
      return NotJudged("imipenem-relebactam has no verified dose band below CrCl 15 mL/min");
    case Agent::kCeftolozaneTazobactam:
      if (dialysis) {
        return hap_vap ? Judged("hemodialysis, HAP/VAP: 450 mg q8h after a 2.25 g load", {{450, 8}})
                       : Judged("hemodialysis: 150 mg q8h after a 750 mg load", {{150, 8}});
      }
      if (f > 50) return Normal();
      if (f >= 30) {
        return hap_vap ? Judged("CrCl 30-50 mL/min, HAP/VAP: 1.5 g q8h", {{1500, 8}})
                       : Judged("CrCl 30-50 mL/min (cUTI/cIAI): 750 mg q8h", {{750, 8}});
      }
      if (f >= 15) {
        return hap_vap ? Judged("CrCl 15-29 mL/min, HAP/VAP: 750 mg q8h", {{750, 8}})
                       : Judged("CrCl 15-29 mL/min (cUTI/cIAI): 375 mg q8h", {{375, 8}});
      }
      return NotJudged(
          "ceftolozane-tazobactam has no dose band for CrCl < 15 mL/min without hemodialysis");
    case Agent::kCefiderocol:
      if (f >= 120) return Normal();
      return NotJudged("cefiderocol dose bands below CrCl 120 mL/min are UNVERIFIED; not checked");
    default:
      return NotJudged("no renal dose table for this drug");
  }
}

bool Compatible(const dosing::OrderedDose& d, const Option& o) {
  return d.dose_mg <= o.dose_mg * (1 + kTolerance) &&
         d.interval_h >= o.interval_h * (1 - kTolerance);
}

Option Recompute(Agent agent, const dosing::OrderedDose& d, const Band& band) {
  if (agent == Agent::kMeropenem) {
    const double usual = std::min(d.dose_mg, 2000.0);
    const Option& o = band.options.front();
    return Option{o.dose_mg < 2000 ? usual / 2 : usual, o.interval_h};
  }
  for (const Option& o : band.options) {
    if (std::abs(o.interval_h - d.interval_h) < 0.01) return o;
  }
  return band.options.front();
}

std::string Describe(const Option& o) {
  return FormatDoseMg(o.dose_mg) + " " + FormatInterval(o.interval_h) + " (" +
         FormatDoseMg(o.dose_mg * 24 / o.interval_h) + "/day)";
}

ProposedMedication Propose(const Product& p, const Option& o, double infusion_min) {
  ProposedMedication m;
  m.agents = {p.agent};
  m.rxnorm_code = p.code;
  m.rxnorm_display = p.display;
  m.text = p.text;
  const bool grams = o.dose_mg >= 1000;
  m.dose_value = grams ? o.dose_mg / 1000 : o.dose_mg;
  m.dose_unit = grams ? "g" : "mg";
  m.route = Route::kIntravenous;
  m.period = o.interval_h;
  m.period_unit = "h";
  const bool hours = infusion_min >= 60 && static_cast<int>(infusion_min) % 60 == 0;
  m.infusion_duration = hours ? infusion_min / 60 : infusion_min;
  m.infusion_duration_unit = hours ? "h" : "min";
  m.dosage_text = FormatDoseMg(o.dose_mg) + " IV every " + FormatNumber(o.interval_h) +
                  " h, each dose infused over " + FormatNumber(*m.infusion_duration) + " " +
                  m.infusion_duration_unit;
  return m;
}

}  // namespace

const RuleMeta& RenalDoseMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "renal-dose";
    m.catalogue_id = "R10";
    m.title = "Dose above the renal-adjusted label dose";
    m.version = "1.0.0";
    m.rationale =
        "Carbapenems and the newer beta-lactam/beta-lactamase-inhibitor agents are renally "
        "cleared; doses above the renal-adjusted label dose accumulate (neurotoxicity, seizures).";
    m.citation = Cite("MERREM");
    m.further_citations = {Cite("PRIMAXIN")};
    m.default_indicator = Indicator::kWarning;
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateRenalDose(const PatientSnapshot& s, const RuleContext& context) {
  std::vector<std::string> not_judged;
  bool any_judged = false;
  bool any_drug = false;
  std::vector<Finding> findings;
  const std::optional<dosing::RenalFunction> crcl = dosing::CreatinineClearance(s);
  const std::optional<dosing::RenalFunction> egfr = dosing::Egfr(s);
  for (const DraftOrder& d : s.draft_orders) {
    if (dosing::IsInactiveStatus(d.request.status)) continue;
    const Drug* drug = nullptr;
    for (const Drug& candidate : Drugs()) {
      if (d.medication.HasAgent(candidate.agent)) {
        drug = &candidate;
        break;
      }
    }
    if (drug == nullptr) continue;
    any_drug = true;
    const std::string name = dosing::AgentName(d.medication);
    const std::optional<dosing::RenalFunction>& renal = drug->uses_egfr ? egfr : crcl;
    const bool dialysis_band = s.dialysis && (drug->agent == Agent::kMeropenemVaborbactam ||
                                              drug->agent == Agent::kCeftolozaneTazobactam);
    if (!renal && !dialysis_band) {
      not_judged.push_back(d.request.id + ": no " +
                           std::string(drug->uses_egfr ? "eGFR" : "creatinine clearance"));
      continue;
    }
    const dosing::DoseRead read = dosing::ReadDose(d.request);
    if (!read.dose) {
      not_judged.push_back(d.request.id + ": " + read.reason);
      continue;
    }
    const Band band = BandFor(drug->agent, renal ? renal->value : 0.0, s.dialysis,
                              s.severity.hap_or_vap, read.dose->dose_mg);
    if (!band.judged) {
      if (band.reason.empty()) {
        any_judged = true;  // normal band: nothing to adjust
      } else {
        not_judged.push_back(d.request.id + ": " + band.reason);
      }
      continue;
    }
    any_judged = true;
    const bool ok = std::any_of(band.options.begin(), band.options.end(),
                                [&](const Option& o) { return Compatible(*read.dose, o); });
    if (ok) continue;
    const Option target = Recompute(drug->agent, *read.dose, band);
    const fhir::Dosage* dosage = dosing::MaintenanceDosage(d.request);
    const double infusion =
        dosage != nullptr ? dosing::InfusionMinutes(*dosage).value_or(drug->product.infusion_min)
                          : drug->product.infusion_min;

    FindingSpec spec;
    spec.orders.push_back(dosing::Ref(d));
    spec.evidence.push_back(dosing::DraftEvidence(d));
    if (renal) spec.evidence.push_back(renal->evidence);
    if (dialysis_band) {
      spec.evidence.push_back(
          Evidence{"Condition", "Condition.code", "Dialysis condition (Z99.2 / SNOMED 105502003)"});
    }
    spec.evidence.push_back(Evidence{"MedicationRequest/" + d.request.id,
                                     "MedicationRequest.dosageInstruction",
                                     "Ordered " + read.dose->Describe() + "; label dose for " +
                                         band.label + " -> " + Describe(target)});
    spec.problem =
        Problem{.drug = name,
                .problem = "dose above the renal-adjusted dose (" + Describe(target) + ")",
                .organism = "",
                .result = renal ? renal->label : "hemodialysis"};
    Recommendation reduce;
    reduce.label = "Change to " + name + " " + FormatDoseMg(target.dose_mg) + " " +
                   FormatInterval(target.interval_h);
    reduce.text = "Ordered " + read.dose->Describe() + ". Renal-adjusted label dose (" +
                  band.label + "): " + Describe(target) + ".";
    reduce.medications = {Propose(drug->product, target, infusion)};
    spec.recommendations = {std::move(reduce)};
    findings.push_back(MakeFinding(RenalDoseMeta(), context, std::move(spec)));
  }
  if (!findings.empty()) return RuleOutcome::Fired(std::move(findings));
  if (!any_drug) return RuleOutcome::NotApplicable("no draft order of a drug in the renal table");
  if (any_judged) return RuleOutcome::NotFired();
  std::string reason = "dose not judged: ";
  for (std::size_t i = 0; i < not_judged.size(); ++i) {
    if (i > 0) reason += "; ";
    reason += not_judged[i];
  }
  return RuleOutcome::NotApplicable(reason);
}

Rule RenalDoseRule() { return Rule{RenalDoseMeta(), &EvaluateRenalDose}; }

}  // namespace cds::engine::rules
