#include "engine/rules/dosing/dosing_common.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

namespace cds::engine::rules::dosing {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Milligrams per unit for a mass unit; nullopt otherwise.
std::optional<double> MassFactor(const fhir::Quantity& q) {
  for (const std::string& u : {q.code, q.unit}) {
    const std::string l = Lower(u);
    if (l == "mg" || l == "milligram" || l == "milligrams") return 1.0;
    if (l == "g" || l == "gm" || l == "gram" || l == "grams") return 1000.0;
  }
  return std::nullopt;
}

bool IsMl(const fhir::Quantity& q) {
  for (const std::string& u : {q.code, q.unit}) {
    const std::string l = Lower(u);
    if (l == "ml" || l == "milliliter" || l == "milliliters") return true;
  }
  return false;
}

}  // namespace

std::string_view ResourceType(MedicationSource source) noexcept {
  switch (source) {
    case MedicationSource::kMedicationRequest:
      return "MedicationRequest";
    case MedicationSource::kMedicationStatement:
      return "MedicationStatement";
    case MedicationSource::kMedicationAdministration:
      return "MedicationAdministration";
  }
  return "MedicationRequest";
}

Evidence ActiveEvidence(const ActiveMedication& m) {
  std::string text = ConceptText(m.code);
  if (text.empty()) text = AgentName(m.medication);
  const std::string type(ResourceType(m.source));
  std::string value = "Active " + type + " (" +
                      (m.status.empty() ? std::string("status unknown") : m.status) + "): " + text;
  if (m.time && !m.time->text.empty()) value += ", " + m.time->text;
  return Evidence{type + "/" + m.resource_id, type + ".medication", value};
}

std::string FormatNumber(double v) { return FormatDecimal(v, 2, 64); }

std::string FormatDoseMg(double mg) {
  if (mg >= 1000.0) return FormatNumber(mg / 1000.0) + " g";
  return FormatNumber(mg) + " mg";
}

std::string FormatInterval(double hours) { return "q" + FormatNumber(hours) + "h"; }

std::string FormatDate(std::chrono::sys_seconds time) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(time)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<RenalFunction> CreatinineClearance(const PatientSnapshot& s) {
  if (const std::optional<LabValue>& m = s.labs.measured_crcl) {
    const std::string text = "measured CrCl (2164-2) " +
                             std::string(fhir::ToString(m->comparator)) + FormatNumber(m->value) +
                             " mL/min";
    return RenalFunction{
        m->value, text,
        Evidence{"Observation/" + m->observation_id, "Observation.valueQuantity",
                 "Measured creatinine clearance (2164-2) " +
                     std::string(fhir::ToString(m->comparator)) + FormatNumber(m->value) +
                     " mL/min, " + m->time.text + (m->preliminary ? " (preliminary)" : "")}};
  }
  if (const std::optional<EstimatedCrCl>& e = s.labs.estimated_crcl) {
    if (e->source == EstimatedCrCl::Source::kReported && e->reported) {
      const LabValue& r = *e->reported;
      return RenalFunction{
          e->ml_per_min,
          "Cockcroft-Gault CrCl (35591-7) " + FormatNumber(e->ml_per_min) + " mL/min",
          Evidence{"Observation/" + r.observation_id, "Observation.valueQuantity",
                   "Cockcroft-Gault creatinine clearance (35591-7) " + FormatNumber(r.value) +
                       " mL/min, " + r.time.text + (r.preliminary ? " (preliminary)" : "")}};
    }
    return RenalFunction{
        e->ml_per_min, "computed Cockcroft-Gault CrCl " + FormatNumber(e->ml_per_min) + " mL/min",
        Evidence{"Observation/" + e->creatinine_observation_id, "Observation.valueQuantity",
                 "Cockcroft-Gault CrCl " + FormatNumber(e->ml_per_min) +
                     " mL/min computed from serum creatinine " + FormatNumber(e->creatinine_mg_dl) +
                     " mg/dL, weight " + FormatNumber(e->weight_kg) + " kg (Observation/" +
                     e->weight_observation_id + "), age " + std::to_string(e->age_years) + ", " +
                     (e->female ? "female" : "male")}};
  }
  return std::nullopt;
}

std::optional<RenalFunction> Egfr(const PatientSnapshot& s) {
  const std::optional<LabValue>& g = s.labs.egfr;
  if (!g) return std::nullopt;
  const std::string value =
      std::string(fhir::ToString(g->comparator)) + FormatNumber(g->value) + " mL/min/1.73 m2";
  return RenalFunction{
      g->value, "eGFR " + value,
      Evidence{"Observation/" + g->observation_id, "Observation.valueQuantity",
               "eGFR " + value + ", " + g->time.text + (g->preliminary ? " (preliminary)" : "")}};
}

std::string OrderedDose::Describe() const {
  return FormatDoseMg(dose_mg) + " " + FormatInterval(interval_h) + " (" +
         FormatDoseMg(daily_mg()) + "/day)";
}

std::optional<double> ToHours(double value, std::string_view unit) {
  const std::string u = Lower(unit);
  if (u == "s" || u == "sec" || u == "second" || u == "seconds") return value / 3600.0;
  if (u == "min" || u == "minute" || u == "minutes") return value / 60.0;
  if (u == "h" || u == "hr" || u == "hour" || u == "hours") return value;
  if (u == "d" || u == "day" || u == "days") return value * 24.0;
  if (u == "wk" || u == "week" || u == "weeks") return value * 24.0 * 7.0;
  if (u == "mo" || u == "month" || u == "months") return value * 24.0 * 30.0;
  if (u == "a" || u == "year" || u == "years") return value * 24.0 * 365.0;
  return std::nullopt;
}

const fhir::Dosage* MaintenanceDosage(const fhir::MedicationRequest& request) {
  const fhir::Dosage* best = nullptr;
  for (const fhir::Dosage& d : request.dosage_instruction) {
    if (best == nullptr || d.sequence.value_or(0) >= best->sequence.value_or(0)) best = &d;
  }
  return best;
}

std::optional<double> IntervalHours(const fhir::Dosage& dosage) {
  if (!dosage.timing) return std::nullopt;
  if (const std::optional<fhir::TimingRepeat>& r = dosage.timing->repeat; r && r->period) {
    const std::optional<double> period = ToHours(*r->period, r->period_unit);
    const int frequency = r->frequency.value_or(1);
    if (period && *period > 0 && frequency > 0) return *period / frequency;
  }
  for (const fhir::Coding& c : dosage.timing->code.coding) {
    const std::string code = Lower(c.code);
    if (code == "qd") return 24.0;
    if (code == "bid") return 12.0;
    if (code == "tid") return 8.0;
    if (code == "qid") return 6.0;
    if (code.size() >= 3 && code.front() == 'q' && code.back() == 'h') {
      const std::string digits = code.substr(1, code.size() - 2);
      if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char ch) {
            return std::isdigit(static_cast<unsigned char>(ch));
          })) {
        const double h = std::stod(digits);
        if (h > 0) return h;
      }
    }
  }
  return std::nullopt;
}

DoseRead ReadDose(const fhir::MedicationRequest& request) {
  DoseRead out;
  const fhir::Dosage* dosage = MaintenanceDosage(request);
  if (dosage == nullptr) {
    out.reason = "the order has no dosageInstruction";
    return out;
  }
  if (dosage->dose_and_rate.empty()) {
    out.reason = "the order states no doseAndRate.doseQuantity";
    return out;
  }
  const fhir::DoseAndRate& dr = dosage->dose_and_rate.front();
  if (!dr.dose_quantity || !dr.dose_quantity->has_value) {
    out.reason = dr.dose_range ? "the dose is a range (doseRange)"
                               : "the order states no doseAndRate.doseQuantity";
    return out;
  }
  const std::optional<double> factor = MassFactor(*dr.dose_quantity);
  if (!factor) {
    const std::string unit =
        dr.dose_quantity->code.empty() ? dr.dose_quantity->unit : dr.dose_quantity->code;
    out.reason = "the dose unit '" + unit + "' is not mg or g";
    return out;
  }
  const std::optional<double> interval = IntervalHours(*dosage);
  if (!interval) {
    out.reason = "the order states no dosing interval (timing.repeat frequency/period or code)";
    return out;
  }
  out.dose = OrderedDose{dr.dose_quantity->value * *factor, *interval};
  out.path =
      "MedicationRequest.dosageInstruction.doseAndRate.doseQuantity, "
      "MedicationRequest.dosageInstruction.timing";
  return out;
}

std::optional<double> InfusionMinutes(const fhir::Dosage& dosage) {
  if (dosage.timing && dosage.timing->repeat && dosage.timing->repeat->duration) {
    const fhir::TimingRepeat& r = *dosage.timing->repeat;
    if (const std::optional<double> h = ToHours(*r.duration, r.duration_unit)) return *h * 60.0;
  }
  if (dosage.dose_and_rate.empty()) return std::nullopt;
  const fhir::DoseAndRate& dr = dosage.dose_and_rate.front();
  if (!dr.dose_quantity || !dr.dose_quantity->has_value) return std::nullopt;
  const fhir::Quantity& dose = *dr.dose_quantity;
  // rateQuantity: "mL/h", "mg/h", "g/h", "mL/min"...
  if (dr.rate_quantity && dr.rate_quantity->has_value && dr.rate_quantity->value > 0) {
    const std::string unit =
        Lower(dr.rate_quantity->code.empty() ? dr.rate_quantity->unit : dr.rate_quantity->code);
    const std::size_t slash = unit.find('/');
    if (slash != std::string::npos) {
      fhir::Quantity numerator;
      numerator.unit = unit.substr(0, slash);
      const std::optional<double> per = ToHours(1.0, unit.substr(slash + 1));
      if (per) {
        double amount = 0.0;
        double rate = dr.rate_quantity->value;
        if (IsMl(dose) && IsMl(numerator)) {
          amount = dose.value;
        } else if (MassFactor(dose) && MassFactor(numerator)) {
          amount = dose.value * *MassFactor(dose);
          rate *= *MassFactor(numerator);
        } else {
          return std::nullopt;
        }
        return amount / rate * *per * 60.0;
      }
    }
  }
  if (dr.rate_ratio && dr.rate_ratio->numerator && dr.rate_ratio->denominator &&
      dr.rate_ratio->numerator->has_value && dr.rate_ratio->denominator->has_value &&
      dr.rate_ratio->numerator->value > 0) {
    const fhir::Quantity& num = *dr.rate_ratio->numerator;
    const fhir::Quantity& den = *dr.rate_ratio->denominator;
    const std::optional<double> per = ToHours(den.value, den.code.empty() ? den.unit : den.code);
    if (!per) return std::nullopt;
    double amount = 0.0;
    double rate = num.value;
    if (IsMl(dose) && IsMl(num)) {
      amount = dose.value;
    } else if (MassFactor(dose) && MassFactor(num)) {
      amount = dose.value * *MassFactor(dose);
      rate *= *MassFactor(num);
    } else {
      return std::nullopt;
    }
    return amount / rate * *per * 60.0;
  }
  return std::nullopt;
}

std::optional<CourseLength> ReadCourseLength(const fhir::MedicationRequest& request) {
  const fhir::Dosage* dosage = MaintenanceDosage(request);
  if (dosage != nullptr && dosage->timing && dosage->timing->repeat) {
    const fhir::TimingRepeat& r = *dosage->timing->repeat;
    const std::string base = "MedicationRequest.dosageInstruction.timing.repeat.";
    if (r.bounds_duration && r.bounds_duration->has_value) {
      const fhir::Quantity& q = *r.bounds_duration;
      const std::string unit = q.code.empty() ? q.unit : q.code;
      if (const std::optional<double> h = ToHours(q.value, unit)) {
        return CourseLength{*h / 24.0, base + "boundsDuration",
                            "boundsDuration " + FormatNumber(q.value) + " " + unit, std::nullopt};
      }
    }
    if (r.bounds_period && r.bounds_period->start && r.bounds_period->end) {
      const auto start = r.bounds_period->start->start;
      const auto end = r.bounds_period->end->start;
      if (end > start) {
        const double days = static_cast<double>((end - start).count()) / 86400.0;
        return CourseLength{
            days, base + "boundsPeriod",
            "boundsPeriod " + r.bounds_period->start->text + " to " + r.bounds_period->end->text,
            start};
      }
    }
    if (r.count && *r.count > 0) {
      if (const std::optional<double> interval = IntervalHours(*dosage)) {
        return CourseLength{
            *r.count * *interval / 24.0, base + "count",
            "count " + std::to_string(*r.count) + " doses " + FormatInterval(*interval),
            std::nullopt};
      }
    }
  }
  if (request.dispense_request && request.dispense_request->expected_supply_duration &&
      request.dispense_request->expected_supply_duration->has_value) {
    const fhir::Quantity& q = *request.dispense_request->expected_supply_duration;
    const std::string unit = q.code.empty() ? q.unit : q.code;
    if (const std::optional<double> h = ToHours(q.value, unit)) {
      return CourseLength{*h / 24.0, "MedicationRequest.dispenseRequest.expectedSupplyDuration",
                          "expectedSupplyDuration " + FormatNumber(q.value) + " " + unit,
                          std::nullopt};
    }
  }
  return std::nullopt;
}

std::string SevereText(const PatientSnapshot& s) {
  std::string out;
  auto add = [&out](std::string_view part) {
    if (!out.empty()) out += "; ";
    out += part;
  };
  if (s.severity.sepsis_or_septic_shock) add("sepsis/septic shock condition");
  if (s.severity.positive_blood_culture) add("positive blood culture");
  if (s.severity.hap_or_vap) add("HAP/VAP");
  if (s.severity.icu)
    add("ICU" + (s.icu.evidence.empty() ? std::string() : " (" + s.icu.evidence + ")"));
  return "Severe: " + out;
}

}  // namespace cds::engine::rules::dosing
