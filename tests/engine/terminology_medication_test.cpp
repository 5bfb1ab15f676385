// Table test of medication classification (issue 3: "at least 80 medication codes/strings").
#include "engine/terminology/terminology.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cds::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

const Terminology& Term() {
  static const Terminology* const kTerm = [] {
    LoadResult result =
        Terminology::Load(std::filesystem::path(CDS_SOURCE_DIR) / "engine" / "terminology");
    if (!result.ok()) {
      ADD_FAILURE() << result.error().ToString();
      std::abort();
    }
    return new Terminology(std::move(result).value());
  }();
  return *kTerm;
}

fhir::CodeableConcept Text(std::string text) {
  fhir::CodeableConcept cc;
  cc.text = std::move(text);
  return cc;
}

fhir::CodeableConcept Code(std::string_view system, std::string code, std::string display = "") {
  fhir::CodeableConcept cc;
  cc.coding.push_back(fhir::Coding{std::string(system), "", std::move(code), std::move(display)});
  return cc;
}

fhir::CodeableConcept RxNorm(std::string code, std::string display = "") {
  return Code(kRxNormSystem, std::move(code), std::move(display));
}

struct Case {
  std::string note;
  fhir::CodeableConcept input;
  std::vector<Agent> agents;          // expected agents exactly (empty = unknown)
  std::vector<DrugClass> has;         // classes that must be present
  std::vector<DrugClass> lacks = {};  // classes that must be absent
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.note; }

using DC = DrugClass;
using A = Agent;

std::vector<Case> Cases() {
  return {
      // --- Carbapenems: generic, brand, case, glued dose, codes.
      {"meropenem text", Text("meropenem 1 g IV q8h"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"MEROPENEM upper case", Text("MEROPENEM"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"meropenem1g glued dose", Text("meropenem1g IV"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"Merrem brand no coding", Text("Merrem 1 g IV q8h"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"meropenem IN 29561", RxNorm("29561"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"meropenem SCD 1722939", RxNorm("1722939"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"meropenem 2 g SCD 2664894", RxNorm("2664894"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"meropenem ATC", Code(kAtcSystem, "J01DH02"), {A::kMeropenem}, {DC::kCarbapenem}},
      {"unverified 1722934 alone is not enough", RxNorm("1722934"), {}, {}},
      {"unverified 1722934 confirmed by display",
       RxNorm("1722934", "meropenem 500 MG Injection"),
       {A::kMeropenem},
       {DC::kCarbapenem}},
      {"imipenem text means imipenem-cilastatin",
       Text("imipenem 500 mg IV q6h"),
       {A::kImipenemCilastatin},
       {DC::kCarbapenem}},
      {"imipenem-cilastatin text",
       Text("Imipenem-Cilastatin 500 mg"),
       {A::kImipenemCilastatin},
       {DC::kCarbapenem}},
      {"Primaxin brand", Text("Primaxin IV"), {A::kImipenemCilastatin}, {DC::kCarbapenem}},
      {"imipenem MIN 34482", RxNorm("34482"), {A::kImipenemCilastatin}, {DC::kCarbapenem}},
      {"imipenem PSN 1726214", RxNorm("1726214"), {A::kImipenemCilastatin}, {DC::kCarbapenem}},
      {"RxNorm alphabetical name cilastatin/imipenem",
       Text("cilastatin 500 MG / imipenem 500 MG Injection"),
       {A::kImipenemCilastatin},
       {DC::kCarbapenem}},
      {"ertapenem", Text("ertapenem 1 g daily"), {A::kErtapenem}, {DC::kCarbapenem}},
      {"Invanz", Text("INVANZ 1GM"), {A::kErtapenem}, {DC::kCarbapenem}},
      {"ertapenem SBD", RxNorm("1734686"), {A::kErtapenem}, {DC::kCarbapenem}},
      {"doripenem", Text("doripenem"), {A::kDoripenem}, {DC::kCarbapenem}},
      {"Doribax", Text("Doribax 500 mg"), {A::kDoripenem}, {DC::kCarbapenem}},
      // --- New BL/BLI: not plain carbapenem, ingredients kept.
      {"meropenem-vaborbactam hyphen",
       Text("meropenem-vaborbactam 4 g"),
       {A::kMeropenemVaborbactam},
       {DC::kCarbapenemContaining, DC::kNewBetaLactamInhibitor},
       {DC::kCarbapenem}},
      {"meropenem/vaborbactam slash",
       Text("meropenem/vaborbactam"),
       {A::kMeropenemVaborbactam},
       {DC::kNewBetaLactamInhibitor},
       {DC::kCarbapenem}},
      {"Meropenem and Vaborbactam",
       Text("Meropenem and Vaborbactam for injection"),
       {A::kMeropenemVaborbactam},
       {DC::kNewBetaLactamInhibitor},
       {DC::kCarbapenem}},
      {"Vabomere brand",
       Text("Vabomere 2 g IV"),
       {A::kMeropenemVaborbactam},
       {DC::kNewBetaLactamInhibitor},
       {DC::kCarbapenem}},
      {"Vabomere (meropenem and vaborbactam) subsumes meropenem",
       Text("Vabomere (meropenem and vaborbactam) 4 g"),
       {A::kMeropenemVaborbactam},
       {DC::kNewBetaLactamInhibitor},
       {DC::kCarbapenem}},
      {"MEV MIN 1945217",
       RxNorm("1945217"),
       {A::kMeropenemVaborbactam},
       {DC::kNewBetaLactamInhibitor}},
      {"MEV SCD display with strengths",
       RxNorm("1945218", "meropenem 2000 MG / vaborbactam 2000 MG Injection"),
       {A::kMeropenemVaborbactam},
       {DC::kNewBetaLactamInhibitor},
       {DC::kCarbapenem}},
      {"imipenem-relebactam",
       Text("imipenem-relebactam 1.25 g"),
       {A::kImipenemCilastatinRelebactam},
       {DC::kCarbapenemContaining},
       {DC::kCarbapenem}},
      {"imipenem-cilastatin-relebactam",
       Text("imipenem/cilastatin/relebactam"),
       {A::kImipenemCilastatinRelebactam},
       {DC::kNewBetaLactamInhibitor},
       {DC::kCarbapenem}},
      {"Recarbrio",
       Text("Recarbrio"),
       {A::kImipenemCilastatinRelebactam},
       {DC::kNewBetaLactamInhibitor}},
      {"IMR ATC",
       Code(kAtcSystem, "J01DH56"),
       {A::kImipenemCilastatinRelebactam},
       {DC::kNewBetaLactamInhibitor}},
      {"ceftazidime-avibactam",
       Text("ceftazidime-avibactam 2.5 g q8h"),
       {A::kCeftazidimeAvibactam},
       {DC::kNewBetaLactamInhibitor}},
      {"Avycaz", Text("Avycaz"), {A::kCeftazidimeAvibactam}, {DC::kNewBetaLactamInhibitor}},
      {"RxNorm avibactam / ceftazidime",
       Text("avibactam 0.5 GM / ceftazidime 2 GM Injection"),
       {A::kCeftazidimeAvibactam},
       {DC::kNewBetaLactamInhibitor}},
      {"CZA MIN 1603839",
       RxNorm("1603839"),
       {A::kCeftazidimeAvibactam},
       {DC::kNewBetaLactamInhibitor}},
      {"ceftazidime alone is not CZA",
       Text("ceftazidime 2 g q8h"),
       {A::kCeftazidime},
       {DC::kCephalosporin, DC::kGramNegativeActive},
       {DC::kNewBetaLactamInhibitor}},
      {"Fortaz",
       Text("Fortaz"),
       {A::kCeftazidime},
       {DC::kCephalosporin},
       {DC::kNewBetaLactamInhibitor}},
      {"ceftolozane-tazobactam",
       Text("ceftolozane/tazobactam 3 g"),
       {A::kCeftolozaneTazobactam},
       {DC::kNewBetaLactamInhibitor}},
      {"Zerbaxa",
       Text("Zerbaxa 1.5 g"),
       {A::kCeftolozaneTazobactam},
       {DC::kNewBetaLactamInhibitor}},
      {"aztreonam-avibactam",
       Text("aztreonam-avibactam"),
       {A::kAztreonamAvibactam},
       {DC::kNewBetaLactamInhibitor, DC::kMonobactam}},
      {"Emblaveo", Text("Emblaveo"), {A::kAztreonamAvibactam}, {DC::kNewBetaLactamInhibitor}},
      {"CZA plus aztreonam: two agents",
       Text("ceftazidime-avibactam + aztreonam (Y-site)"),
       {A::kCeftazidimeAvibactam, A::kAztreonam},
       {DC::kNewBetaLactamInhibitor, DC::kMonobactam}},
      {"sulbactam-durlobactam",
       Text("sulbactam-durlobactam 2 g"),
       {A::kSulbactamDurlobactam},
       {DC::kSulbactamAgent, DC::kNewBetaLactamInhibitor}},
      {"Xacduro SBD", RxNorm("2665017"), {A::kSulbactamDurlobactam}, {DC::kSulbactamAgent}},
      {"durlobactam / sulbactam RxNorm order",
       Text("durlobactam 1000 MG / sulbactam 1000 MG Injection"),
       {A::kSulbactamDurlobactam},
       {DC::kSulbactamAgent}},
      {"cefiderocol", Text("cefiderocol 2 g q8h"), {A::kCefiderocol}, {DC::kCefiderocol}},
      {"Fetroja", Text("Fetroja"), {A::kCefiderocol}, {DC::kCefiderocol}},
      {"cefiderocol SCD", RxNorm("2265706"), {A::kCefiderocol}, {DC::kCefiderocol}},
      // --- Polymyxins.
      {"colistin", Text("colistin"), {A::kColistin}, {DC::kPolymyxin}},
      {"colistimethate sodium",
       Text("colistimethate sodium 150 mg CBA"),
       {A::kColistimethate},
       {DC::kPolymyxin}},
      {"Coly-Mycin M", Text("Coly-Mycin M Parenteral"), {A::kColistimethate}, {DC::kPolymyxin}},
      {"polymyxin B", Text("Polymyxin B 500,000 units"), {A::kPolymyxinB}, {DC::kPolymyxin}},
      {"polymyxin B vial code", RxNorm("204509"), {A::kPolymyxinB}, {DC::kPolymyxin}},
      {"bacitracin/polymyxin B ophthalmic is not a systemic polymyxin",
       Text("bacitracin/polymyxin B ophthalmic ointment"),
       {A::kBacitracinPolymyxinB},
       {DC::kTopicalOnly},
       {DC::kPolymyxin}},
      {"Polytrim eye drops",
       Text("trimethoprim-polymyxin B eye drops"),
       {A::kTrimethoprimPolymyxinB},
       {DC::kTopicalOnly},
       {DC::kPolymyxin}},
      // --- Tetracycline class.
      {"tigecycline", Text("tigecycline 100 mg load"), {A::kTigecycline}, {DC::kGlycylcyclineLike}},
      {"Tygacil", Text("Tygacil"), {A::kTigecycline}, {DC::kTetracyclineClass}},
      {"tigecycline PSN", RxNorm("581531"), {A::kTigecycline}, {DC::kTetracyclineClass}},
      {"eravacycline", Text("Xerava (eravacycline)"), {A::kEravacycline}, {DC::kGlycylcyclineLike}},
      {"minocycline is not tigecycline",
       Text("minocycline 200 mg q12h"),
       {A::kMinocycline},
       {DC::kTetracyclineClass},
       {DC::kGlycylcyclineLike}},
      {"Minocin", Text("Minocin IV"), {A::kMinocycline}, {DC::kTetracyclineClass}},
      {"omadacycline", Text("omadacycline"), {A::kOmadacycline}, {DC::kTetracyclineClass}},
      {"doxycycline is not tigecycline",
       Text("doxycycline 100 mg PO BID"),
       {A::kDoxycycline},
       {DC::kTetracyclineClass},
       {DC::kGlycylcyclineLike, DC::kGramNegativeActive}},
      // --- Aminoglycosides.
      {"gentamicin", Text("gentamicin 7 mg/kg"), {A::kGentamicin}, {DC::kAminoglycoside}},
      {"gentamicin IN 1596450", RxNorm("1596450"), {A::kGentamicin}, {DC::kAminoglycoside}},
      {"4413 is not gentamicin", RxNorm("4413"), {}, {}},
      {"tobramycin", Text("Tobramycin"), {A::kTobramycin}, {DC::kAminoglycoside}},
      {"amikacin sulfate",
       Text("amikacin sulfate 15 mg/kg"),
       {A::kAmikacin},
       {DC::kAminoglycoside}},
      {"Zemdri", Text("Zemdri 15 mg/kg"), {A::kPlazomicin}, {DC::kAminoglycoside}},
      {"tobramycin ophthalmic is flagged non-systemic",
       Text("tobramycin 0.3% ophthalmic solution"),
       {A::kTobramycin},
       {DC::kAminoglycoside}},
      // --- Others.
      {"fosfomycin", Text("Fosfomycin tromethamine 3 g"), {A::kFosfomycin}, {DC::kFosfomycin}},
      {"rifampin",
       Text("rifampin 600 mg"),
       {A::kRifampin},
       {DC::kRifamycin},
       {DC::kGramNegativeActive}},
      {"rifampicin", Text("Rifampicin"), {A::kRifampin}, {DC::kRifamycin}},
      {"Unasyn", Text("Unasyn 3 g q6h"), {A::kAmpicillinSulbactam}, {DC::kSulbactamAgent}},
      {"ampicillin sodium / sulbactam sodium",
       Text("ampicillin sodium / sulbactam sodium 9 g over 4 h"),
       {A::kAmpicillinSulbactam},
       {DC::kSulbactamAgent}},
      {"amp-sulb SCD", RxNorm("1659598"), {A::kAmpicillinSulbactam}, {DC::kSulbactamAgent}},
      {"ampicillin alone is not a sulbactam agent",
       Text("ampicillin 2 g"),
       {A::kAmpicillin},
       {DC::kPenicillin},
       {DC::kSulbactamAgent}},
      {"aztreonam", Text("aztreonam 2 g q8h"), {A::kAztreonam}, {DC::kMonobactam}},
      {"aztreonam SCD", RxNorm("1664986"), {A::kAztreonam}, {DC::kMonobactam}},
      {"cefepime", Text("cefepime 2 g q8h"), {A::kCefepime}, {DC::kGramNegativeActive}},
      {"cefepime SCD", RxNorm("1665088"), {A::kCefepime}, {DC::kCephalosporin}},
      {"ceftriaxone", Text("Rocephin 2 g daily"), {A::kCeftriaxone}, {DC::kCephalosporin}},
      {"pip-tazo Zosyn", Text("Zosyn 4.5 g"), {A::kPiperacillinTazobactam}, {DC::kPenicillin}},
      {"piperacillin-tazobactam",
       Text("piperacillin-tazobactam"),
       {A::kPiperacillinTazobactam},
       {DC::kGramNegativeActive}},
      {"pip-tazo SCD", RxNorm("1659149"), {A::kPiperacillinTazobactam}, {DC::kPenicillin}},
      {"ciprofloxacin",
       Text("Ciprofloxacin 400 mg IV"),
       {A::kCiprofloxacin},
       {DC::kFluoroquinolone}},
      {"levofloxacin", Text("levofloxacin 750mg"), {A::kLevofloxacin}, {DC::kFluoroquinolone}},
      {"TMP-SMX",
       Text("TMP-SMX DS"),
       {A::kTrimethoprimSulfamethoxazole},
       {DC::kGramNegativeActive}},
      {"Bactrim",
       Text("Bactrim DS 1 tab"),
       {A::kTrimethoprimSulfamethoxazole},
       {DC::kAntibacterial}},
      {"sulfamethoxazole-trimethoprim",
       Text("sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet"),
       {A::kTrimethoprimSulfamethoxazole},
       {DC::kGramNegativeActive}},
      {"metronidazole not GN-active",
       RxNorm("311683"),
       {A::kMetronidazole},
       {DC::kAntibacterial},
       {DC::kGramNegativeActive}},
      {"vancomycin not GN-active",
       Text("vancomycin 1 g"),
       {A::kVancomycin},
       {DC::kAntibacterial},
       {DC::kGramNegativeActive}},
      // --- Valproate products.
      {"valproic acid",
       Text("valproic acid 250 mg"),
       {A::kValproicAcid},
       {DC::kValproate, DC::kAnticonvulsant}},
      {"Depakote ER", Text("Depakote ER 500 mg"), {A::kDivalproexSodium}, {DC::kValproate}},
      {"divalproex sodium", Text("Divalproex Sodium DR"), {A::kDivalproexSodium}, {DC::kValproate}},
      {"valproate sodium injection",
       Text("valproate sodium 500 mg/5 mL"),
       {A::kValproateSodium},
       {DC::kValproate}},
      {"Depacon", Text("Depacon"), {A::kValproateSodium}, {DC::kValproate}},
      {"Depakene", Text("Depakene"), {A::kValproicAcid}, {DC::kValproate}},
      {"Epilim", Text("Epilim Chrono"), {A::kValproateSodium}, {DC::kValproate}},
      {"valproate (ingredient)", Text("valproate"), {A::kValproate}, {DC::kValproate}},
      {"valproate IN 40254", RxNorm("40254"), {A::kValproate}, {DC::kValproate}},
      {"valproic acid SCD 1099681", RxNorm("1099681"), {A::kValproicAcid}, {DC::kValproate}},
      {"Depakene SBD 1099683", RxNorm("1099683"), {A::kValproicAcid}, {DC::kValproate}},
      {"Stavzor SBD 1099693", RxNorm("1099693"), {A::kValproicAcid}, {DC::kValproate}},
      {"Depakote SBD 1099570", RxNorm("1099570"), {A::kDivalproexSodium}, {DC::kValproate}},
      {"divalproex ER SCD 1099563", RxNorm("1099563"), {A::kDivalproexSodium}, {DC::kValproate}},
      {"valproate sodium inj 1099648", RxNorm("1099648"), {A::kValproateSodium}, {DC::kValproate}},
      {"valproate ATC", Code(kAtcSystem, "N03AG01"), {A::kValproate}, {DC::kValproate}},
      {"24 HR Divalproex display",
       RxNorm("9999999", "24 HR Divalproex Sodium 500 MG Extended Release Oral Tablet [Depakote]"),
       {A::kDivalproexSodium},
       {DC::kValproate}},
      // --- Other anticonvulsants: known, NOT valproate.
      {"levetiracetam is not valproate",
       Text("levetiracetam 500 mg BID"),
       {A::kLevetiracetam},
       {DC::kAnticonvulsant},
       {DC::kValproate}},
      {"Keppra", Text("Keppra"), {A::kLevetiracetam}, {DC::kAnticonvulsant}, {DC::kValproate}},
      {"levetiracetam IN",
       RxNorm("114477"),
       {A::kLevetiracetam},
       {DC::kAnticonvulsant},
       {DC::kValproate}},
      {"phenytoin", Text("phenytoin"), {A::kPhenytoin}, {DC::kAnticonvulsant}, {DC::kValproate}},
      {"lacosamide",
       Text("Vimpat 200 mg"),
       {A::kLacosamide},
       {DC::kAnticonvulsant},
       {DC::kValproate}},
      {"carbamazepine",
       Text("carbamazepine"),
       {A::kCarbamazepine},
       {DC::kAnticonvulsant},
       {DC::kValproate}},
      {"lamotrigine", Text("Lamictal"), {A::kLamotrigine}, {DC::kAnticonvulsant}, {DC::kValproate}},
      // --- Ganciclovir.
      {"ganciclovir", Text("ganciclovir 5 mg/kg"), {A::kGanciclovir}, {DC::kGanciclovir}},
      {"valganciclovir tall-man",
       Text("valGANciclovir 900 mg"),
       {A::kValganciclovir},
       {DC::kGanciclovir}},
      {"Valcyte", Text("Valcyte"), {A::kValganciclovir}, {DC::kGanciclovir}},
      // --- Unknown and look-alikes.
      {"acetaminophen unknown", Text("acetaminophen 1 g"), {}, {}},
      {"empty", Text(""), {}, {}},
      {"partial word does not match", Text("meropenemvaborbactam"), {}, {}},
      {"unknown RxNorm code", RxNorm("123"), {}, {}},
      {"local code system ignored, text used",
       [] {
         fhir::CodeableConcept cc = Code("urn:local:pharmacy", "29561");
         cc.text = "Merrem";
         return cc;
       }(),
       {A::kMeropenem},
       {DC::kCarbapenem}},
      {"verified code wins over free text",
       [] {
         fhir::CodeableConcept cc = RxNorm("1722939", "meropenem 1000 MG Injection");
         cc.text = "meropenem 1 g (pt on Depakote - pharmacy aware)";
         return cc;
       }(),
       {A::kMeropenem},
       {DC::kCarbapenem},
       {DC::kValproate}},
  };
}

class MedicationTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(MedicationTableTest, Classifies) {
  const Case& c = GetParam();
  const MedicationClass result = Term().ClassifyMedication(c.input);
  EXPECT_THAT(result.agents, UnorderedElementsAreArray(c.agents)) << c.note;
  for (DrugClass has : c.has) {
    EXPECT_TRUE(result.Is(has)) << c.note << ": missing class " << ToString(has);
  }
  for (DrugClass lacks : c.lacks) {
    EXPECT_FALSE(result.Is(lacks)) << c.note << ": unexpected class " << ToString(lacks);
  }
  EXPECT_EQ(result.known(), !c.agents.empty());
}

INSTANTIATE_TEST_SUITE_P(Table, MedicationTableTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return "case_" + std::to_string(info.index);
                         });

TEST(MedicationTableSize, AtLeastEightyCases) { EXPECT_GE(Cases().size(), 80u); }

TEST(Medication, CombinationKeepsAllIngredients) {
  const MedicationClass mev = Term().ClassifyMedication(Text("Vabomere"));
  EXPECT_THAT(mev.ingredients, ElementsAre(Agent::kMeropenem, Agent::kVaborbactam));
  EXPECT_TRUE(mev.HasIngredient(Agent::kMeropenem));
  EXPECT_FALSE(mev.HasAgent(Agent::kMeropenem));
  EXPECT_FALSE(mev.Is(DrugClass::kCarbapenem));
  EXPECT_TRUE(mev.ContainsClass(DrugClass::kCarbapenem));  // R05: carbapenem + valproate

  const MedicationClass imr = Term().ClassifyMedication(Text("Recarbrio 1.25 g"));
  EXPECT_THAT(imr.ingredients,
              ElementsAre(Agent::kImipenem, Agent::kCilastatin, Agent::kRelebactam));
  EXPECT_TRUE(imr.HasIngredient(Agent::kImipenem));

  const MedicationClass imi = Term().ClassifyMedication(Text("Primaxin"));
  EXPECT_THAT(imi.ingredients, ElementsAre(Agent::kImipenem, Agent::kCilastatin));
  EXPECT_TRUE(imi.Is(DrugClass::kCarbapenem));

  const MedicationClass meropenem = Term().ClassifyMedication(Text("meropenem"));
  EXPECT_THAT(meropenem.ingredients, ElementsAre(Agent::kMeropenem));

  EXPECT_EQ(Term().ClassifyMedication(Text("Depakote ER 500 mg")).display, "divalproex sodium");
  EXPECT_EQ(Term().ClassifyMedication(Text("Merrem 1 g IV q8h")).display, "meropenem");
  EXPECT_EQ(Term().ClassifyMedication(Text("no drug here")).display, "");
  const MedicationClass unasyn = Term().ClassifyMedication(Text("Unasyn"));
  EXPECT_THAT(unasyn.ingredients, ElementsAre(Agent::kAmpicillin, Agent::kSulbactam));
}

TEST(Medication, MatchSourceAndUnconfirmedCodes) {
  EXPECT_EQ(Term().ClassifyMedication(RxNorm("29561")).source, MatchSource::kCode);
  EXPECT_EQ(Term().ClassifyMedication(Text("Merrem")).source, MatchSource::kText);
  EXPECT_EQ(Term().ClassifyMedication(RxNorm("1", "Merrem")).source, MatchSource::kDisplay);

  const MedicationClass unconfirmed = Term().ClassifyMedication(RxNorm("1945218"));
  EXPECT_FALSE(unconfirmed.known());
  EXPECT_THAT(unconfirmed.unconfirmed_codes, ElementsAre("rxnorm|1945218"));
  EXPECT_THAT(Term().ClassifyMedication(RxNorm("29561")).unconfirmed_codes, IsEmpty());
}

TEST(Medication, NonSystemicHint) {
  EXPECT_TRUE(Term().ClassifyMedication(Text("tobramycin ophthalmic solution")).non_systemic_hint);
  EXPECT_TRUE(Term().ClassifyMedication(Text("tobramycin inhalation solution")).non_systemic_hint);
  EXPECT_FALSE(Term().ClassifyMedication(Text("tobramycin 7 mg/kg IV")).non_systemic_hint);
}

TEST(Medication, DataIsConsistent) {
  // Every agent has a display name and at least itself or two ingredients.
  for (std::size_t i = 0; i < kAgentCount; ++i) {
    const auto agent = static_cast<Agent>(i);
    EXPECT_FALSE(Term().DisplayName(agent).empty()) << ToString(agent);
    EXPECT_FALSE(Term().IngredientsOf(agent).empty()) << ToString(agent);
    EXPECT_EQ(ParseAgent(ToString(agent)), agent);
  }
  // CARB is a subset of CARB+.
  for (Agent a :
       {Agent::kMeropenem, Agent::kImipenemCilastatin, Agent::kErtapenem, Agent::kDoripenem,
        Agent::kMeropenemVaborbactam, Agent::kImipenemCilastatinRelebactam}) {
    EXPECT_TRUE(Term().ClassesOf(a).Has(DrugClass::kCarbapenemContaining)) << ToString(a);
  }
  for (std::size_t i = 0; i < kDrugClassCount; ++i) {
    EXPECT_EQ(ParseDrugClass(ToString(static_cast<DrugClass>(i))), static_cast<DrugClass>(i));
  }
}

TEST(Medication, CacheIsUsedAndThreadSafe) {
  LoadResult loaded =
      Terminology::Load(std::filesystem::path(CDS_SOURCE_DIR) / "engine" / "terminology");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Terminology term = std::move(loaded).value();
  const std::vector<std::string> texts = {"Merrem", "Vabomere", "Depakote ER", "Keppra",
                                          "Unasyn", "colistin", "tigecycline", "Zosyn"};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        for (const std::string& text : texts) {
          if (!term.ClassifyMedication(Text(text)).known()) failures.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const Terminology::CacheStats stats = term.medication_cache_stats();
  EXPECT_EQ(stats.size, texts.size());
  EXPECT_EQ(stats.hits + stats.misses, 4u * 200u * texts.size());
  EXPECT_GE(stats.hits, 4u * 200u * texts.size() - 4u * texts.size());
}

TEST(Medication, CacheIsBounded) {
  LoadResult loaded =
      Terminology::Load(std::filesystem::path(CDS_SOURCE_DIR) / "engine" / "terminology");
  ASSERT_TRUE(loaded.ok());
  const Terminology term = std::move(loaded).value();
  for (int i = 0; i < 20000; ++i) {
    (void)term.ClassifyMedication(Text("meropenem " + std::to_string(i) + " mg"));
  }
  EXPECT_LE(term.medication_cache_stats().size, 16u * 512u);
}

}  // namespace
}  // namespace cds::engine
