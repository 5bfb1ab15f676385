#include "engine/rules/site/products_site.hpp"

#include <string>

#include "engine/rules/site/site_common.hpp"

namespace cds::engine::rules::site {
namespace {

ProposedMedication Meropenem(double dose, const std::string& unit, double period_h,
                             std::string dosage_text) {
  ProposedMedication m;
  m.agents = {Agent::kMeropenem};
  m.rxnorm_code = "1722939";
  m.rxnorm_display = "meropenem 1000 MG Injection";
  m.text = "meropenem 1000 MG Injection";
  m.dose_value = dose;
  m.dose_unit = unit;
  m.route = Route::kIntravenous;
  m.period = period_h;
  m.period_unit = "h";
  m.dosage_text = std::move(dosage_text);
  return m;
}

// The R10 meropenem band for `crcl`: dose factor and interval.
struct Band {
  double factor = 1.0;
  double period_h = 8;
};
Band MeropenemBand(std::optional<double> crcl) {
  if (!crcl || *crcl > 50) return {1.0, 8};
  if (*crcl >= 26) return {1.0, 12};
  if (*crcl >= 10) return {0.5, 12};
  return {0.5, 24};
}

std::string GramText(double g) {
  return g < 1 ? FormatNumber(g * 1000) + " mg" : FormatNumber(g) + " g";
}

ProposedMedication MeropenemBanded(double usual_g, std::optional<double> crcl,
                                   const std::string& why) {
  const Band band = MeropenemBand(crcl);
  const double g = usual_g * band.factor;
  std::string text = GramText(g) + " IV every " + FormatNumber(band.period_h) + " h";
  if (crcl && *crcl <= 50) text += " (adjusted for CrCl " + FormatNumber(*crcl) + " mL/min)";
  text += why;
  if (g < 1) return Meropenem(g * 1000, "mg", band.period_h, text);
  return Meropenem(g, "g", band.period_h, text);
}

}  // namespace

ProposedMedication Cefepime2gExtended() {
  ProposedMedication m;
  m.agents = {Agent::kCefepime};
  m.rxnorm_code = "1665088";
  m.rxnorm_display = "cefepime 2000 MG Injection";
  m.text = "cefepime 2000 MG Injection";
  m.dose_value = 2;
  m.dose_unit = "g";
  m.route = Route::kIntravenous;
  m.period = 8;
  m.period_unit = "h";
  m.infusion_duration = 3;
  m.infusion_duration_unit = "h";
  m.dosage_text = "2 g IV every 8 h, each dose infused over 3 h";
  return m;
}

ProposedMedication MeropenemDose(double dose_g, double period_h) {
  return Meropenem(dose_g, "g", period_h,
                   GramText(dose_g) + " IV every " + FormatNumber(period_h) + " h");
}

ProposedMedication MeropenemMeningitis(std::optional<double> crcl) {
  return MeropenemBanded(2, crcl, " (meningitis dose)");
}

ProposedMedication MeropenemMeningitisPediatric() {
  return Meropenem(40, "mg/kg", 8,
                   "40 mg/kg IV every 8 h, maximum 2 g per dose (pediatric meningitis dose)");
}

ProposedMedication MeropenemRenal(std::optional<double> crcl) {
  return MeropenemBanded(1, crcl, "");
}

}  // namespace cds::engine::rules::site
