#include "engine/rules/dosing/duration.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/dosing/dosing_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

struct Target {
  double days = 0;
  std::string indication;
  std::string qualifier;  // "if uncomplicated", "after source control"
  Evidence evidence;
};

std::vector<Target> Targets(const PatientSnapshot& s) {
  std::vector<Target> out;
  for (const Isolate& i : s.isolates) {
    if (i.specimen_type != SpecimenType::kBlood) continue;
    if (i.organism.In(OrganismGroup::kGramNegative)) {
      out.push_back(
          {7,
           "Gram-negative bloodstream infection",
           "if uncomplicated",
           {"Observation/" + i.observation_id, "Observation.valueCodeableConcept",
            "Blood culture " + (i.collected ? i.collected->text : std::string("date unknown")) +
                ": " + i.organism_text}});
      break;
    }
  }
  for (const ActiveCondition& c : s.conditions) {
    const std::string text = dosing::ConceptText(c.code);
    if (c.groups.Has(ConditionGroup::kHap) || c.groups.Has(ConditionGroup::kVap)) {
      out.push_back(
          {7, "HAP/VAP", "", {"Condition/" + c.id, "Condition.code", "HAP/VAP: " + text}});
    } else if (c.groups.Has(ConditionGroup::kUti)) {
      out.push_back({7,
                     "complicated UTI",
                     "",
                     {"Condition/" + c.id, "Condition.code", "Urinary tract infection: " + text}});
    } else if (c.groups.Has(ConditionGroup::kIntraAbdominal)) {
      out.push_back(
          {4,
           "complicated intra-abdominal infection",
           "after adequate source control",
           {"Condition/" + c.id, "Condition.code", "Intra-abdominal infection: " + text}});
    }
  }
  return out;
}

}  // namespace

const RuleMeta& DurationMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "duration";
    m.catalogue_id = "R19";
    m.title = "Antibiotic course longer than the evidence-based target";
    m.version = "1.0.0";
    m.rationale =
        "Short courses are as effective as long ones for uncomplicated Gram-negative bacteremia "
        "(7 d), HAP/VAP (7 d), complicated intra-abdominal infection after source control "
        "(about 4 d, STOP-IT) and cUTI (5-7 d); longer courses add resistance and adverse "
        "effects.";
    m.citation = Cite("Yahav19");
    m.further_citations = {Cite("ATS16"), Cite("IDSA24")};
    m.default_indicator = Indicator::kInfo;
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateDuration(const PatientSnapshot& s, const RuleContext& context) {
  std::vector<const DraftOrder*> drafts;
  for (const DraftOrder& d : s.draft_orders) {
    if (dosing::IsInactiveStatus(d.request.status)) continue;
    const MedicationClass& m = d.medication;
    if (m.ContainsClass(DrugClass::kAntibacterial) && !m.Is(DrugClass::kTopicalOnly) &&
        !m.non_systemic_hint) {
      drafts.push_back(&d);
    }
  }
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft systemic antibacterial order");
  for (const ActiveCondition& c : s.conditions) {
    if (c.groups.Has(ConditionGroup::kMeningitisCns)) {
      return RuleOutcome::NotApplicable("CNS infection: no short-course target applies");
    }
  }
  for (const Isolate& i : s.isolates) {
    if (i.specimen_type == SpecimenType::kBlood && !i.organism.In(OrganismGroup::kGramNegative)) {
      return RuleOutcome::NotApplicable("blood isolate is not Gram-negative (" + i.organism_text +
                                        "): no short-course target applies");
    }
  }
  const std::vector<Target> targets = Targets(s);
  if (targets.empty()) return RuleOutcome::NotApplicable("no indication with a duration target");
  const Target& target =
      *std::max_element(targets.begin(), targets.end(),
                        [](const Target& a, const Target& b) { return a.days < b.days; });

  bool any_length = false;
  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    const std::optional<dosing::CourseLength> length = dosing::ReadCourseLength(d->request);
    if (!length) continue;
    any_length = true;
    if (length->days <= target.days + 0.01) continue;
    const std::chrono::sys_seconds start =
        length->start ? *length->start
                      : (d->request.authored_on ? d->request.authored_on->start : context.now);
    const std::string stop =
        dosing::FormatDate(start + std::chrono::days(static_cast<int>(target.days)));
    const std::string target_text = dosing::FormatNumber(target.days) + " d";

    FindingSpec spec;
    spec.orders.push_back(dosing::Ref(*d));
    spec.evidence.push_back(dosing::DraftEvidence(*d));
    spec.evidence.push_back(
        {"MedicationRequest/" + d->request.id, length->path,
         "Ordered duration " + dosing::FormatNumber(length->days) + " d (" + length->source + ")"});
    for (const Target& t : targets) spec.evidence.push_back(t.evidence);
    spec.problem =
        Problem{.drug = dosing::AgentName(d->medication),
                .problem = "course of " + dosing::FormatNumber(length->days) + " d exceeds the " +
                           target_text + " target (" + target.indication + ")",
                .organism = "",
                .result = ""};
    Recommendation rec;
    rec.label = "Set a stop date of " + stop + " (" + target_text + ") or reassess";
    rec.text = "Target for " + target.indication +
               (target.qualifier.empty() ? "" : " (" + target.qualifier + ")") + ": " +
               target_text + ". Stop on " + stop +
               " or reassess then; durations should not be longer just because the organism is "
               "resistant.";
    rec.cancel_problem_order = false;
    spec.recommendations = {std::move(rec)};
    findings.push_back(MakeFinding(DurationMeta(), context, std::move(spec)));
  }
  if (!findings.empty()) return RuleOutcome::Fired(std::move(findings));
  if (!any_length) {
    return RuleOutcome::NotApplicable(
        "no draft antibacterial states a duration (boundsDuration, boundsPeriod, count or "
        "expectedSupplyDuration)");
  }
  return RuleOutcome::NotFired();
}

Rule DurationRule() { return Rule{DurationMeta(), &EvaluateDuration}; }

}  // namespace cds::engine::rules
