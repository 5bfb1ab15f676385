#include "engine/rules/resistance/products_resistance.hpp"

#include <string>
#include <utility>

#include "engine/rules/products.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules::resistance {
namespace {

ProposedMedication Iv(std::vector<Agent> agents, std::string code, std::string display,
                      std::string text, double dose, std::string unit, double period_h,
                      double infusion_h, std::string dosage_text) {
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
  m.infusion_duration = infusion_h;
  m.infusion_duration_unit = "h";
  m.dosage_text = std::move(dosage_text);
  return m;
}

Recommendation Rec(std::string label, std::string text, std::vector<ProposedMedication> meds) {
  Recommendation r;
  r.label = std::move(label);
  r.text = std::move(text);
  r.medications = std::move(meds);
  return r;
}

}  // namespace

ProposedMedication AztreonamExtendedInfusion() {
  return Iv({Agent::kAztreonam}, "1272", "Aztreonam", "aztreonam 2 g injection", 2, "g", 8, 3,
            "2 g IV every 8 h, each dose infused over 3 h, given simultaneously (Y-site) with "
            "ceftazidime-avibactam");
}

ProposedMedication CefiderocolForCrCl(const PatientSnapshot& s) {
  ProposedMedication m = Cefiderocol();
  const std::optional<double> crcl = CrClMlMin(s);
  if (crcl && *crcl >= 120) {
    m.period = 6;
    m.dosage_text = "2 g IV every 6 h (CrCl >= 120 mL/min), each dose infused over 3 h";
  }
  return m;
}

ProposedMedication CeftolozaneTazobactamHighDose() {
  return Iv({Agent::kCeftolozaneTazobactam}, "1597614", "ceftolozane / tazobactam",
            "ceftolozane-tazobactam 3 g (2 g / 1 g) injection", 3, "g", 8, 3,
            "3 g IV every 8 h, each dose infused over 3 h (cystitis: 1.5 g every 8 h over 1 h)");
}

ProposedMedication AztreonamAvibactam() {
  return Iv({Agent::kAztreonamAvibactam}, "", "", "aztreonam-avibactam injection", 2, "g", 6, 3,
            "2.67 g IV loading dose, then 2 g IV every 6 h, each dose infused over 3 h");
}

ProposedMedication AmpicillinSulbactamHighDose() {
  return Iv({Agent::kAmpicillinSulbactam}, "1009148", "ampicillin / sulbactam",
            "ampicillin-sulbactam 9 g (6 g / 3 g)", 9, "g", 8, 4,
            "9 g IV every 8 h, each dose infused over 4 h (9 g sulbactam per day)");
}

std::vector<Recommendation> CreRecommendations(const PatientSnapshot& s, bool mbl, bool oxa48) {
  if (mbl) {
    return MovedVector<Recommendation>(
        Rec("Switch to ceftazidime-avibactam + aztreonam",
            "Metallo-beta-lactamase (NDM/VIM/IMP) detected (see R06): ceftazidime-avibactam "
            "2.5 g IV q8h + aztreonam 2 g IV q8h, both infused over 3 h and given "
            "simultaneously (Y-site).",
            MovedVector<ProposedMedication>(CeftazidimeAvibactam(), AztreonamExtendedInfusion())),
        Rec("Switch to cefiderocol",
            "Metallo-beta-lactamase detected: cefiderocol 2 g IV q8h over 3 h (q6h if CrCl "
            ">= 120 mL/min).",
            MovedVector<ProposedMedication>(CefiderocolForCrCl(s))));
  }
  if (oxa48) {
    return MovedVector<Recommendation>(
        Rec("Switch to ceftazidime-avibactam",
            "OXA-48-like carbapenemase detected (see R07): ceftazidime-avibactam 2.5 g IV q8h "
            "over 3 h is preferred; vaborbactam and relebactam do not inhibit OXA-48.",
            MovedVector<ProposedMedication>(CeftazidimeAvibactam())),
        Rec("Switch to cefiderocol",
            "Alternative for OXA-48-like producers: cefiderocol 2 g IV q8h over 3 h (q6h if "
            "CrCl >= 120 mL/min).",
            MovedVector<ProposedMedication>(CefiderocolForCrCl(s))));
  }
  return MovedVector<Recommendation>(
      Rec("Switch to ceftazidime-avibactam",
          "KPC or mechanism unknown: ceftazidime-avibactam 2.5 g IV q8h, each dose infused "
          "over 3 h.",
          MovedVector<ProposedMedication>(CeftazidimeAvibactam())),
      Rec("Switch to meropenem-vaborbactam",
          "KPC or mechanism unknown: meropenem-vaborbactam 4 g IV q8h, each dose infused over "
          "3 h.",
          MovedVector<ProposedMedication>(MeropenemVaborbactam())),
      Rec("Switch to imipenem-cilastatin-relebactam",
          "KPC or mechanism unknown: imipenem-cilastatin-relebactam 1.25 g IV q6h, each dose "
          "infused over 30 min (no verified RxNorm code: the order is created from text).",
          MovedVector<ProposedMedication>(ImipenemRelebactam())));
}

}  // namespace cds::engine::rules::resistance
