// Shared helpers of the `site` rule group (R03, R04, R09, R09b, R13, R13b, R16, R17): how the
// group's rules name orders, isolates, conditions and lab values in evidence, and the clinical
// predicates several of them share (bacteremia, HAP/VAP, CRE, DTR-PA). Pure functions of the
// snapshot and the rule context; nothing here reads a clock or throws for missing data.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

#include "engine/rules/common.hpp"

namespace cds::engine::rules::site {

using rules::AgentName;
using rules::ConceptText;
using rules::DraftEvidence;
using rules::IsInactiveStatus;
using rules::OrderText;
using rules::Ref;

/// The drafts (not inactive) whose classification satisfies `pred`, in input order.
template <typename Pred>
[[nodiscard]] std::vector<const DraftOrder*> Drafts(const PatientSnapshot& s, Pred pred) {
  std::vector<const DraftOrder*> out;
  for (const DraftOrder& d : s.draft_orders) {
    if (!IsInactiveStatus(d.request.status) && pred(d.medication)) out.push_back(&d);
  }
  return out;
}

/// "2026-11-19" (the date part of the original text), or "date unknown".
[[nodiscard]] std::string DateText(const std::optional<fhir::DateTime>& t);
/// "blood", "urine", "CSF", "respiratory", "other specimen", "unknown specimen".
[[nodiscard]] std::string_view SpecimenName(SpecimenType type) noexcept;
/// Is `t` within [now - window, now]?
[[nodiscard]] bool InWindow(const std::optional<fhir::DateTime>& t, std::chrono::sys_seconds now,
                            std::chrono::seconds window);
/// "30 days" / "12 hours".
[[nodiscard]] std::string WindowText(std::chrono::seconds window);

/// "E. coli, blood, 2026-11-19 (preliminary)" + suffix.
[[nodiscard]] std::string IsolateText(const Isolate& iso);
/// {"Observation/<id>", "Observation.value[x]", "<prefix><IsolateText><suffix>"}.
[[nodiscard]] Evidence IsolateEvidence(const Isolate& iso, std::string_view prefix,
                                       std::string_view suffix = "");
/// "meropenem MIC 16 mg/L (R)" / "meropenem R".
[[nodiscard]] std::string SusceptibilityText(const SusceptibilityResult& r);
/// "KPC detected".
[[nodiscard]] std::string MechanismText(const MechanismResult& m);

/// The condition as recorded: text, else first display, else "system|code".
[[nodiscard]] std::string ConditionText(const ActiveCondition& c);
/// {"Condition/<id>", "Condition.code", "<prefix><text> (<code>)"}.
[[nodiscard]] Evidence ConditionEvidence(const ActiveCondition& c, std::string_view prefix);

/// Active conditions in any of `groups`, in snapshot order.
[[nodiscard]] std::vector<const ActiveCondition*> ConditionsIn(const PatientSnapshot& s,
                                                               ConditionGroupSet groups);

/// Bacteremia (R03 / R04): blood isolates (specimen blood, i.e. a positive 600-7 or an organism
/// from a blood specimen) collected within `window`, and active bacteremia / sepsis / septic
/// shock conditions.
struct Bacteremia {
  std::vector<const Isolate*> blood_isolates;
  std::vector<const ActiveCondition*> conditions;
  [[nodiscard]] bool present() const noexcept {
    return !blood_isolates.empty() || !conditions.empty();
  }
};
[[nodiscard]] Bacteremia FindBacteremia(const PatientSnapshot& s, std::chrono::seconds window);
/// Evidence for every fact of `b` (isolates first, then conditions).
void AppendBacteremiaEvidence(const Bacteremia& b, std::vector<Evidence>& out);

/// HAP/VAP (R04, R13): a condition in the hap or vap group, or pneumonia together with a
/// nosocomial code (Y95) on the same or on another active condition (ICD-10-CM has no HAP code;
/// Y95 is coded as a separate diagnosis).
[[nodiscard]] std::vector<const ActiveCondition*> FindHapVap(const PatientSnapshot& s);

/// CRE (clinical-rules.md §2): an Enterobacterales isolate with meropenem or imipenem I/R/NS, or
/// a carbapenemase detected, or ertapenem R/NS. Returns the facts that make it CRE (empty = not
/// CRE).
[[nodiscard]] std::vector<std::string> CreFacts(const Isolate& iso);
/// DTR-PA (clinical-rules.md R18 definition): P. aeruginosa not susceptible (I/R/NS) to every one
/// of pip-tazo, ceftazidime, cefepime, aztreonam, meropenem, imipenem, ciprofloxacin and
/// levofloxacin that was tested, with at least one carbapenem, one of pip-tazo / ceftazidime /
/// cefepime, and one fluoroquinolone tested. Returns the NS results (empty = not DTR-PA).
[[nodiscard]] std::vector<std::string> DtrPaFacts(const Isolate& iso);

/// The agents (stable names) `iso` is reported susceptible to (S or SDD), in panel order.
[[nodiscard]] std::vector<std::string> SusceptibleAgents(const Isolate& iso);
/// The lab's interpretation of `agent` on `iso` (the first result), else kUnknown.
[[nodiscard]] Interpretation InterpretationOf(const Isolate& iso, Agent agent);

/// "a, b and c".
[[nodiscard]] std::string JoinList(const std::vector<std::string>& items);
/// 62 -> "62", 2.4 -> "2.4".
[[nodiscard]] std::string FormatNumber(double v);

/// The CrCl the rules use: measured (2164-2) within the lab window, else the snapshot's
/// estimated (reported Cockcroft-Gault or computed). nullopt when unknown.
struct CrClValue {
  double ml_per_min = 0.0;
  Evidence evidence;
};
[[nodiscard]] std::optional<CrClValue> FindCrCl(const PatientSnapshot& s,
                                                std::chrono::seconds lab_window);

/// R03 / R04 / R16: tigecycline or eravacycline (alone or as an ingredient). Minocycline,
/// omadacycline and doxycycline are deliberately NOT included (the catalogue names only
/// tigecycline and eravacycline).
[[nodiscard]] bool IsTigecyclineOrEravacycline(const MedicationClass& m);

/// R09 / R09b: imipenem-cilastatin or imipenem-cilastatin-relebactam (any product containing
/// imipenem).
[[nodiscard]] bool ContainsImipenem(const MedicationClass& m);

/// " <isolate>: susceptible to a and b." for each isolate with susceptible results (tetracycline-
/// class agents left out); empty when none.
[[nodiscard]] std::string SusceptibilityNote(const std::vector<const Isolate*>& isolates);

/// Why tetracycline-class agents fail in bacteremia (R03 recommendation text).
inline constexpr std::string_view kTigeBsiWhy =
    "Tigecycline and eravacycline reach low serum concentrations and are unreliable for "
    "bloodstream infection. Tigecycline label (TYGACIL boxed warning, section 5.1): all-cause "
    "mortality 4.0% vs 3.0% with comparators; reserve it for when alternatives are unsuitable.";
/// Why tigecycline is wrong for HAP/VAP (R04 recommendation text).
inline constexpr std::string_view kTigeHapVapWhy =
    "Tigecycline is not indicated for hospital-acquired or ventilator-associated bacterial "
    "pneumonia (TYGACIL section 1.4): in the HAP/VAP trial, mortality in VAP was 19.1% vs 12.3%, "
    "and 50% vs 7.7% in VAP with bacteremia at baseline (section 5.2).";
/// The "keep it only with ID approval" alternative of R03 / R04 / R16.
[[nodiscard]] Recommendation KeepOnlyWithIdApproval(std::string_view drug);

}  // namespace cds::engine::rules::site
