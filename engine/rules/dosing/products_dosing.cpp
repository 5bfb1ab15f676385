#include "engine/rules/dosing/products_dosing.hpp"

#include "engine/rules/dosing/dosing_common.hpp"

namespace cds::engine::rules::dosing {
namespace {

ProposedMedication Make(Agent agent, std::string code, std::string display, std::string text,
                        double dose, std::string unit, Route route, double period_h,
                        std::optional<double> infusion, std::string infusion_unit,
                        std::string dosage_text) {
  ProposedMedication m;
  m.agents = {agent};
  m.rxnorm_code = std::move(code);
  m.rxnorm_display = std::move(display);
  m.text = std::move(text);
  m.dose_value = dose;
  m.dose_unit = std::move(unit);
  m.route = route;
  m.period = period_h;
  m.period_unit = "h";
  m.infusion_duration = infusion;
  if (infusion) m.infusion_duration_unit = std::move(infusion_unit);
  m.dosage_text = std::move(dosage_text);
  return m;
}

}  // namespace

ProposedMedication Meropenem(double dose_mg, double interval_h) {
  const bool grams = dose_mg >= 1000.0;
  return Make(Agent::kMeropenem, "1722939", "meropenem 1000 MG Injection",
              "meropenem 1000 MG Injection", grams ? dose_mg / 1000.0 : dose_mg, grams ? "g" : "mg",
              Route::kIntravenous, interval_h, 30.0, "min",
              FormatDoseMg(dose_mg) + " IV every " + FormatNumber(interval_h) +
                  " h, each dose infused over 30 min");
}

ProposedMedication ImipenemExtendedInfusion() {
  return Make(Agent::kImipenemCilastatin, "1726214",
              "imipenem 500 MG / cilastatin 500 MG Injection",
              "imipenem 500 MG / cilastatin 500 MG Injection", 500, "mg", Route::kIntravenous, 6,
              3.0, "h", "500 mg IV every 6 h, each dose infused over 3 h");
}

ProposedMedication Ceftriaxone2g() {
  return Make(Agent::kCeftriaxone, "1665046", "ceftriaxone 2000 MG Injection",
              "ceftriaxone 2000 MG Injection", 2, "g", Route::kIntravenous, 24, 30.0, "min",
              "2 g IV every 24 h");
}

ProposedMedication CefepimeExtendedInfusion() {
  return Make(Agent::kCefepime, "1665088", "cefepime 2000 MG Injection",
              "cefepime 2000 MG Injection", 2, "g", Route::kIntravenous, 8, 3.0, "h",
              "2 g IV every 8 h, each dose infused over 3 h");
}

ProposedMedication TmpSmx() {
  return Make(Agent::kTrimethoprimSulfamethoxazole, "", "",
              "trimethoprim-sulfamethoxazole 160 mg / 800 mg (double-strength) tablet", 160, "mg",
              Route::kOral, 12, std::nullopt, "",
              "1 double-strength tablet (trimethoprim 160 mg) by mouth every 12 h");
}

ProposedMedication Ciprofloxacin() {
  return Make(Agent::kCiprofloxacin, "", "", "ciprofloxacin 500 mg tablet", 500, "mg", Route::kOral,
              12, std::nullopt, "", "500 mg by mouth every 12 h");
}

ProposedMedication Levofloxacin() {
  return Make(Agent::kLevofloxacin, "", "", "levofloxacin 750 mg tablet", 750, "mg", Route::kOral,
              24, std::nullopt, "", "750 mg by mouth every 24 h");
}

}  // namespace cds::engine::rules::dosing
