// Organism, LOINC, condition and interpretation lookups.
#include "engine/terminology/terminology.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cds::engine {
namespace {

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

// --- Organisms ------------------------------------------------------------------------------

struct OrganismCase {
  fhir::CodeableConcept input;
  std::string id;
  std::vector<OrganismGroup> groups;
  std::vector<OrganismGroup> not_groups = {};
};

TEST(Organism, Table) {
  using G = OrganismGroup;
  const std::vector<OrganismCase> cases = {
      {Code(kSnomedSystem, "56415008"), "klebsiella-pneumoniae", {G::kEnterobacterales}},
      {Text("Klebsiella pneumoniae"), "klebsiella-pneumoniae", {G::kEnterobacterales}},
      {Text("K. pneumoniae >100,000 CFU/mL"), "klebsiella-pneumoniae", {G::kEnterobacterales}},
      {Text("Klebsiella spp."), "klebsiella", {G::kEnterobacterales}},
      {Code(kSnomedSystem, "112283007"), "escherichia-coli", {G::kEnterobacterales}},
      {Text("ESBL E. coli"), "escherichia-coli", {G::kEnterobacterales, G::kGramNegative}},
      {Text("Enterobacter cloacae complex"),
       "enterobacter-cloacae-complex",
       {G::kEnterobacterales, G::kAmpCHighRisk}},
      {Text("Enterobacter aerogenes"), "klebsiella-aerogenes", {G::kAmpCHighRisk}},
      {Text("Citrobacter freundii"), "citrobacter-freundii", {G::kAmpCHighRisk}},
      {Text("Serratia marcescens"),
       "serratia-marcescens",
       {G::kEnterobacterales},
       {G::kAmpCHighRisk}},
      {Text("Proteus mirabilis"), "proteus-mirabilis", {G::kEnterobacterales}},
      {Text("Morganella morganii"), "morganella-morganii", {G::kEnterobacterales}},
      {Text("Providencia stuartii"), "providencia", {G::kEnterobacterales}},
      {Code(kSnomedSystem, "52499004"),
       "pseudomonas-aeruginosa",
       {G::kPseudomonasAeruginosa, G::kNonFermenter}},
      {Text("P. aeruginosa"), "pseudomonas-aeruginosa", {G::kPseudomonasAeruginosa}},
      {Text("Pseudomonas putida"), "pseudomonas", {G::kNonFermenter}, {G::kPseudomonasAeruginosa}},
      {Code(kSnomedSystem, "91288006"),
       "acinetobacter-baumannii",
       {G::kAcinetobacterBaumanniiComplex, G::kAcinetobacter}},
      {Text("Acinetobacter baumannii complex"),
       "acinetobacter-baumannii",
       {G::kAcinetobacterBaumanniiComplex}},
      {Text("Acinetobacter lwoffii"),
       "acinetobacter",
       {G::kAcinetobacter},
       {G::kAcinetobacterBaumanniiComplex}},
      {Text("Stenotrophomonas maltophilia"),
       "stenotrophomonas-maltophilia",
       {G::kStenotrophomonasMaltophilia}},
      {Code(kSnomedSystem, "78065002"), "enterococcus-faecalis", {G::kEnterococcus}},
      {Code(kSnomedSystem, "90272000"), "enterococcus-faecium", {G::kEnterococcus}},
      {Text("Enterococcus species"), "enterococcus", {G::kEnterococcus}},
      {Code(kSnomedSystem, "3092008"), "staphylococcus-aureus", {G::kStaphylococcusAureus}},
      {Text("MRSA"), "staphylococcus-aureus", {G::kStaphylococcusAureus}},
      {Text("Gram-negative rods"),
       "gram-negative-bacilli",
       {G::kGramNegative},
       {G::kEnterobacterales}},
      {Code(kSnomedSystem, "999", "Klebsiella pneumoniae"),
       "klebsiella-pneumoniae",
       {G::kEnterobacterales}},
  };
  for (const OrganismCase& c : cases) {
    const OrganismClass result = Term().ClassifyOrganism(c.input);
    const std::string note = c.input.text + (c.input.coding.empty() ? "" : c.input.coding[0].code);
    EXPECT_EQ(result.id, c.id) << note;
    for (G g : c.groups) EXPECT_TRUE(result.In(g)) << note << " " << ToString(g);
    for (G g : c.not_groups) EXPECT_FALSE(result.In(g)) << note << " " << ToString(g);
  }
}

TEST(Organism, CanonicalNameAndSource) {
  const OrganismClass kp = Term().ClassifyOrganism(Text("K. pneumoniae"));
  EXPECT_EQ(kp.canonical_name, "Klebsiella pneumoniae");
  EXPECT_EQ(kp.source, MatchSource::kText);
  EXPECT_EQ(Term().ClassifyOrganism(Code(kSnomedSystem, "56415008")).source, MatchSource::kCode);
}

TEST(Organism, UnverifiedCodeNeedsName) {
  const OrganismClass code_only = Term().ClassifyOrganism(Code(kSnomedSystem, "14385002"));
  EXPECT_FALSE(code_only.known());
  EXPECT_THAT(code_only.unconfirmed_codes, ::testing::ElementsAre("snomed|14385002"));
  const OrganismClass named =
      Term().ClassifyOrganism(Code(kSnomedSystem, "14385002", "Enterobacter cloacae"));
  EXPECT_EQ(named.id, "enterobacter-cloacae-complex");
}

TEST(Organism, Unknown) {
  EXPECT_FALSE(Term().ClassifyOrganism(Text("no growth")).known());
  EXPECT_FALSE(Term().ClassifyOrganism(Code(kSnomedSystem, "264868006")).known());
  EXPECT_FALSE(Term().ClassifyOrganism(fhir::CodeableConcept{}).known());
}

// --- LOINC ----------------------------------------------------------------------------------

TEST(Loinc, KindsOfVerifiedCodes) {
  struct Row {
    std::string code;
    LabKind kind;
  };
  const std::vector<Row> rows = {
      {"600-7", LabKind::kBloodCulture},
      {"630-4", LabKind::kUrineCulture},
      {"11475-1", LabKind::kCulture},
      {"29576-6", LabKind::kSusceptibilityPanel},
      {"50545-3", LabKind::kSusceptibilityPanel},
      {"18769-0", LabKind::kSusceptibilityPanel},
      {"2160-0", LabKind::kCreatinineMass},
      {"14682-9", LabKind::kCreatinineMolar},
      {"2164-2", LabKind::kCrClMeasured},
      {"35591-7", LabKind::kCrClCockcroftGault},
      {"98979-8", LabKind::kEgfr},
      {"33914-3", LabKind::kEgfr},
      {"62238-1", LabKind::kEgfr},
      {"48642-3", LabKind::kEgfr},
      {"48643-1", LabKind::kEgfr},
      {"50384-7", LabKind::kEgfr},
      {"29463-7", LabKind::kWeight},
      {"1751-7", LabKind::kAlbumin},
      {"4086-5", LabKind::kValproateLevel},
      {"33959-8", LabKind::kProcalcitonin},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Term().ClassifyLab(Code(kLoincSystem, row.code)).kind, row.kind) << row.code;
    const LabInfo* info = Term().LookupLoinc(row.code);
    ASSERT_NE(info, nullptr) << row.code;
    EXPECT_EQ(info->kind, row.kind);
  }
  EXPECT_EQ(Term().LookupLoinc("33914-3")->qualifier, "mdrd");
  EXPECT_EQ(Term().LookupLoinc("98979-8")->qualifier, "ckd-epi-2021");
}

TEST(Loinc, ValproateLevelIsOnly4086) {
  for (const char* code : {"4049-3", "4090-7", "4057-6"}) {
    EXPECT_FALSE(Term().ClassifyLab(Code(kLoincSystem, code, "Valproate")).known()) << code;
  }
}

TEST(Loinc, SusceptibilityMapsToDrug) {
  struct Row {
    std::string code;
    Agent agent;
    SusceptibilityMethod method;
  };
  using M = SusceptibilityMethod;
  const std::vector<Row> rows = {
      {"6652-2", Agent::kMeropenem, M::kMic},
      {"7029-2", Agent::kMeropenem, M::kGradient},
      {"18943-1", Agent::kMeropenem, M::kUnspecified},
      {"279-0", Agent::kImipenemCilastatin, M::kMic},
      {"18932-4", Agent::kImipenemCilastatin, M::kUnspecified},
      {"35801-0", Agent::kErtapenem, M::kMic},
      {"205-5", Agent::kColistin, M::kMic},
      {"42355-8", Agent::kTigecycline, M::kMic},
      {"12-5", Agent::kAmikacin, M::kMic},
      {"267-5", Agent::kGentamicin, M::kMic},
      {"508-2", Agent::kTobramycin, M::kMic},
      {"6644-9", Agent::kCefepime, M::kMic},
      {"133-9", Agent::kCeftazidime, M::kMic},
      {"141-2", Agent::kCeftriaxone, M::kMic},
      {"412-7", Agent::kPiperacillinTazobactam, M::kMic},
      {"44-8", Agent::kAztreonam, M::kMic},
      {"32-3", Agent::kAmpicillinSulbactam, M::kMic},
      {"185-9", Agent::kCiprofloxacin, M::kMic},
      {"20396-8", Agent::kLevofloxacin, M::kMic},  // cds-hooks-spec.md §10 example list
      {"516-5", Agent::kTrimethoprimSulfamethoxazole, M::kMic},
      {"25653-7", Agent::kFosfomycin, M::kMic},
      {"73625-6", Agent::kCeftazidimeAvibactam, M::kMic},
      {"73648-8", Agent::kCeftazidimeAvibactam, M::kDisk},
      {"73624-9", Agent::kCeftolozaneTazobactam, M::kMic},
  };
  for (const Row& row : rows) {
    const LabInfo info = Term().ClassifyLab(Code(kLoincSystem, row.code));
    EXPECT_EQ(info.kind, LabKind::kSusceptibility) << row.code;
    EXPECT_EQ(info.agent, row.agent) << row.code;
    EXPECT_EQ(info.method, row.method) << row.code;
    EXPECT_TRUE(info.verified) << row.code;
  }
}

TEST(Loinc, UnverifiedSusceptibilityCodeNeedsDrugName) {
  EXPECT_FALSE(Term().ClassifyLab(Code(kLoincSystem, "88892-5")).known());
  EXPECT_EQ(Term().LookupLoinc("88892-5"), nullptr);
  const LabInfo mev = Term().ClassifyLab(
      Code(kLoincSystem, "88892-5", "Meropenem+Vaborbactam [Susceptibility] by MIC"));
  EXPECT_EQ(mev.kind, LabKind::kSusceptibility);
  EXPECT_EQ(mev.agent, Agent::kMeropenemVaborbactam);
  EXPECT_FALSE(mev.verified);
  // A display naming plain meropenem does not confirm the MEV code.
  EXPECT_FALSE(
      Term().ClassifyLab(Code(kLoincSystem, "88892-5", "Meropenem [Susceptibility]")).known());
  fhir::CodeableConcept cefiderocol = Code(kLoincSystem, "95767-0");
  cefiderocol.text = "Cefiderocol MIC";
  EXPECT_EQ(Term().ClassifyLab(cefiderocol).agent, Agent::kCefiderocol);
}

TEST(Loinc, ResistanceMechanisms) {
  struct Row {
    std::string code;
    Mechanism mechanism;
    MechanismMethod method;
  };
  using K = Mechanism;
  using MM = MechanismMethod;
  const std::vector<Row> rows = {
      {"86930-5", K::kCarbapenemase, MM::kPhenotypic},
      {"49617-4", K::kKpc, MM::kGene},
      {"73982-1", K::kNdm, MM::kGene},
      {"85501-5", K::kVim, MM::kGene},
      {"85498-4", K::kImp, MM::kGene},
      {"85503-1", K::kOxa48, MM::kGene},
      {"85827-4", K::kOxa48Like, MM::kGene},
      {"85825-8", K::kOxa23, MM::kGene},
      {"85826-6", K::kOxa24, MM::kGene},
      {"85828-2", K::kOxa58, MM::kGene},
      {"101673-2", K::kKpc, MM::kImmunoassay},
      {"101674-0", K::kOxa48Like, MM::kImmunoassay},
      {"101675-7", K::kImp, MM::kImmunoassay},
      {"101676-5", K::kVim, MM::kImmunoassay},
      {"101677-3", K::kNdm, MM::kImmunoassay},
      {"99596-9", K::kEsbl, MM::kPhenotypic},
  };
  for (const Row& row : rows) {
    const LabInfo info = Term().ClassifyLab(Code(kLoincSystem, row.code));
    EXPECT_EQ(info.kind, LabKind::kResistanceMechanism) << row.code;
    EXPECT_EQ(info.mechanism, row.mechanism) << row.code;
    EXPECT_EQ(info.mechanism_method, row.method) << row.code;
  }
  EXPECT_TRUE(IsMetalloBetaLactamase(Mechanism::kNdm));
  EXPECT_TRUE(IsMetalloBetaLactamase(Mechanism::kVim));
  EXPECT_TRUE(IsMetalloBetaLactamase(Mechanism::kImp));
  EXPECT_FALSE(IsMetalloBetaLactamase(Mechanism::kKpc));
  EXPECT_TRUE(IsOxa48Family(Mechanism::kOxa48Like));
  EXPECT_FALSE(IsOxa48Family(Mechanism::kOxa23));
  EXPECT_TRUE(IsCarbapenemase(Mechanism::kOxa23));
  EXPECT_FALSE(IsCarbapenemase(Mechanism::kEsbl));
}

TEST(Loinc, OtherSystemsAndUnknownCodes) {
  EXPECT_FALSE(Term().ClassifyLab(Code(kSnomedSystem, "600-7")).known());
  EXPECT_FALSE(Term().ClassifyLab(Code(kLoincSystem, "0000-0")).known());
  EXPECT_EQ(Term().ClassifyLab(Code("urn:oid:2.16.840.1.113883.6.1", "600-7")).kind,
            LabKind::kBloodCulture);
  fhir::CodeableConcept two = Code("urn:local", "BC");
  two.coding.push_back(fhir::Coding{std::string(kLoincSystem), "", "600-7", ""});
  EXPECT_EQ(Term().ClassifyLab(two).kind, LabKind::kBloodCulture);
}

// --- Conditions ------------------------------------------------------------------------------

struct ConditionCase {
  fhir::CodeableConcept input;
  std::vector<ConditionGroup> groups;
  std::vector<ConditionGroup> not_groups = {};
};

TEST(Condition, Table) {
  using G = ConditionGroup;
  const auto icd = [](std::string code) { return Code(kIcd10CmSystem, std::move(code)); };
  const auto sct = [](std::string code) { return Code(kSnomedSystem, std::move(code)); };
  const std::vector<ConditionCase> cases = {
      {sct("5758002"), {G::kBacteremia}, {G::kSepsis}},
      {icd("R78.81"), {G::kBacteremia}},
      {sct("91302008"), {G::kSepsis}, {G::kSepticShock}},
      {sct("76571007"), {G::kSepsis, G::kSepticShock}},
      {icd("A41.9"), {G::kSepsis}},
      {icd("A41.52"), {G::kSepsis}},
      {icd("R65.21"), {G::kSepsis, G::kSepticShock}},
      {icd("R65.20"), {G::kSepsis}, {G::kSepticShock}},
      {sct("425464007"), {G::kHap, G::kPneumonia}, {G::kVap}},
      {sct("429271009"), {G::kVap, G::kPneumonia}},
      {icd("J95.851"), {G::kVap, G::kPneumonia}},
      {icd("J15.1"), {G::kPneumonia}, {G::kHap}},
      {icd("Y95"), {G::kNosocomial}},
      {sct("7180009"), {G::kMeningitisCns}},
      {sct("95883001"), {G::kMeningitisCns}},
      {icd("G00.9"), {G::kMeningitisCns}},
      {icd("G03.9"), {G::kMeningitisCns}},
      {icd("G06.0"), {G::kMeningitisCns}},
      {icd("G10"), {}, {G::kMeningitisCns}},
      {sct("68566005"), {G::kUti}},
      {icd("N39.0"), {G::kUti}},
      {icd("N10"), {G::kUti}},
      {icd("N30.01"), {G::kUti}},
      {icd("N30.1"), {}, {G::kUti}},
      {icd("T83.511A"), {G::kUti}},
      {icd("K65.0"), {G::kIntraAbdominal}},
      {icd("K35.20"), {G::kIntraAbdominal}},
      {sct("84757009"), {G::kEpilepsySeizure}},
      {sct("128613002"), {G::kEpilepsySeizure}},
      {icd("G40.909"), {G::kEpilepsySeizure}},
      {icd("g40909"), {G::kEpilepsySeizure}},
      {Code(kIcd10System, "G40.9"), {G::kEpilepsySeizure}},
      {sct("46177005"), {G::kEsrdDialysis}, {G::kDialysis}},
      {icd("N18.6"), {G::kEsrdDialysis}},
      {icd("Z99.2"), {G::kDialysis, G::kEsrdDialysis}},
      {sct("105502003"), {G::kDialysis, G::kEsrdDialysis}},
      {Text("Febrile neutropenia"), {G::kNeutropenicFever}},
      {Text("Septic shock"), {G::kSepsis, G::kSepticShock}},
      {Text("Severe sepsis without septic shock"), {G::kSepsis}, {G::kSepticShock}},
      {Text("rule out sepsis"), {}, {G::kSepsis}},
      {Text("No meningitis"), {}, {G::kMeningitisCns}},
      {Text("Ventilator-associated pneumonia"), {G::kVap, G::kPneumonia}, {G::kHap}},
      {Text("Hospital acquired pneumonia"), {G::kHap, G::kPneumonia}},
      {Text("Urosepsis"), {G::kSepsis}},
      {Text("History of hypertension"), {}, {G::kSepsis}},
  };
  for (const ConditionCase& c : cases) {
    const ConditionGroupSet result = Term().ClassifyCondition(c.input);
    const std::string note = c.input.text + (c.input.coding.empty() ? "" : c.input.coding[0].code);
    for (G g : c.groups) EXPECT_TRUE(result.Has(g)) << note << " " << ToString(g);
    for (G g : c.not_groups) EXPECT_FALSE(result.Has(g)) << note << " " << ToString(g);
    if (c.groups.empty()) {
      EXPECT_TRUE(result.empty()) << note;
    }
  }
}

TEST(Condition, UnverifiedCodeNeedsName) {
  EXPECT_TRUE(Term().ClassifyCondition(Code(kIcd10CmSystem, "D70.9")).empty());
  EXPECT_TRUE(Term()
                  .ClassifyCondition(Code(kIcd10CmSystem, "D70.9", "Neutropenic fever"))
                  .Has(ConditionGroup::kNeutropenicFever));
  EXPECT_TRUE(Term().ClassifyCondition(Code(kIcd10CmSystem, "K57.20")).empty());
}

// --- Interpretations ---------------------------------------------------------------------------

TEST(Interpretation, CodesAndTexts) {
  using I = Interpretation;
  const auto v3 = [](std::string code) { return Code(kV3InterpretationSystem, std::move(code)); };
  EXPECT_EQ(Term().NormalizeInterpretation(v3("S")), I::kSusceptible);
  EXPECT_EQ(Term().NormalizeInterpretation(v3("I")), I::kIntermediate);
  EXPECT_EQ(Term().NormalizeInterpretation(v3("R")), I::kResistant);
  EXPECT_EQ(Term().NormalizeInterpretation(v3("SDD")), I::kSusceptibleDoseDependent);
  EXPECT_EQ(Term().NormalizeInterpretation(v3("NS")), I::kNonSusceptible);
  EXPECT_EQ(Term().NormalizeInterpretation(v3("r")), I::kResistant);
  EXPECT_EQ(
      Term().NormalizeInterpretation(Code("http://terminology.hl7.org/CodeSystem/v2-0078", "R")),
      I::kResistant);
  EXPECT_EQ(Term().NormalizeInterpretation(Code(kSnomedSystem, "131196009")), I::kSusceptible);
  EXPECT_EQ(Term().NormalizeInterpretation(Code(kSnomedSystem, "30714006")), I::kResistant);
  EXPECT_EQ(Term().NormalizeInterpretation(Code(kSnomedSystem, "11896004")), I::kIntermediate);
  EXPECT_EQ(Term().NormalizeInterpretation(Code(kSnomedSystem, "260373001")), I::kDetected);
  EXPECT_EQ(Term().NormalizeInterpretation(Code(kSnomedSystem, "260415000")), I::kNotDetected);
  EXPECT_EQ(Term().NormalizeInterpretation(Code(kSnomedSystem, "264868006")), I::kNoGrowth);
  EXPECT_EQ(Term().NormalizeInterpretation(Code("urn:local", "X", "Resistant")), I::kResistant);
  EXPECT_EQ(Term().NormalizeInterpretation(Text("Not Detected")), I::kNotDetected);
  EXPECT_EQ(Term().NormalizeInterpretation("DETECTED"), I::kDetected);
  EXPECT_EQ(Term().NormalizeInterpretation("Susceptible-dose dependent"),
            I::kSusceptibleDoseDependent);
  EXPECT_EQ(Term().NormalizeInterpretation("sensitive"), I::kSusceptible);
  EXPECT_EQ(Term().NormalizeInterpretation(">=16"), I::kUnknown);
  EXPECT_EQ(Term().NormalizeInterpretation("resistant to meropenem"), I::kUnknown);
  EXPECT_EQ(Term().NormalizeInterpretation(""), I::kUnknown);
  EXPECT_TRUE(IsNotSusceptible(I::kIntermediate));
  EXPECT_TRUE(IsNotSusceptible(I::kResistant));
  EXPECT_TRUE(IsNotSusceptible(I::kNonSusceptible));
  EXPECT_FALSE(IsNotSusceptible(I::kSusceptibleDoseDependent));
  EXPECT_FALSE(IsNotSusceptible(I::kSusceptible));
}

}  // namespace
}  // namespace cds::engine
