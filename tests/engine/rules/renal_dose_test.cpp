#include "engine/rules/dosing/renal_dose.hpp"

#include <gtest/gtest.h>

#include "tests/engine/rules/dosing_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace dosing_test;  // NOLINT(google-build-using-namespace): test fixtures

ProposedMedication Iv(Agent agent, std::string code, std::string display, std::string text,
                      double dose, std::string unit, double period, double infusion,
                      std::string infusion_unit, std::string dosage_text) {
  ProposedMedication m;
  m.agents = {agent};
  m.rxnorm_code = std::move(code);
  m.rxnorm_display = std::move(display);
  m.text = std::move(text);
  m.dose_value = dose;
  m.dose_unit = std::move(unit);
  m.route = Route::kIntravenous;
  m.period = period;
  m.period_unit = "h";
  m.infusion_duration = infusion;
  m.infusion_duration_unit = std::move(infusion_unit);
  m.dosage_text = std::move(dosage_text);
  return m;
}

Finding Fire(const std::string& id, const std::string& text, const std::string& drug,
             const std::string& target, const std::string& renal_label, Evidence renal,
             const std::string& dose_evidence, const std::string& label,
             const std::string& rec_text, ProposedMedication med) {
  Recommendation r;
  r.label = label;
  r.text = rec_text;
  r.medications = {std::move(med)};
  return Expected(
      RenalDoseMeta(), {Ref(id, text)},
      {drug, "dose above the renal-adjusted dose (" + target + ")", "", renal_label},
      {DraftEv(id, text),
       std::move(renal),
       {"MedicationRequest/" + id, "MedicationRequest.dosageInstruction", dose_evidence}},
      {r});
}

PatientSnapshot One(DraftOrder d, std::optional<double> crcl) {
  PatientSnapshot s = Base();
  s.draft_orders = {std::move(d)};
  if (crcl) s.labs.estimated_crcl = ReportedCrCl(*crcl);
  return s;
}

class RenalDoseTest : public ::testing::TestWithParam<Case> {};
TEST_P(RenalDoseTest, Table) { CheckCase(GetParam(), RenalDoseMeta(), &EvaluateRenalDose); }

INSTANTIATE_TEST_SUITE_P(
    R10, RenalDoseTest,
    ::testing::Values(
        Case{"meropenem 1 g q8h at CrCl 40 -> 1 g q12h",
             [] { return One(Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 8), 40); },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{Fire(
                   "m", "Merrem 1 g", "meropenem", "1 g q12h (2 g/day)",
                   "Cockcroft-Gault CrCl (35591-7) 40 mL/min", ReportedCrClEvidence("40"),
                   "Ordered 1 g q8h (3 g/day); label dose for CrCl 26-50 mL/min: usual dose q12h "
                   "-> 1 g q12h (2 g/day)",
                   "Change to meropenem 1 g q12h",
                   "Ordered 1 g q8h (3 g/day). Renal-adjusted label dose (CrCl 26-50 mL/min: "
                   "usual dose q12h): 1 g q12h (2 g/day).",
                   Iv(Agent::kMeropenem, "1722939", "meropenem 1000 MG Injection",
                      "meropenem 1000 MG Injection", 1, "g", 12, 30, "min",
                      "1 g IV every 12 h, each dose infused over 30 min"))};
             }},
        Case{"meropenem 1 g q8h at CrCl 20 -> half dose 500 mg q12h",
             [] { return One(Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 8), 20); },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{Fire(
                   "m", "Merrem 1 g", "meropenem", "500 mg q12h (1 g/day)",
                   "Cockcroft-Gault CrCl (35591-7) 20 mL/min", ReportedCrClEvidence("20"),
                   "Ordered 1 g q8h (3 g/day); label dose for CrCl 10-25 mL/min: half the usual "
                   "dose q12h -> 500 mg q12h (1 g/day)",
                   "Change to meropenem 500 mg q12h",
                   "Ordered 1 g q8h (3 g/day). Renal-adjusted label dose (CrCl 10-25 mL/min: half "
                   "the usual dose q12h): 500 mg q12h (1 g/day).",
                   Iv(Agent::kMeropenem, "1722939", "meropenem 1000 MG Injection",
                      "meropenem 1000 MG Injection", 500, "mg", 12, 30, "min",
                      "500 mg IV every 12 h, each dose infused over 30 min"))};
             }},
        Case{"imipenem 500 mg q6h at CrCl 45 -> 300 mg q6h",
             [] {
               return One(Dosed(Draft("i", "Primaxin 500 mg", ImipenemClass()), 500, "mg", 6), 45);
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{Fire(
                   "i", "Primaxin 500 mg", "imipenem-cilastatin", "300 mg q6h (1.2 g/day)",
                   "Cockcroft-Gault CrCl (35591-7) 45 mL/min", ReportedCrClEvidence("45"),
                   "Ordered 500 mg q6h (2 g/day); label dose for CrCl 30-<60 mL/min: 300 mg q6h "
                   "or 500 mg q8h -> 300 mg q6h (1.2 g/day)",
                   "Change to imipenem-cilastatin 300 mg q6h",
                   "Ordered 500 mg q6h (2 g/day). Renal-adjusted label dose (CrCl 30-<60 mL/min: "
                   "300 mg q6h or 500 mg q8h): 300 mg q6h (1.2 g/day).",
                   Iv(Agent::kImipenemCilastatin, "1726214",
                      "imipenem 500 MG / cilastatin 500 MG Injection",
                      "imipenem 500 MG / cilastatin 500 MG Injection", 300, "mg", 6, 30, "min",
                      "300 mg IV every 6 h, each dose infused over 30 min"))};
             }},
        Case{
            "CZA 2.5 g q8h over 2 h at CrCl 20 -> 0.94 g q12h",
            [] { return One(Dosed(Draft("c", "Avycaz 2.5 g", CzaClass()), 2.5, "g", 8, 120), 20); },
            RuleOutcome::Kind::kFired,
            [] {
              return std::vector<Finding>{Fire(
                  "c", "Avycaz 2.5 g", "ceftazidime-avibactam", "940 mg q12h (1.88 g/day)",
                  "Cockcroft-Gault CrCl (35591-7) 20 mL/min", ReportedCrClEvidence("20"),
                  "Ordered 2.5 g q8h (7.5 g/day); label dose for CrCl 16-30 mL/min: 0.94 g q12h "
                  "-> 940 mg q12h (1.88 g/day)",
                  "Change to ceftazidime-avibactam 940 mg q12h",
                  "Ordered 2.5 g q8h (7.5 g/day). Renal-adjusted label dose (CrCl 16-30 mL/min: "
                  "0.94 g q12h): 940 mg q12h (1.88 g/day).",
                  Iv(Agent::kCeftazidimeAvibactam, "1603839", "avibactam / ceftazidime",
                     "ceftazidime-avibactam injection", 940, "mg", 12, 2, "h",
                     "940 mg IV every 12 h, each dose infused over 2 h"))};
            }},
        Case{"meropenem 1 g q12h at CrCl 40 is adjusted already",
             [] { return One(Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 12), 40); },
             RuleOutcome::Kind::kNotFired},
        Case{"meropenem 2 g q8h at CrCl 80 (normal band) is silent",
             [] { return One(Dosed(Draft("m", "Merrem 2 g", MeropenemClass()), 2, "g", 8), 80); },
             RuleOutcome::Kind::kNotFired},
        Case{"C/T 1.5 g q8h at CrCl 40 with HAP/VAP is the HABP/VABP dose",
             [] {
               PatientSnapshot s =
                   One(Dosed(Draft("t", "Zerbaxa 1.5 g", CtClass()), 1.5, "g", 8), 40);
               s.severity.hap_or_vap = true;
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"imipenem 500 mg q8h at CrCl 45 is an option of the band",
             [] {
               return One(Dosed(Draft("i", "Primaxin 500 mg", ImipenemClass()), 500, "mg", 8), 45);
             },
             RuleOutcome::Kind::kNotFired},
        Case{"no CrCl: not applicable",
             [] {
               return One(Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 8),
                          std::nullopt);
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"dose in vials is unreadable: not applicable",
             [] { return One(Dosed(Draft("m", "Merrem", MeropenemClass()), 1, "vial", 8), 20); },
             RuleOutcome::Kind::kNotApplicable},
        Case{"no dosage at all: not applicable",
             [] { return One(Draft("m", "Merrem", MeropenemClass()), 20); },
             RuleOutcome::Kind::kNotApplicable},
        Case{
            "cefiderocol below CrCl 120: bands UNVERIFIED, not applicable",
            [] { return One(Dosed(Draft("f", "Fetroja 2 g", CefiderocolClass()), 2, "g", 8), 60); },
            RuleOutcome::Kind::kNotApplicable},
        Case{"no drug of the table: not applicable",
             [] { return One(Dosed(Draft("v", "vancomycin", VancomycinClass()), 1, "g", 12), 20); },
             RuleOutcome::Kind::kNotApplicable}),
    CaseName);

TEST(RenalDoseTest, NotApplicableReasonNamesTheUnreadableDose) {
  const PatientSnapshot s = One(Dosed(Draft("m", "Merrem", MeropenemClass()), 1, "vial", 8), 20);
  const RuleOutcome out = EvaluateRenalDose(s, RuleContext{.now = kNow});
  EXPECT_EQ(out.reason(), "dose not judged: m: the dose unit 'vial' is not mg or g");
}

TEST(RenalDoseTest, MevUsesEgfrAndTheDialysisBand) {
  PatientSnapshot s = One(Dosed(Draft("v", "Vabomere 4 g", MevClass()), 4, "g", 8), 90);
  s.labs.egfr = Lab("gfr", 35, "mL/min/{1.73_m2}");
  RuleOutcome out = EvaluateRenalDose(s, RuleContext{.now = kNow});
  ASSERT_EQ(out.findings().size(), 1u);
  EXPECT_EQ(out.findings()[0].problem.problem,
            "dose above the renal-adjusted dose (2 g q8h (6 g/day))");
  s.dialysis = true;
  out = EvaluateRenalDose(s, RuleContext{.now = kNow});
  ASSERT_EQ(out.findings().size(), 1u);
  EXPECT_EQ(out.findings()[0].problem.problem,
            "dose above the renal-adjusted dose (1 g q12h (2 g/day))");
}

TEST(RenalDoseTest, TimingCodeQ8hIsReadAndLoadingDoseIgnored) {
  DraftOrder d = Draft("e", "Invanz 1 g", ErtapenemClass());
  d = Dosed(std::move(d), 1, "g", 24);
  d.request.dosage_instruction[0].sequence = 2;
  fhir::Dosage load;
  load.sequence = 1;
  fhir::DoseAndRate dr;
  dr.dose_quantity = Qty(2, "g");
  load.dose_and_rate.push_back(dr);
  fhir::Coding q8h;
  q8h.code = "Q8H";
  load.timing = fhir::Timing{};
  load.timing->code.coding.push_back(q8h);
  d.request.dosage_instruction.insert(d.request.dosage_instruction.begin(), load);
  const RuleOutcome out = EvaluateRenalDose(One(d, 25), RuleContext{.now = kNow});
  ASSERT_EQ(out.findings().size(), 1u);
  EXPECT_EQ(out.findings()[0].recommendations[0].label, "Change to ertapenem 500 mg q24h");
}

}  // namespace
}  // namespace cds::engine::rules
