#include "engine/rules/site/imi_cns.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/site/products_site.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

const RuleMeta& ImiCnsMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "imi-cns";
    m.catalogue_id = "R09";
    m.title = "Imipenem for meningitis or CNS infection";
    m.version = "1.0.0";
    m.rationale =
        "Imipenem-cilastatin is not indicated for meningitis and lowers the seizure threshold; "
        "meropenem is the carbapenem approved for bacterial meningitis.";
    m.citation = Cite("PRIMAXIN");
    m.further_citations = {Cite("MERREM")};
    m.default_indicator = Indicator::kWarning;
    m.combines_with = {Combination{.rule_id = "imi-seizure", .indicator = Indicator::kWarning}};
    m.lookbacks = {{"isolate", std::chrono::days(30)}, {"lab", std::chrono::days(7)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateImiCns(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = ImiCnsMeta();
  const std::vector<const DraftOrder*> drafts = site::Drafts(s, site::ContainsImipenem);
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft imipenem order");

  const std::vector<const ActiveCondition*> cns =
      site::ConditionsIn(s, {ConditionGroup::kMeningitisCns});
  const std::chrono::seconds iso_window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> csf;
  for (const Isolate& iso : s.isolates) {
    if (iso.specimen_type == SpecimenType::kCsf &&
        site::InWindow(iso.collected, s.now, iso_window)) {
      csf.push_back(&iso);
    }
  }
  if (cns.empty() && csf.empty()) return RuleOutcome::NotFired();

  const std::optional<int> age = s.demographics.age_years;
  const bool pediatric = age && *age < 18;
  const std::optional<site::CrClValue> crcl =
      site::FindCrCl(s, context.Lookback(meta, "lab", std::chrono::days(7)));

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    for (const ActiveCondition* c : cns) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    for (const Isolate* iso : csf) {
      spec.evidence.push_back(site::IsolateEvidence(*iso, "CSF culture: "));
    }
    if (pediatric) {
      spec.evidence.push_back(Evidence{"Patient/" + s.demographics.patient_id, "Patient.birthDate",
                                       "Age " + std::to_string(*age) + " years (pediatric)"});
      spec.escalation = Indicator::kCritical;
    } else if (!age) {
      spec.missing_data.push_back(
          "Age unknown (Patient.birthDate): the pediatric escalation to critical was not "
          "assessed.");
    }
    if (!pediatric && crcl && crcl->ml_per_min <= 50) spec.evidence.push_back(crcl->evidence);
    spec.problem.drug = site::AgentName(d->medication);
    spec.problem.problem = "not indicated for meningitis/CNS infection (seizure risk)";
    if (!csf.empty()) spec.problem.organism = csf.front()->organism_text;
    spec.problem.result = !cns.empty()
                              ? site::ConditionText(*cns.front())
                              : "positive CSF culture " + site::DateText(csf.front()->collected);

    Recommendation mero;
    mero.label =
        pediatric ? "Switch to meropenem 40 mg/kg q8h (max 2 g)" : "Switch to meropenem 2 g q8h";
    mero.text =
        "Imipenem-cilastatin is not indicated for meningitis (PRIMAXIN, Limitations of Use) and "
        "lowers the seizure threshold; meropenem is approved for bacterial meningitis (MERREM). ";
    if (pediatric) {
      mero.text += "Pediatric dose: meropenem 40 mg/kg IV every 8 h, maximum 2 g per dose.";
      mero.medications = {site::MeropenemMeningitisPediatric()};
    } else {
      const ProposedMedication m =
          site::MeropenemMeningitis(crcl ? std::optional<double>(crcl->ml_per_min) : std::nullopt);
      mero.text += "Meropenem 2 g IV every 8 h; here: " + m.dosage_text + ".";
      mero.medications = {m};
    }
    spec.recommendations = {std::move(mero)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule ImiCnsRule() { return Rule{ImiCnsMeta(), &EvaluateImiCns}; }

}  // namespace cds::engine::rules
