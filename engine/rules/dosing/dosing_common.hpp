// Helpers shared by the dosing group's rules (R08, R10, R11, R14, R15, R19): order display and
// references, evidence about renal function, and reading the ordered dose, interval, infusion
// time and course length from the draft order's FHIR Dosage (DraftOrder::request).
//
// Dosage reading contract (decisions documented here once for every rule of the group):
// - The dosage judged is the dosageInstruction with the highest `sequence` (the maintenance
//   regimen; a loading dose listed first is not judged), else the only/last one.
// - Dose: doseAndRate[0].doseQuantity in mg or g (UCUM code, else unit text, case-insensitive;
//   "mg", "g", "gram(s)", "milligram(s)"). A dose range, a dose in other units (vial, mL, mg/kg)
//   or no dose is unreadable.
// - Interval: timing.repeat period/periodUnit divided by frequency (default 1); else
//   timing.code Q<n>H, QD, BID, TID, QID (v3 GTSAbbreviation). Otherwise unreadable.
// - Infusion time: timing.repeat.duration/durationUnit; else doseAndRate[0].rateQuantity as a
//   time-based rate whose numerator matches the dose unit (mL with mL/h; mg or g per h/min);
//   else doseAndRate[0].rateRatio likewise. Otherwise unknown (nullopt).
// - Course length: repeat.boundsDuration, else boundsPeriod (end - start), else
//   repeat.count x interval, else dispenseRequest.expectedSupplyDuration.
// All functions are total: unreadable data yields nullopt plus a reason, never an exception.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

#include "engine/rules/common.hpp"

namespace cds::engine::rules::dosing {

using rules::AgentName;
using rules::ConceptText;
using rules::DraftEvidence;
using rules::IsInactiveStatus;
using rules::OrderText;
using rules::Ref;
[[nodiscard]] std::string_view ResourceType(MedicationSource source) noexcept;
/// "Active MedicationStatement (active): <text>[, <time>]" on <Type>.medication.
[[nodiscard]] Evidence ActiveEvidence(const ActiveMedication& medication);

/// Shortest decimal form: 2 -> "2", 0.94 -> "0.94", 62.5 -> "62.5" (at most 2 decimals).
[[nodiscard]] std::string FormatNumber(double value);
/// "2 g" for >= 1000 mg, else "500 mg" (a dose in mg).
[[nodiscard]] std::string FormatDoseMg(double mg);
/// "q8h", "q24h", "q48h".
[[nodiscard]] std::string FormatInterval(double hours);
/// YYYY-MM-DD of a time point (UTC).
[[nodiscard]] std::string FormatDate(std::chrono::sys_seconds time);

/// The renal function a rule judged, with its evidence.
struct RenalFunction {
  double value = 0.0;  ///< mL/min (CrCl) or mL/min/1.73 m2 (eGFR).
  std::string label;   ///< "measured CrCl (2164-2) 12 mL/min".
  Evidence evidence;
};
/// CrCl: a measured 24-h clearance (2164-2) wins, else the snapshot's estimate (a reported
/// Cockcroft-Gault 35591-7, else the computed Cockcroft-Gault). nullopt when none is known.
[[nodiscard]] std::optional<RenalFunction> CreatinineClearance(const PatientSnapshot& snapshot);
/// The latest eGFR. nullopt when none is known.
[[nodiscard]] std::optional<RenalFunction> Egfr(const PatientSnapshot& snapshot);

/// The ordered maintenance regimen.
struct OrderedDose {
  double dose_mg = 0.0;
  double interval_h = 0.0;
  [[nodiscard]] double daily_mg() const noexcept { return dose_mg * 24.0 / interval_h; }
  /// "1 g q8h (3 g/day)".
  [[nodiscard]] std::string Describe() const;
};
struct DoseRead {
  std::optional<OrderedDose> dose;
  std::string reason;  ///< Why the dose could not be read (empty when read).
  std::string path;    ///< Element path(s) read, for evidence.
};
[[nodiscard]] DoseRead ReadDose(const fhir::MedicationRequest& request);

/// The dosage instruction judged (see the file comment); nullptr when there is none.
[[nodiscard]] const fhir::Dosage* MaintenanceDosage(const fhir::MedicationRequest& request);
/// Interval between doses in hours, when the timing states one.
[[nodiscard]] std::optional<double> IntervalHours(const fhir::Dosage& dosage);
/// Infusion time of one dose in minutes, when stated (see the file comment).
[[nodiscard]] std::optional<double> InfusionMinutes(const fhir::Dosage& dosage);

/// The order's course length in days and where it was read from.
struct CourseLength {
  double days = 0.0;
  std::string path;    ///< "MedicationRequest.dosageInstruction[0].timing.repeat.boundsDuration".
  std::string source;  ///< Human-readable: "boundsDuration 14 d".
  std::optional<std::chrono::sys_seconds> start;  ///< boundsPeriod.start, when given.
};
[[nodiscard]] std::optional<CourseLength> ReadCourseLength(const fhir::MedicationRequest& request);

/// A time quantity in hours ("s", "min", "h", "d", "wk", "mo" (30 d), "a" (365 d); UCUM codes or
/// the usual words). nullopt for other units.
[[nodiscard]] std::optional<double> ToHours(double value, std::string_view unit);

/// The Severe facts as evidence values ("Severe: septic shock/sepsis condition; ICU (...)").
[[nodiscard]] std::string SevereText(const PatientSnapshot& snapshot);

}  // namespace cds::engine::rules::dosing
