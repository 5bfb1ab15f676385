// Shared analysis for the resistance rules (R01, R01b, R02, R06, R07, R12, R18): active
// isolates, what a susceptibility panel says about an agent, CRE / carbapenemase facts, and the
// WHOLE regimen a patient would be on (issue 4: "monotherapy is judged over the whole regimen:
// every draft order plus every active antibiotic order, counting only agents active in vitro
// against the isolate where susceptibilities exist").
//
// Decisions (documented here once, relied on by every rule of the group):
//  - Regimen = every draft order whose status is not stopped/cancelled/completed/
//    entered-in-error, plus every active medication of the snapshot (MedicationRequest active/
//    on-hold, MedicationStatement active, MedicationAdministration recent) with the same status
//    filter; only systemic antibacterials count (known agent, class antibacterial, not
//    topical-only, no non-systemic route hint in the text).
//  - In-vitro activity of an agent against one isolate (InVitroActivity):
//      kActive    the lab reported S or SDD for the agent (for polymyxins also I: CLSI M100 has no
//                 S category for colistin/polymyxin B since 2020, I is the wild type);
//      kInactive  the lab reported I, R or NS (worst result wins when several are reported);
//      kExpected  no result, but the agent is expected active from the detected mechanism
//                 (IDSA24): CZA when every detected carbapenemase gene is KPC or OXA-48-like;
//                 MEV and IMR when every detected gene is KPC; cefiderocol and
//                 aztreonam-avibactam when any carbapenemase gene is detected;
//      kUntested  no result and no expectation. An untested agent is NOT counted as in-vitro
//                 active (it cannot rescue a monotherapy), and the finding names it in
//                 missing_data so the clinician sees why.
//    Results are matched to agents by equivalence: imipenem <-> imipenem-cilastatin; a colistin
//    result applies to colistin, colistimethate and polymyxin B (CLSI treats them as one).
//  - An isolate is in the lookback when its collection time (Isolate::collected) lies in
//    [now - window, now]; an isolate without a usable date is never in the lookback.
//  - CRE (clinical-rules.md §2): an Enterobacterales isolate with meropenem or imipenem I/R/NS,
//    a carbapenemase Detected, or ertapenem I/R/NS. A Gram-negative isolate not yet identified
//    beyond "Gram-negative" (e.g. a preliminary "Gram-negative rods" blood culture) counts only
//    when a carbapenemase is Detected on it (rapid PCR on the bottle); text alone never makes a
//    CRE.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

#include "engine/rules/common.hpp"

namespace cds::engine::rules::resistance {

using rules::AgentName;
using rules::ConceptText;
using rules::DraftEvidence;
using rules::IsInactiveStatus;
using rules::OrderText;
using rules::Ref;

// ---------------------------------------------------------------------------------------------
// Orders.

/// A systemic antibacterial (see file comment).
[[nodiscard]] bool IsSystemicAntibacterial(const MedicationClass& m) noexcept;
/// Systemic and Gram-negative-active.
[[nodiscard]] bool IsGramNegativeActive(const MedicationClass& m) noexcept;
/// Active (not inactive status), systemic drafts for which `pred` holds.
template <typename Pred>
[[nodiscard]] std::vector<const DraftOrder*> Drafts(const PatientSnapshot& s, Pred pred) {
  std::vector<const DraftOrder*> out;
  for (const DraftOrder& d : s.draft_orders) {
    if (IsInactiveStatus(d.request.status) || d.medication.non_systemic_hint ||
        d.medication.Is(DrugClass::kTopicalOnly)) {
      continue;
    }
    if (pred(d.medication)) out.push_back(&d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Isolates and results.

/// Isolates collected within [now - window, now], in snapshot order (most recent first).
[[nodiscard]] std::vector<const Isolate*> IsolatesInLookback(const PatientSnapshot& s,
                                                             std::chrono::sys_seconds now,
                                                             std::chrono::seconds window);
/// The result for `agent` (with the equivalences above) that has an interpretation: worst
/// (not susceptible) first, final before preliminary. nullptr when none.
[[nodiscard]] const SusceptibilityResult* FindResult(const Isolate& isolate, Agent agent);
/// The result for `agent` that carries a numeric MIC (method MIC/gradient/unspecified).
[[nodiscard]] const SusceptibilityResult* FindMic(const Isolate& isolate, Agent agent);
/// True when the MIC is certainly <= limit ("<=1", "0.5"); false when unknown or above.
[[nodiscard]] bool MicAtMost(const SusceptibilityResult* r, double limit) noexcept;
/// True when the MIC is certainly >= limit (">=16", "4").
[[nodiscard]] bool MicAtLeast(const SusceptibilityResult* r, double limit) noexcept;
/// True when the lab reported the agent not susceptible (I/R/NS).
[[nodiscard]] bool NotSusceptible(const Isolate& isolate, Agent agent);

/// Mechanism results that are Detected, in isolate order.
[[nodiscard]] std::vector<const MechanismResult*> Detected(const Isolate& isolate);
[[nodiscard]] bool CarbapenemaseDetected(const Isolate& isolate);
/// At least one carbapenemase test (phenotype or gene) reported Not detected.
[[nodiscard]] bool CarbapenemaseTestedNegative(const Isolate& isolate);
[[nodiscard]] bool MblDetected(const Isolate& isolate);
[[nodiscard]] bool Oxa48Detected(const Isolate& isolate);
[[nodiscard]] bool KpcDetected(const Isolate& isolate);

/// CRE per the file comment.
[[nodiscard]] bool IsCre(const Isolate& isolate);
/// Enterobacterales, or an unidentified Gram-negative (only the gram-negative group).
[[nodiscard]] bool IsEnterobacteralesOrUnidentifiedGramNegative(const Isolate& isolate) noexcept;

/// "K. pneumoniae, blood, 2026-11-19" (preliminary results say so).
[[nodiscard]] std::string IsolateHeader(const Isolate& isolate);
/// "meropenem MIC 16 mg/L (R)", "meropenem (R)", "meropenem MIC <=0.25 mg/L".
[[nodiscard]] std::string DescribeResult(const SusceptibilityResult& r);
/// "KPC detected".
[[nodiscard]] std::string DescribeMechanism(const MechanismResult& m);
/// Evidence with the isolate header: "K. pneumoniae, blood, 2026-11-19: meropenem MIC 16 mg/L
/// (R)". Path Observation.valueQuantity when a MIC was read, else Observation.interpretation.
[[nodiscard]] Evidence ResultEvidence(const Isolate& isolate, const SusceptibilityResult& r);
[[nodiscard]] Evidence MechanismEvidence(const Isolate& isolate, const MechanismResult& m);
/// The organism Observation itself.
[[nodiscard]] Evidence IsolateEvidence(const Isolate& isolate);
/// Short summary of the decisive result(s) for Problem::result ("KPC detected", "meropenem MIC
/// 16 mg/L (R)"): detected carbapenemases first, else meropenem/imipenem/ertapenem results.
[[nodiscard]] std::string CarbapenemResultSummary(const Isolate& isolate);
/// Evidence for the carbapenem results and mechanisms of an isolate (what makes it CRE/CRAB).
[[nodiscard]] std::vector<Evidence> CarbapenemEvidence(const Isolate& isolate);

/// A Detected mechanism within the lookback: on an isolate in the lookback, or unlinked (a rapid
/// gene test that arrived before the identification, clinical-rules.md §4.4; its own time must
/// lie in the lookback).
struct MechanismHit {
  const Isolate* isolate = nullptr;  ///< nullptr for an unlinked result.
  const MechanismResult* result = nullptr;
};
[[nodiscard]] std::vector<MechanismHit> DetectedMechanisms(const PatientSnapshot& s,
                                                           std::chrono::sys_seconds now,
                                                           std::chrono::seconds window,
                                                           bool (*pred)(Mechanism) noexcept);
/// Any mechanism result (detected or not) on isolates in the lookback or unlinked in it.
[[nodiscard]] bool AnyMechanismResult(const PatientSnapshot& s, std::chrono::sys_seconds now,
                                      std::chrono::seconds window);
/// Evidence for a hit; unlinked results read "Unlinked result, 2026-11-20: NDM detected".
[[nodiscard]] Evidence HitEvidence(const MechanismHit& hit);

// ---------------------------------------------------------------------------------------------
// Regimen.

enum class Activity : std::uint8_t { kActive, kInactive, kExpected, kUntested };
[[nodiscard]] std::string_view ToString(Activity activity) noexcept;
[[nodiscard]] constexpr bool CountsAsActive(Activity a) noexcept {
  return a == Activity::kActive || a == Activity::kExpected;
}

struct AgentActivity {
  Activity activity = Activity::kUntested;
  const SusceptibilityResult* result = nullptr;  ///< The result read (kActive/kInactive).
};

/// In-vitro activity of an order's agents against `isolate` (file comment). For a product with
/// several agents, any S wins, else any not-susceptible, else the expectation.
[[nodiscard]] AgentActivity InVitroActivity(const MedicationClass& m, const Isolate& isolate);

/// One antibacterial the patient would be on.
struct RegimenEntry {
  const MedicationClass* medication = nullptr;
  std::string reference;              ///< "MedicationRequest/abc", "MedicationStatement/x".
  std::string path;                   ///< "MedicationRequest.medication".
  std::string display;                ///< As ordered.
  const DraftOrder* draft = nullptr;  ///< Set for draft orders.
};

/// Drafts (input order) then active medications (input order); see file comment.
[[nodiscard]] std::vector<RegimenEntry> BuildRegimen(const PatientSnapshot& s);

/// "Draft order: Amikacin 1 g IV: amikacin (S) for this isolate" / "... no result".
[[nodiscard]] Evidence RegimenEvidence(const RegimenEntry& e, const AgentActivity& a);

/// The Gram-negative-active regimen entries other than `self` (a draft), each with its activity
/// against `isolate`.
struct OtherAgent {
  const RegimenEntry* entry = nullptr;
  AgentActivity activity;
};
[[nodiscard]] std::vector<OtherAgent> OtherGramNegativeAgents(
    const std::vector<RegimenEntry>& regimen, const DraftOrder* self, const Isolate& isolate);

/// Evidence for each "Severe" fact of the snapshot (clinical-rules.md §2): sepsis/septic shock
/// and HAP/VAP Conditions, positive blood cultures, the ICU encounter. Empty when not severe.
[[nodiscard]] std::vector<Evidence> SeverityEvidence(const PatientSnapshot& s);

/// CrCl in mL/min: measured (2164-2) when known, else the snapshot's estimate; for the
/// cefiderocol q6h band (CrCl >= 120).
[[nodiscard]] std::optional<double> CrClMlMin(const PatientSnapshot& s) noexcept;

}  // namespace cds::engine::rules::resistance
