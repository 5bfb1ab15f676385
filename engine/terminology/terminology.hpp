// Terminology as data: drug, organism, lab (LOINC), condition and interpretation value sets,
// loaded once at start-up from versioned JSON files and immutable afterwards.
//
// Data files (all in one directory, see engine/terminology/README.md for the format):
//   drugs.json, organisms.json, loinc.json, conditions.json, interpretations.json
//
// Matching policy (clinical-rules.md, "Where a code is UNVERIFIED, match by name as well, never by
// that code alone"):
//   - A code marked `"verified": false` in the data never classifies anything by itself. It is
//     reported in `unconfirmed_codes` so that callers can log it; the concept is classified only
//     when a name in `text` / `coding.display` identifies the same entry.
//   - Names are matched on normalized text: ASCII lower-case, every non-alphanumeric character is a
//     separator, letters and digits are split ("meropenem1g" -> "meropenem 1 g"), numbers, dose
//     units and the connectors "and", "with", "plus" are dropped, salt words ("sodium", "sulfate",
//     ...) are skipped inside a multi-word name. Whole words only, longest match wins, so
//     "meropenem-vaborbactam" is the combination and never plain meropenem.
//
// Thread safety: a Terminology is immutable after Load(); every const member may be called from
// any number of threads concurrently. ClassifyMedication() caches its results internally in a
// bounded, sharded, mutex-protected cache.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fhir/datatypes.hpp"

namespace cds::engine {

// ---------------------------------------------------------------------------------------------
// Code system URIs (clinical-rules.md §3).
inline constexpr std::string_view kRxNormSystem = "http://www.nlm.nih.gov/research/umls/rxnorm";
inline constexpr std::string_view kAtcSystem = "http://www.whocc.no/atc";
inline constexpr std::string_view kLoincSystem = "http://loinc.org";
inline constexpr std::string_view kSnomedSystem = "http://snomed.info/sct";
inline constexpr std::string_view kIcd10CmSystem = "http://hl7.org/fhir/sid/icd-10-cm";
/// WHO ICD-10; accepted for condition matching (same 3-character categories as ICD-10-CM).
inline constexpr std::string_view kIcd10System = "http://hl7.org/fhir/sid/icd-10";
inline constexpr std::string_view kV3InterpretationSystem =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

// ---------------------------------------------------------------------------------------------
// Drugs.

/// Every drug the engine knows: single substances, combination products and ingredients that
/// only occur inside combinations. drugs.json must define every value exactly once (checked at
/// load). The string id (ToString) is the `id` used in the data files.
enum class Agent : std::uint8_t {
  // Carbapenems (CARB).
  kMeropenem,           // "meropenem"
  kImipenemCilastatin,  // "imipenem-cilastatin" (plain "imipenem" text means this product)
  kErtapenem,           // "ertapenem"
  kDoripenem,           // "doripenem"
  // New beta-lactam / beta-lactamase-inhibitor agents.
  kMeropenemVaborbactam,          // "meropenem-vaborbactam" (MEV)
  kImipenemCilastatinRelebactam,  // "imipenem-cilastatin-relebactam" (IMR)
  kCeftazidimeAvibactam,          // "ceftazidime-avibactam" (CZA)
  kCeftolozaneTazobactam,         // "ceftolozane-tazobactam" (C/T)
  kAztreonamAvibactam,            // "aztreonam-avibactam"
  kSulbactamDurlobactam,          // "sulbactam-durlobactam"
  kCefiderocol,                   // "cefiderocol"
  // Polymyxins.
  kColistin,        // "colistin"
  kColistimethate,  // "colistimethate"
  kPolymyxinB,      // "polymyxin-b"
  // Tetracycline class.
  kTigecycline,   // "tigecycline"
  kEravacycline,  // "eravacycline"
  kMinocycline,   // "minocycline"
  kOmadacycline,  // "omadacycline"
  kDoxycycline,   // "doxycycline"
  // Aminoglycosides.
  kGentamicin,  // "gentamicin"
  kTobramycin,  // "tobramycin"
  kAmikacin,    // "amikacin"
  kPlazomicin,  // "plazomicin"
  // Others relevant to the rules.
  kFosfomycin,           // "fosfomycin"
  kRifampin,             // "rifampin"
  kAmpicillinSulbactam,  // "ampicillin-sulbactam"
  kAztreonam,            // "aztreonam"
  // Other anti-Gram-negative agents.
  kCefepime,                      // "cefepime"
  kCeftazidime,                   // "ceftazidime"
  kCeftriaxone,                   // "ceftriaxone"
  kCefotaxime,                    // "cefotaxime"
  kCefazolin,                     // "cefazolin"
  kPiperacillinTazobactam,        // "piperacillin-tazobactam"
  kAmpicillin,                    // "ampicillin"
  kCiprofloxacin,                 // "ciprofloxacin"
  kLevofloxacin,                  // "levofloxacin"
  kTrimethoprimSulfamethoxazole,  // "trimethoprim-sulfamethoxazole"
  kNitrofurantoin,                // "nitrofurantoin"
  // Antibacterials without useful aerobic Gram-negative activity (known, so not "unknown").
  kMetronidazole,  // "metronidazole"
  kVancomycin,     // "vancomycin"
  kLinezolid,      // "linezolid"
  kDaptomycin,     // "daptomycin"
  // Non-systemic (topical/ophthalmic) polymyxin combinations: known, deliberately NOT polymyxins.
  kBacitracinPolymyxinB,    // "bacitracin-polymyxin-b"
  kTrimethoprimPolymyxinB,  // "trimethoprim-polymyxin-b"
  kNeomycinPolymyxinB,      // "neomycin-polymyxin-b" (with or without bacitracin/dexamethasone)
  // Valproate products.
  kValproate,         // "valproate" (ingredient-level mention, RxNorm IN 40254)
  kValproicAcid,      // "valproic-acid"
  kValproateSodium,   // "valproate-sodium"
  kDivalproexSodium,  // "divalproex-sodium"
  // Antivirals (imipenem interaction).
  kGanciclovir,     // "ganciclovir"
  kValganciclovir,  // "valganciclovir"
  // Other anticonvulsants (known NOT to be valproate).
  kLevetiracetam,  // "levetiracetam"
  kPhenytoin,      // "phenytoin"
  kFosphenytoin,   // "fosphenytoin"
  kLacosamide,     // "lacosamide"
  kCarbamazepine,  // "carbamazepine"
  kLamotrigine,    // "lamotrigine"
  kBrivaracetam,   // "brivaracetam"
  kPhenobarbital,  // "phenobarbital"
  kTopiramate,     // "topiramate"
  kOxcarbazepine,  // "oxcarbazepine"
  // Ingredients that only occur inside combination products.
  kImipenem,          // "imipenem" (ingredient of imipenem-cilastatin and IMR)
  kCilastatin,        // "cilastatin"
  kVaborbactam,       // "vaborbactam"
  kRelebactam,        // "relebactam"
  kAvibactam,         // "avibactam"
  kTazobactam,        // "tazobactam"
  kCeftolozane,       // "ceftolozane"
  kSulbactam,         // "sulbactam"
  kDurlobactam,       // "durlobactam"
  kPiperacillin,      // "piperacillin"
  kTrimethoprim,      // "trimethoprim"
  kSulfamethoxazole,  // "sulfamethoxazole"
  kBacitracin,        // "bacitracin"
  kNeomycin,          // "neomycin"
};
inline constexpr std::size_t kAgentCount = static_cast<std::size_t>(Agent::kNeomycin) + 1;

/// Stable string id of an agent ("meropenem-vaborbactam").
[[nodiscard]] std::string_view ToString(Agent agent) noexcept;
/// Parses a string id; nullopt when unknown.
[[nodiscard]] std::optional<Agent> ParseAgent(std::string_view id) noexcept;

/// Drug classes. Product classes are explicit in drugs.json (never inherited from ingredients),
/// which is what keeps meropenem-vaborbactam out of kCarbapenem.
enum class DrugClass : std::uint8_t {
  kCarbapenem,              // "carbapenem": CARB = meropenem, imipenem-cilastatin, ertapenem,
                            // doripenem (and the ingredient imipenem)
  kCarbapenemContaining,    // "carbapenem-containing": CARB+ = CARB, MEV, IMR
  kNewBetaLactamInhibitor,  // "new-bl-bli": CZA, MEV, IMR, C/T, aztreonam-avibactam,
                            // sulbactam-durlobactam
  kCefiderocol,             // "cefiderocol"
  kPolymyxin,               // "polymyxin": colistin, colistimethate, polymyxin B (systemic)
  kTetracyclineClass,       // "tetracycline-class"
  kGlycylcyclineLike,       // "glycylcycline-like": tigecycline, eravacycline, omadacycline
  kAminoglycoside,          // "aminoglycoside"
  kFosfomycin,              // "fosfomycin"
  kRifamycin,               // "rifamycin"
  kSulbactamAgent,          // "sulbactam-agent": ampicillin-sulbactam, sulbactam-durlobactam
  kMonobactam,              // "monobactam": aztreonam, aztreonam-avibactam
  kCephalosporin,           // "cephalosporin"
  kPenicillin,              // "penicillin"
  kFluoroquinolone,         // "fluoroquinolone"
  kBetaLactam,              // "beta-lactam"
  kBetaLactamaseInhibitor,  // "beta-lactamase-inhibitor" (ingredients)
  kGramNegativeActive,      // "gram-negative-active": any agent with useful aerobic
                            // Gram-negative activity (R01 "only GN-active agent", R12)
  kAntibacterial,           // "antibacterial": any systemic antibacterial
  kTopicalOnly,             // "topical-only": ophthalmic/otic/topical products
  kValproate,               // "valproate": valproic acid, valproate sodium, divalproex
  kGanciclovir,             // "ganciclovir": ganciclovir, valganciclovir
  kAnticonvulsant,          // "anticonvulsant": all anticonvulsants, valproate included
};
inline constexpr std::size_t kDrugClassCount =
    static_cast<std::size_t>(DrugClass::kAnticonvulsant) + 1;

[[nodiscard]] std::string_view ToString(DrugClass drug_class) noexcept;
[[nodiscard]] std::optional<DrugClass> ParseDrugClass(std::string_view id) noexcept;

/// A small value-type set of enum values (bitset).
template <typename E, std::size_t N>
class EnumSet {
 public:
  static_assert(N <= 64);
  constexpr EnumSet() = default;
  constexpr EnumSet(std::initializer_list<E> values) {
    for (E v : values) Insert(v);
  }
  constexpr void Insert(E v) noexcept { bits_ |= Bit(v); }
  constexpr void InsertAll(EnumSet other) noexcept { bits_ |= other.bits_; }
  [[nodiscard]] constexpr bool Has(E v) const noexcept { return (bits_ & Bit(v)) != 0; }
  [[nodiscard]] constexpr bool HasAny(EnumSet other) const noexcept {
    return (bits_ & other.bits_) != 0;
  }
  [[nodiscard]] constexpr bool empty() const noexcept { return bits_ == 0; }
  [[nodiscard]] constexpr std::uint64_t bits() const noexcept { return bits_; }
  friend constexpr bool operator==(EnumSet, EnumSet) = default;

 private:
  static constexpr std::uint64_t Bit(E v) noexcept {
    return std::uint64_t{1} << static_cast<std::size_t>(v);
  }
  std::uint64_t bits_ = 0;
};

using DrugClassSet = EnumSet<DrugClass, kDrugClassCount>;

/// How a medication concept was matched, for evidence and logging.
enum class MatchSource : std::uint8_t {
  kNone,     // nothing matched
  kCode,     // a verified RxNorm or ATC code
  kDisplay,  // a name in coding.display
  kText,     // a name in CodeableConcept.text
};
[[nodiscard]] std::string_view ToString(MatchSource source) noexcept;

/// Result of ClassifyMedication().
///
/// `agents` are the most specific products/substances found (a combination's ingredients are
/// removed from `agents` when the combination itself matched, so "Vabomere (meropenem and
/// vaborbactam)" yields agents = {meropenem-vaborbactam}). `ingredients` lists every ingredient
/// of every agent (a single-substance agent is its own ingredient), so meropenem-vaborbactam has
/// ingredients {meropenem, vaborbactam}. `classes` is the union of the agents' own classes;
/// `ingredient_classes` the union of the ingredients' classes (meropenem-vaborbactam:
/// classes lack kCarbapenem, ingredient_classes have it).
struct MedicationClass {
  std::vector<Agent> agents;       // sorted, unique
  std::vector<Agent> ingredients;  // sorted, unique
  /// Human name of agents.front() from drugs.json ("divalproex sodium"), for card text; empty
  /// when nothing was recognised (or for hand-built values in tests).
  std::string display;
  DrugClassSet classes;
  DrugClassSet ingredient_classes;
  MatchSource source = MatchSource::kNone;
  /// The text suggests a non-systemic route ("ophthalmic", "otic", "topical", "inhalation",
  /// "ointment", "eye drops", ...). Rules about systemic therapy should skip such products.
  bool non_systemic_hint = false;
  /// Codes that are in the data but marked unverified, seen in the concept ("system|code").
  std::vector<std::string> unconfirmed_codes;

  [[nodiscard]] bool known() const noexcept { return !agents.empty(); }
  [[nodiscard]] bool HasAgent(Agent agent) const noexcept;
  [[nodiscard]] bool HasIngredient(Agent agent) const noexcept;
  [[nodiscard]] bool Is(DrugClass drug_class) const noexcept { return classes.Has(drug_class); }
  [[nodiscard]] bool ContainsClass(DrugClass drug_class) const noexcept {
    return ingredient_classes.Has(drug_class) || classes.Has(drug_class);
  }
  friend bool operator==(const MedicationClass&, const MedicationClass&) = default;
};

// ---------------------------------------------------------------------------------------------
// Organisms.

enum class OrganismGroup : std::uint8_t {
  kEnterobacterales,               // "enterobacterales"
  kPseudomonasAeruginosa,          // "pseudomonas-aeruginosa"
  kAcinetobacterBaumanniiComplex,  // "acinetobacter-baumannii-complex"
  kAcinetobacter,                  // "acinetobacter" (any Acinetobacter, for R13)
  kStenotrophomonasMaltophilia,    // "stenotrophomonas-maltophilia"
  kEnterococcus,                   // "enterococcus"
  kStaphylococcusAureus,           // "staphylococcus-aureus"
  kAmpCHighRisk,  // "ampc-high-risk": E. cloacae complex, K. aerogenes, C. freundii
  kGramNegative,  // "gram-negative"
  kGramPositive,  // "gram-positive"
  kNonFermenter,  // "non-fermenter"
};
inline constexpr std::size_t kOrganismGroupCount =
    static_cast<std::size_t>(OrganismGroup::kNonFermenter) + 1;
[[nodiscard]] std::string_view ToString(OrganismGroup group) noexcept;
[[nodiscard]] std::optional<OrganismGroup> ParseOrganismGroup(std::string_view id) noexcept;
using OrganismGroupSet = EnumSet<OrganismGroup, kOrganismGroupCount>;

struct OrganismClass {
  std::string id;              // organisms.json entry id, e.g. "klebsiella-pneumoniae"; empty if
                               // unknown
  std::string canonical_name;  // e.g. "Klebsiella pneumoniae"
  OrganismGroupSet groups;
  MatchSource source = MatchSource::kNone;
  std::vector<std::string> unconfirmed_codes;

  [[nodiscard]] bool known() const noexcept { return !id.empty(); }
  [[nodiscard]] bool In(OrganismGroup group) const noexcept { return groups.Has(group); }
  friend bool operator==(const OrganismClass&, const OrganismClass&) = default;
};

// ---------------------------------------------------------------------------------------------
// Labs (LOINC).

enum class LabKind : std::uint8_t {
  kUnknown,              // "unknown"
  kBloodCulture,         // "blood-culture" (600-7)
  kUrineCulture,         // "urine-culture" (630-4)
  kCulture,              // "culture" (any other culture / organism identification, 11475-1)
  kSusceptibilityPanel,  // "susceptibility-panel" (29576-6, 50545-3, 18769-0)
  kSusceptibility,       // "susceptibility" (one drug; see LabInfo::agent and method)
  kResistanceMechanism,  // "resistance-mechanism" (carbapenemase, genes, ESBL)
  kCreatinineMass,       // "creatinine-mass" (2160-0, mg/dL)
  kCreatinineMolar,      // "creatinine-molar" (14682-9, umol/L)
  kCrClMeasured,         // "crcl-measured" (2164-2)
  kCrClCockcroftGault,   // "crcl-cockcroft-gault" (35591-7)
  kEgfr,                 // "egfr"
  kWeight,               // "weight" (29463-7)
  kAlbumin,              // "albumin" (1751-7)
  kValproateLevel,       // "valproate-level" (4086-5 only)
  kProcalcitonin,        // "procalcitonin"
};
[[nodiscard]] std::string_view ToString(LabKind kind) noexcept;

enum class SusceptibilityMethod : std::uint8_t {
  kUnspecified,  // "unspecified" (method-less code, often only an interpretation)
  kMic,          // "mic"
  kDisk,         // "disk"
  kGradient,     // "gradient"
};
[[nodiscard]] std::string_view ToString(SusceptibilityMethod method) noexcept;

enum class Mechanism : std::uint8_t {
  kCarbapenemase,  // "carbapenemase" (phenotypic, 86930-5)
  kKpc,            // "kpc"
  kNdm,            // "ndm"
  kVim,            // "vim"
  kImp,            // "imp"
  kOxa48,          // "oxa-48"
  kOxa48Like,      // "oxa-48-like"
  kOxa23,          // "oxa-23"
  kOxa24,          // "oxa-24"
  kOxa58,          // "oxa-58"
  kEsbl,           // "esbl"
};
[[nodiscard]] std::string_view ToString(Mechanism mechanism) noexcept;
/// NDM, VIM, IMP: metallo-beta-lactamases (R06).
[[nodiscard]] bool IsMetalloBetaLactamase(Mechanism mechanism) noexcept;
/// OXA-48 and OXA-48-like (R07).
[[nodiscard]] bool IsOxa48Family(Mechanism mechanism) noexcept;
/// Any carbapenemase result: phenotype, KPC, MBLs, OXA-48 family, OXA-23/24/58. Not ESBL.
[[nodiscard]] bool IsCarbapenemase(Mechanism mechanism) noexcept;

enum class MechanismMethod : std::uint8_t {
  kPhenotypic,   // "phenotypic"
  kGene,         // "gene"
  kImmunoassay,  // "immunoassay"
};

struct LabInfo {
  LabKind kind = LabKind::kUnknown;
  std::string loinc;           // the matched code, empty if none
  std::optional<Agent> agent;  // kSusceptibility only
  SusceptibilityMethod method = SusceptibilityMethod::kUnspecified;  // kSusceptibility only
  std::optional<Mechanism> mechanism;                                // kResistanceMechanism only
  std::optional<MechanismMethod> mechanism_method;                   // kResistanceMechanism only
  std::string qualifier;  // free text from the data, e.g. eGFR "mdrd" or "ckd-epi-2021"
  bool verified = true;   // false: an unverified code confirmed by the display/text name

  [[nodiscard]] bool known() const noexcept { return kind != LabKind::kUnknown; }
  friend bool operator==(const LabInfo&, const LabInfo&) = default;
};

// ---------------------------------------------------------------------------------------------
// Conditions.

enum class ConditionGroup : std::uint8_t {
  kBacteremia,        // "bacteremia"
  kSepsis,            // "sepsis" (includes septic shock)
  kSepticShock,       // "septic-shock"
  kHap,               // "hap"
  kVap,               // "vap"
  kPneumonia,         // "pneumonia" (any; HAP = kHap, or kPneumonia + kNosocomial)
  kNosocomial,        // "nosocomial" (Y95)
  kMeningitisCns,     // "meningitis-cns"
  kUti,               // "uti"
  kIntraAbdominal,    // "intra-abdominal"
  kEpilepsySeizure,   // "epilepsy-seizure"
  kEsrdDialysis,      // "esrd-dialysis"
  kDialysis,          // "dialysis" (dialysis dependence itself: Z99.2, 105502003)
  kNeutropenicFever,  // "neutropenic-fever"
};
inline constexpr std::size_t kConditionGroupCount =
    static_cast<std::size_t>(ConditionGroup::kNeutropenicFever) + 1;
[[nodiscard]] std::string_view ToString(ConditionGroup group) noexcept;
[[nodiscard]] std::optional<ConditionGroup> ParseConditionGroup(std::string_view id) noexcept;
using ConditionGroupSet = EnumSet<ConditionGroup, kConditionGroupCount>;

// ---------------------------------------------------------------------------------------------
// Interpretations and coded result values.

enum class Interpretation : std::uint8_t {
  kUnknown,                   // "unknown"
  kSusceptible,               // "S"
  kIntermediate,              // "I"
  kResistant,                 // "R"
  kSusceptibleDoseDependent,  // "SDD"
  kNonSusceptible,            // "NS"
  kDetected,                  // "detected"
  kNotDetected,               // "not-detected"
  kNoGrowth,                  // "no-growth"
};
[[nodiscard]] std::string_view ToString(Interpretation interpretation) noexcept;
/// True for I, R and NS (the "not susceptible" outcomes the rules treat as failure).
[[nodiscard]] bool IsNotSusceptible(Interpretation interpretation) noexcept;

// ---------------------------------------------------------------------------------------------
// Loading.

/// Why loading failed: the file (name only, e.g. "drugs.json"), the entry ("entry 12
/// (\"meropenem\")", empty for file-level problems) and what is wrong.
struct LoadError {
  std::string file;
  std::string entry;
  std::string message;

  /// "drugs.json: entry 12 (\"meropenem\"): missing \"classes\"".
  [[nodiscard]] std::string ToString() const;
  friend bool operator==(const LoadError&, const LoadError&) = default;
};

/// Explicit paths of the data files (tests point single files at broken fixtures).
struct TerminologyPaths {
  std::filesystem::path drugs;
  std::filesystem::path organisms;
  std::filesystem::path loinc;
  std::filesystem::path conditions;
  std::filesystem::path interpretations;

  /// The five standard file names inside `dir`.
  [[nodiscard]] static TerminologyPaths InDirectory(const std::filesystem::path& dir);
};

class Terminology;

/// Either a loaded Terminology or the first LoadError.
class LoadResult;

namespace terminology_internal {
struct Data;
class MedicationCache;
}  // namespace terminology_internal

class Terminology {
 public:
  /// Loads and validates all files in `dir` (TerminologyPaths::InDirectory). Never throws for
  /// bad data; returns the first error.
  [[nodiscard]] static LoadResult Load(const std::filesystem::path& dir);
  [[nodiscard]] static LoadResult Load(const TerminologyPaths& paths);

  Terminology(Terminology&&) noexcept;
  Terminology& operator=(Terminology&&) noexcept;
  Terminology(const Terminology&) = delete;
  Terminology& operator=(const Terminology&) = delete;
  ~Terminology();

  /// "drugs=2025.1;organisms=2025.1;loinc=...;conditions=...;interpretations=..." for logs.
  [[nodiscard]] const std::string& version() const noexcept;

  /// Classifies a medication concept (MedicationRequest.medicationCodeableConcept,
  /// Medication.code, or one Medication.ingredient item). Verified RxNorm/ATC codes win; if none
  /// matches, names in coding.display and text are used. Cached; thread-safe.
  [[nodiscard]] MedicationClass ClassifyMedication(const fhir::CodeableConcept& cc) const;
  /// Free-text convenience (same as a concept with only `text`); not cached.
  [[nodiscard]] MedicationClass ClassifyMedicationText(std::string_view text) const;
  /// Classes and ingredients of one agent as defined in drugs.json.
  [[nodiscard]] DrugClassSet ClassesOf(Agent agent) const noexcept;
  [[nodiscard]] const std::vector<Agent>& IngredientsOf(Agent agent) const noexcept;
  /// Display name from drugs.json ("meropenem-vaborbactam").
  [[nodiscard]] const std::string& DisplayName(Agent agent) const noexcept;

  /// Organism from Observation.valueCodeableConcept: SNOMED code, else names in display/text
  /// ("Klebsiella pneumoniae", "K. pneumoniae", "Klebsiella spp."). Unknown -> !known().
  [[nodiscard]] OrganismClass ClassifyOrganism(const fhir::CodeableConcept& cc) const;

  /// Lab kind of an Observation.code: the first LOINC coding found in loinc.json. Unverified
  /// codes count only when the display/text names the drug (susceptibility) or carries a
  /// confirming name from the data.
  [[nodiscard]] LabInfo ClassifyLab(const fhir::CodeableConcept& code) const;
  /// Direct lookup of a LOINC code (verified entries only); nullptr if not in the data.
  [[nodiscard]] const LabInfo* LookupLoinc(std::string_view loinc) const noexcept;

  /// Condition groups of a Condition.code: SNOMED exact, ICD-10-CM exact or by prefix (family,
  /// e.g. "G40" covers "G40.909"), and names in text/display ("septic shock"), with a simple
  /// negation guard ("no sepsis", "without septic shock", "rule out sepsis").
  [[nodiscard]] ConditionGroupSet ClassifyCondition(const fhir::CodeableConcept& code) const;

  /// Interpretation of Observation.interpretation or a coded valueCodeableConcept (v3 S/I/R/SDD/NS,
  /// SNOMED 131196009/11896004/30714006, 260373001 detected, 260415000 not detected, 264868006
  /// no growth), else of its text. The first coding that matches wins.
  [[nodiscard]] Interpretation NormalizeInterpretation(const fhir::CodeableConcept& cc) const;
  /// Interpretation of a bare string ("R", "Resistant", "not detected"); whole string only.
  [[nodiscard]] Interpretation NormalizeInterpretation(std::string_view text) const;

  /// Cache statistics (tests, metrics).
  struct CacheStats {
    std::size_t hits = 0;
    std::size_t misses = 0;
    std::size_t size = 0;
  };
  [[nodiscard]] CacheStats medication_cache_stats() const;

 private:
  explicit Terminology(std::unique_ptr<const terminology_internal::Data> data);

  std::unique_ptr<const terminology_internal::Data> data_;
  std::unique_ptr<terminology_internal::MedicationCache> cache_;
};

class LoadResult {
 public:
  LoadResult(Terminology terminology) : value_(std::move(terminology)) {}  // NOLINT
  LoadResult(LoadError error) : value_(std::move(error)) {}                // NOLINT

  [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<Terminology>(value_); }
  /// Precondition: ok().
  [[nodiscard]] const Terminology& value() const& { return std::get<Terminology>(value_); }
  [[nodiscard]] Terminology&& value() && { return std::get<Terminology>(std::move(value_)); }
  /// Precondition: !ok().
  [[nodiscard]] const LoadError& error() const& { return std::get<LoadError>(value_); }

 private:
  std::variant<Terminology, LoadError> value_;
};

}  // namespace cds::engine
