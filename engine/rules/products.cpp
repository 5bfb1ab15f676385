#include "engine/rules/products.hpp"

namespace cds::engine::rules {
namespace {

ProposedMedication Iv(std::vector<Agent> agents, std::string code, std::string display,
                      std::string text, double dose, std::string unit, double period_h,
                      double infusion, std::string infusion_unit, std::string dosage_text) {
  ProposedMedication m;
  m.agents = std::move(agents);
  m.rxnorm_code = std::move(code);
  m.rxnorm_display = std::move(display);
  m.text = std::move(text);
  m.dose_value = dose;
  m.dose_unit = std::move(unit);
  m.route = Route::kIntravenous;
  m.period = period_h;
  m.period_unit = "h";
  m.infusion_duration = infusion;
  m.infusion_duration_unit = std::move(infusion_unit);
  m.dosage_text = std::move(dosage_text);
  return m;
}

}  // namespace

ProposedMedication MeropenemExtendedInfusion() {
  return Iv({Agent::kMeropenem}, "1722939", "meropenem 1000 MG Injection",
            "meropenem 1000 MG Injection", 2, "g", 8, 3, "h",
            "2 g IV every 8 h, each dose infused over 3 h");
}

ProposedMedication CeftazidimeAvibactam() {
  return Iv({Agent::kCeftazidimeAvibactam}, "1603839", "avibactam / ceftazidime",
            "ceftazidime-avibactam 2.5 g (2 g / 0.5 g) injection", 2.5, "g", 8, 3, "h",
            "2.5 g IV every 8 h, each dose infused over 3 h");
}

ProposedMedication MeropenemVaborbactam() {
  return Iv({Agent::kMeropenemVaborbactam}, "1945217", "meropenem / vaborbactam",
            "meropenem-vaborbactam 4 g (2 g / 2 g) injection", 4, "g", 8, 3, "h",
            "4 g IV every 8 h, each dose infused over 3 h");
}

ProposedMedication ImipenemRelebactam() {
  return Iv({Agent::kImipenemCilastatinRelebactam}, "", "",
            "imipenem-cilastatin-relebactam 1.25 g injection", 1.25, "g", 6, 30, "min",
            "1.25 g IV every 6 h, each dose infused over 30 min");
}

ProposedMedication Cefiderocol() {
  return Iv({Agent::kCefiderocol}, "2265706", "cefiderocol 1000 MG Injection",
            "cefiderocol 1000 MG Injection", 2, "g", 8, 3, "h",
            "2 g IV every 8 h, each dose infused over 3 h");
}

ProposedMedication SulbactamDurlobactam() {
  return Iv({Agent::kSulbactamDurlobactam}, "2665012",
            "durlobactam 1000 MG / sulbactam 1000 MG Injection",
            "durlobactam 1000 MG / sulbactam 1000 MG Injection", 2, "g", 6, 3, "h",
            "2 g (sulbactam 1 g + durlobactam 1 g) IV every 6 h, each dose infused over 3 h");
}

ProposedMedication ImipenemCilastatin500() {
  ProposedMedication m =
      Iv({Agent::kImipenemCilastatin}, "1726214", "imipenem 500 MG / cilastatin 500 MG Injection",
         "imipenem 500 MG / cilastatin 500 MG Injection", 500, "mg", 6, 30, "min",
         "500 mg IV every 6 h");
  m.infusion_duration.reset();
  m.infusion_duration_unit.clear();
  return m;
}

}  // namespace cds::engine::rules
