#include "engine/terminology/terminology.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "engine/terminology/json_reader.hpp"
#include "engine/terminology/text_match.hpp"

namespace cds::engine {

using terminology_internal::HasNonSystemicMarker;
using terminology_internal::IsNegated;
using terminology_internal::JoinTokens;
using terminology_internal::NormalizeTokens;
using terminology_internal::PhraseIndex;
using terminology_internal::PhraseMatch;
using terminology_internal::Tokens;

// ---------------------------------------------------------------------------------------------
// Enum <-> string tables. The order of each table is the order of its enum.
namespace {

constexpr std::array<std::string_view, kAgentCount> kAgentIds = {
    "meropenem",
    "imipenem-cilastatin",
    "ertapenem",
    "doripenem",
    "meropenem-vaborbactam",
    "imipenem-cilastatin-relebactam",
    "ceftazidime-avibactam",
    "ceftolozane-tazobactam",
    "aztreonam-avibactam",
    "sulbactam-durlobactam",
    "cefiderocol",
    "colistin",
    "colistimethate",
    "polymyxin-b",
    "tigecycline",
    "eravacycline",
    "minocycline",
    "omadacycline",
    "doxycycline",
    "gentamicin",
    "tobramycin",
    "amikacin",
    "plazomicin",
    "fosfomycin",
    "rifampin",
    "ampicillin-sulbactam",
    "aztreonam",
    "cefepime",
    "ceftazidime",
    "ceftriaxone",
    "cefotaxime",
    "cefazolin",
    "piperacillin-tazobactam",
    "ampicillin",
    "ciprofloxacin",
    "levofloxacin",
    "trimethoprim-sulfamethoxazole",
    "nitrofurantoin",
    "metronidazole",
    "vancomycin",
    "linezolid",
    "daptomycin",
    "bacitracin-polymyxin-b",
    "trimethoprim-polymyxin-b",
    "neomycin-polymyxin-b",
    "valproate",
    "valproic-acid",
    "valproate-sodium",
    "divalproex-sodium",
    "ganciclovir",
    "valganciclovir",
    "levetiracetam",
    "phenytoin",
    "fosphenytoin",
    "lacosamide",
    "carbamazepine",
    "lamotrigine",
    "brivaracetam",
    "phenobarbital",
    "topiramate",
    "oxcarbazepine",
    "imipenem",
    "cilastatin",
    "vaborbactam",
    "relebactam",
    "avibactam",
    "tazobactam",
    "ceftolozane",
    "sulbactam",
    "durlobactam",
    "piperacillin",
    "trimethoprim",
    "sulfamethoxazole",
    "bacitracin",
    "neomycin",
};

constexpr std::array<std::string_view, kDrugClassCount> kDrugClassIds = {
    "carbapenem",
    "carbapenem-containing",
    "new-bl-bli",
    "cefiderocol",
    "polymyxin",
    "tetracycline-class",
    "glycylcycline-like",
    "aminoglycoside",
    "fosfomycin",
    "rifamycin",
    "sulbactam-agent",
    "monobactam",
    "cephalosporin",
    "penicillin",
    "fluoroquinolone",
    "beta-lactam",
    "beta-lactamase-inhibitor",
    "gram-negative-active",
    "antibacterial",
    "topical-only",
    "valproate",
    "ganciclovir",
    "anticonvulsant",
};

constexpr std::array<std::string_view, kOrganismGroupCount> kOrganismGroupIds = {
    "enterobacterales",
    "pseudomonas-aeruginosa",
    "acinetobacter-baumannii-complex",
    "acinetobacter",
    "stenotrophomonas-maltophilia",
    "enterococcus",
    "staphylococcus-aureus",
    "ampc-high-risk",
    "gram-negative",
    "gram-positive",
    "non-fermenter",
};

constexpr std::array<std::string_view, kConditionGroupCount> kConditionGroupIds = {
    "bacteremia",
    "sepsis",
    "septic-shock",
    "hap",
    "vap",
    "pneumonia",
    "nosocomial",
    "meningitis-cns",
    "uti",
    "intra-abdominal",
    "epilepsy-seizure",
    "esrd-dialysis",
    "dialysis",
    "neutropenic-fever",
};

constexpr std::array<std::string_view, 16> kLabKindIds = {
    "unknown",
    "blood-culture",
    "urine-culture",
    "culture",
    "susceptibility-panel",
    "susceptibility",
    "resistance-mechanism",
    "creatinine-mass",
    "creatinine-molar",
    "crcl-measured",
    "crcl-cockcroft-gault",
    "egfr",
    "weight",
    "albumin",
    "valproate-level",
    "procalcitonin",
};

constexpr std::array<std::string_view, 4> kMethodIds = {"unspecified", "mic", "disk", "gradient"};

constexpr std::array<std::string_view, 11> kMechanismIds = {
    "carbapenemase", "kpc",    "ndm",    "vim",    "imp", "oxa-48",
    "oxa-48-like",   "oxa-23", "oxa-24", "oxa-58", "esbl"};

constexpr std::array<std::string_view, 3> kMechanismMethodIds = {"phenotypic", "gene",
                                                                 "immunoassay"};

constexpr std::array<std::string_view, 9> kInterpretationIds = {
    "unknown", "S", "I", "R", "SDD", "NS", "detected", "not-detected", "no-growth"};

constexpr std::array<std::string_view, 4> kMatchSourceIds = {"none", "code", "display", "text"};

template <typename E, std::size_t N>
std::string_view EnumToString(const std::array<std::string_view, N>& ids, E value) noexcept {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? ids[i] : std::string_view("?");
}

template <typename E, std::size_t N>
std::optional<E> EnumFromString(const std::array<std::string_view, N>& ids,
                                std::string_view id) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (ids[i] == id) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(Agent agent) noexcept { return EnumToString(kAgentIds, agent); }
std::optional<Agent> ParseAgent(std::string_view id) noexcept {
  return EnumFromString<Agent>(kAgentIds, id);
}
std::string_view ToString(DrugClass c) noexcept { return EnumToString(kDrugClassIds, c); }
std::optional<DrugClass> ParseDrugClass(std::string_view id) noexcept {
  return EnumFromString<DrugClass>(kDrugClassIds, id);
}
std::string_view ToString(MatchSource s) noexcept { return EnumToString(kMatchSourceIds, s); }
std::string_view ToString(OrganismGroup g) noexcept { return EnumToString(kOrganismGroupIds, g); }
std::optional<OrganismGroup> ParseOrganismGroup(std::string_view id) noexcept {
  return EnumFromString<OrganismGroup>(kOrganismGroupIds, id);
}
std::string_view ToString(LabKind k) noexcept { return EnumToString(kLabKindIds, k); }
std::string_view ToString(SusceptibilityMethod m) noexcept { return EnumToString(kMethodIds, m); }
std::string_view ToString(Mechanism m) noexcept { return EnumToString(kMechanismIds, m); }
std::string_view ToString(ConditionGroup g) noexcept { return EnumToString(kConditionGroupIds, g); }
std::optional<ConditionGroup> ParseConditionGroup(std::string_view id) noexcept {
  return EnumFromString<ConditionGroup>(kConditionGroupIds, id);
}
std::string_view ToString(Interpretation i) noexcept { return EnumToString(kInterpretationIds, i); }

bool IsMetalloBetaLactamase(Mechanism m) noexcept {
  return m == Mechanism::kNdm || m == Mechanism::kVim || m == Mechanism::kImp;
}
bool IsOxa48Family(Mechanism m) noexcept {
  return m == Mechanism::kOxa48 || m == Mechanism::kOxa48Like;
}
bool IsCarbapenemase(Mechanism m) noexcept { return m != Mechanism::kEsbl; }

bool IsNotSusceptible(Interpretation i) noexcept {
  return i == Interpretation::kIntermediate || i == Interpretation::kResistant ||
         i == Interpretation::kNonSusceptible;
}

bool MedicationClass::HasAgent(Agent agent) const noexcept {
  return std::find(agents.begin(), agents.end(), agent) != agents.end();
}
bool MedicationClass::HasIngredient(Agent agent) const noexcept {
  return std::find(ingredients.begin(), ingredients.end(), agent) != ingredients.end();
}

std::string LoadError::ToString() const {
  std::string out = file;
  if (!entry.empty()) out += ": " + entry;
  out += ": " + message;
  return out;
}

TerminologyPaths TerminologyPaths::InDirectory(const std::filesystem::path& dir) {
  return TerminologyPaths{dir / "drugs.json", dir / "organisms.json", dir / "loinc.json",
                          dir / "conditions.json", dir / "interpretations.json"};
}

// ---------------------------------------------------------------------------------------------
// Loaded data.
namespace terminology_internal {

struct CodeTarget {
  int target = -1;
  bool verified = true;
};

struct AgentInfo {
  bool defined = false;
  std::string display;
  DrugClassSet classes;
  std::vector<Agent> ingredients;  // itself for single substances
};

struct OrganismEntry {
  std::string id;
  std::string name;
  OrganismGroupSet groups;
};

struct LabEntry {
  LabInfo info;
  std::vector<Tokens> confirm_names;  // for unverified non-susceptibility codes
};

struct ConditionCode {
  std::string code;  // normalized (ICD: upper-case, no dot)
  int group = -1;
  bool prefix = false;
  bool verified = true;
};

struct Data {
  std::string version;

  std::array<AgentInfo, kAgentCount> agents;
  std::unordered_map<std::string, CodeTarget> drug_codes;  // "rxnorm|29561", "atc|J01DH02"
  PhraseIndex drug_names;

  std::vector<OrganismEntry> organisms;
  std::unordered_map<std::string, CodeTarget> organism_codes;  // "snomed|56415008"
  PhraseIndex organism_names;

  std::unordered_map<std::string, LabEntry> labs;  // LOINC code -> entry

  std::vector<ConditionCode> condition_icd;  // several groups per code ok
  std::unordered_multimap<std::string, CodeTarget> condition_snomed_multi;
  PhraseIndex condition_names;

  std::unordered_map<std::string, Interpretation> interpretation_codes;  // "v3|R"
  std::unordered_map<std::string, Interpretation> interpretation_texts;  // normalized text
};

/// Bounded, sharded cache of medication classifications.
class MedicationCache {
 public:
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kCapacityPerShard = 512;

  std::optional<MedicationClass> Get(const std::string& key) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second;
  }

  void Put(const std::string& key, const MedicationClass& value) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    if (shard.map.contains(key)) return;
    if (shard.map.size() >= kCapacityPerShard) {  // FIFO eviction keeps the bound simple
      shard.map.erase(shard.order.front());
      shard.order.pop_front();
    }
    shard.map.emplace(key, value);
    shard.order.push_back(key);
  }

  Terminology::CacheStats Stats() {
    Terminology::CacheStats stats;
    stats.hits = hits_.load(std::memory_order_relaxed);
    stats.misses = misses_.load(std::memory_order_relaxed);
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      stats.size += shard.map.size();
    }
    return stats;
  }

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, MedicationClass> map;
    std::deque<std::string> order;
  };
  Shard& ShardFor(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % kShards];
  }

  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> hits_{0};
  std::atomic<std::size_t> misses_{0};
};

}  // namespace terminology_internal

using terminology_internal::CodeTarget;
using terminology_internal::Data;

// ---------------------------------------------------------------------------------------------
// System URIs -> the short names used in the data files.
namespace {

std::string_view ShortSystem(std::string_view uri) noexcept {
  if (uri == kRxNormSystem || uri == "urn:oid:2.16.840.1.113883.6.88") return "rxnorm";
  if (uri == kAtcSystem || uri == "urn:oid:2.16.840.1.113883.6.73") return "atc";
  if (uri == kSnomedSystem || uri == "urn:oid:2.16.840.1.113883.6.96") return "snomed";
  if (uri == kLoincSystem || uri == "urn:oid:2.16.840.1.113883.6.1") return "loinc";
  if (uri == kIcd10CmSystem || uri == kIcd10System || uri == "urn:oid:2.16.840.1.113883.6.90" ||
      uri == "urn:oid:2.16.840.1.113883.6.3") {
    return "icd10cm";
  }
  if (uri == kV3InterpretationSystem || uri == "http://hl7.org/fhir/v3/ObservationInterpretation" ||
      uri == "http://terminology.hl7.org/CodeSystem/v2-0078" ||
      uri == "http://hl7.org/fhir/v2/0078") {
    return "v3";
  }
  return {};
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// ICD-10 codes compare upper-case without the dot: "g40.909" -> "G40909".
std::string NormalizeIcd(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '.' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Loader helpers: every failure is a LoadError naming file and entry.

class FileLoader {
 public:
  FileLoader(std::filesystem::path path, std::string_view list_key)
      : path_(std::move(path)), file_(path_.filename().string()), list_key_(list_key) {}

  const std::string& file() const { return file_; }

  // Reads and parses the file; checks "version" and the entry list.
  std::optional<LoadError> Open() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return LoadError{file_, "", "cannot open " + path_.string()};
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return LoadError{file_, "", "cannot read " + path_.string()};
    auto parsed = json::Parse(buffer.str());
    if (const auto* error = std::get_if<json::ParseError>(&parsed)) {
      return LoadError{file_, "", "invalid JSON: " + error->ToString()};
    }
    root_ = std::get<json::Value>(std::move(parsed));
    if (!root_.is_object()) return LoadError{file_, "", "the document must be an object"};
    const json::Value* version = root_.Find("version");
    if (version == nullptr) return LoadError{file_, "", "missing \"version\""};
    if (!version->is_string() || version->as_string().empty()) {
      return LoadError{file_, "", "\"version\" must be a non-empty string"};
    }
    version_ = version->as_string();
    const json::Value* list = root_.Find(list_key_);
    if (list == nullptr) return LoadError{file_, "", "missing \"" + list_key_ + "\""};
    if (!list->is_array()) return LoadError{file_, "", "\"" + list_key_ + "\" must be an array"};
    if (list->as_array().empty()) return LoadError{file_, "", "\"" + list_key_ + "\" is empty"};
    for (const auto& [key, unused] : root_.as_object()) {
      if (key != "version" && key != list_key_ && key != "description") {
        return LoadError{file_, "", "unknown member \"" + key + "\""};
      }
    }
    return std::nullopt;
  }

  const std::string& version() const { return version_; }
  const json::Array& entries() const { return root_.Find(list_key_)->as_array(); }

  // "entry 12 (\"meropenem\")" or "entry 12" when the entry has no usable label.
  static std::string EntryLabel(std::size_t index, const json::Value& entry,
                                std::string_view label_key) {
    std::string label = "entry " + std::to_string(index);
    if (const json::Value* id = entry.Find(label_key); id != nullptr && id->is_string()) {
      label += " (\"" + id->as_string() + "\")";
    }
    return label;
  }

  LoadError Error(const std::string& entry, std::string message) const {
    return LoadError{file_, entry, std::move(message)};
  }

 private:
  std::filesystem::path path_;
  std::string file_;
  std::string list_key_;
  json::Value root_;
  std::string version_;
};

// Checks that an entry has only known members.
std::optional<std::string> CheckMembers(const json::Value& entry,
                                        std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, unused] : entry.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return "unknown member \"" + key + "\"";
    }
  }
  return std::nullopt;
}

// A required non-empty string member.
std::optional<std::string> RequireString(const json::Value& entry, std::string_view key,
                                         std::string* out) {
  const json::Value* v = entry.Find(key);
  if (v == nullptr) return "missing \"" + std::string(key) + "\"";
  if (!v->is_string() || Trim(v->as_string()).empty()) {
    return "\"" + std::string(key) + "\" must be a non-empty string";
  }
  *out = Trim(v->as_string());
  return std::nullopt;
}

// An array of non-empty strings; `required` makes absence an error.
std::optional<std::string> StringList(const json::Value& entry, std::string_view key, bool required,
                                      std::vector<std::string>* out) {
  const json::Value* v = entry.Find(key);
  if (v == nullptr) {
    if (required) return "missing \"" + std::string(key) + "\"";
    return std::nullopt;
  }
  if (!v->is_array()) return "\"" + std::string(key) + "\" must be an array of strings";
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const json::Value& item = v->as_array()[i];
    if (!item.is_string() || Trim(item.as_string()).empty()) {
      return "\"" + std::string(key) + "\"[" + std::to_string(i) + "] must be a non-empty string";
    }
    out->push_back(Trim(item.as_string()));
  }
  return std::nullopt;
}

struct CodeSpec {
  std::string code;
  bool verified = true;
};

// A code list: each item is "code" (verified) or {"code": "...", "verified": false, "note": "..."}.
std::optional<std::string> CodeList(const json::Value& entry, std::string_view key,
                                    std::vector<CodeSpec>* out) {
  const json::Value* v = entry.Find(key);
  if (v == nullptr) return std::nullopt;
  const std::string k(key);
  if (!v->is_array()) return "\"" + k + "\" must be an array";
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const json::Value& item = v->as_array()[i];
    const std::string where = "\"" + k + "\"[" + std::to_string(i) + "]";
    if (item.is_string()) {
      if (Trim(item.as_string()).empty()) return where + " is empty";
      out->push_back(CodeSpec{Trim(item.as_string()), true});
      continue;
    }
    if (!item.is_object()) return where + " must be a string or an object";
    if (auto e = CheckMembers(item, {"code", "verified", "note"})) return where + ": " + *e;
    CodeSpec spec;
    if (auto e = RequireString(item, "code", &spec.code)) return where + ": " + *e;
    const json::Value* verified = item.Find("verified");
    if (verified == nullptr) return where + ": missing \"verified\" (use a plain string instead)";
    if (!verified->is_bool()) return where + ": \"verified\" must be a boolean";
    spec.verified = verified->as_bool();
    out->push_back(std::move(spec));
  }
  return std::nullopt;
}

template <typename E, typename Parse>
std::optional<std::string> EnumList(const std::vector<std::string>& ids, std::string_view what,
                                    Parse parse, std::vector<E>* out) {
  for (const std::string& id : ids) {
    std::optional<E> v = parse(id);
    if (!v) return "unknown " + std::string(what) + " \"" + id + "\"";
    out->push_back(*v);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// drugs.json

std::optional<LoadError> LoadDrugs(const std::filesystem::path& path, Data& data,
                                   std::string& version) {
  FileLoader loader(path, "agents");
  if (auto e = loader.Open()) return e;
  version = loader.version();

  struct Pending {
    std::string label;
    Agent agent;
    std::vector<std::string> names;
    std::string combination_name;
    std::vector<std::string> ingredient_ids;
  };
  std::vector<Pending> pending;
  std::array<std::string, kAgentCount> labels;
  std::unordered_map<std::string, std::string> code_owner_label;

  const json::Array& entries = loader.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json::Value& entry = entries[i];
    std::string label = FileLoader::EntryLabel(i, entry, "id");
    if (!entry.is_object()) return loader.Error(label, "must be an object");
    if (auto e = CheckMembers(entry, {"id", "display", "classes", "ingredients", "names",
                                      "combination_name", "rxnorm", "atc", "note"})) {
      return loader.Error(label, *e);
    }
    std::string id;
    if (auto e = RequireString(entry, "id", &id)) return loader.Error(label, *e);
    std::optional<Agent> agent = ParseAgent(id);
    if (!agent) return loader.Error(label, "unknown agent id \"" + id + "\"");
    terminology_internal::AgentInfo& info = data.agents[static_cast<std::size_t>(*agent)];
    if (info.defined) {
      return loader.Error(label, "duplicate agent id, first defined by " +
                                     labels[static_cast<std::size_t>(*agent)]);
    }
    info.defined = true;
    labels[static_cast<std::size_t>(*agent)] = label;
    if (auto e = RequireString(entry, "display", &info.display)) return loader.Error(label, *e);

    std::vector<std::string> class_ids;
    if (auto e = StringList(entry, "classes", true, &class_ids)) return loader.Error(label, *e);
    std::vector<DrugClass> classes;
    if (auto e = EnumList<DrugClass>(class_ids, "class", ParseDrugClass, &classes)) {
      return loader.Error(label, *e);
    }
    for (DrugClass c : classes) info.classes.Insert(c);

    Pending p{label, *agent, {}, {}, {}};
    if (auto e = StringList(entry, "names", true, &p.names)) return loader.Error(label, *e);
    if (auto e = StringList(entry, "ingredients", false, &p.ingredient_ids)) {
      return loader.Error(label, *e);
    }
    if (p.ingredient_ids.size() == 1) {
      return loader.Error(label,
                          "\"ingredients\" needs two or more items (omit it for a single "
                          "substance)");
    }
    if (const json::Value* cn = entry.Find("combination_name"); cn != nullptr) {
      if (auto e = RequireString(entry, "combination_name", &p.combination_name)) {
        return loader.Error(label, *e);
      }
    } else if (!p.names.empty()) {
      p.combination_name = p.names.front();
    }

    for (std::string_view system : {"rxnorm", "atc"}) {
      std::vector<CodeSpec> codes;
      if (auto e = CodeList(entry, system, &codes)) return loader.Error(label, *e);
      for (const CodeSpec& code : codes) {
        std::string key = std::string(system) + "|" + code.code;
        auto [it, inserted] =
            data.drug_codes.emplace(key, CodeTarget{static_cast<int>(*agent), code.verified});
        if (!inserted) {
          return loader.Error(label, std::string(system) + " code " + code.code +
                                         " is already defined by " + code_owner_label[key]);
        }
        code_owner_label[key] = label;
      }
    }
    pending.push_back(std::move(p));
  }

  for (std::size_t a = 0; a < kAgentCount; ++a) {
    if (!data.agents[a].defined) {
      return LoadError{loader.file(), "",
                       "agent \"" + std::string(kAgentIds[a]) + "\" is not defined"};
    }
  }

  // Second pass: ingredients (may refer forward) and names, including every ordering of a
  // combination's ingredient names ("avibactam ceftazidime" as in RxNorm's alphabetical names).
  std::unordered_map<std::string, std::string> combination_names;
  for (const Pending& p : pending)
    combination_names[std::string(ToString(p.agent))] = p.combination_name;

  for (const Pending& p : pending) {
    terminology_internal::AgentInfo& info = data.agents[static_cast<std::size_t>(p.agent)];
    std::vector<Tokens> phrases;
    for (const std::string& name : p.names) {
      Tokens t = NormalizeTokens(name);
      if (t.empty()) {
        return loader.Error(p.label, "name \"" + name + "\" is empty after normalization");
      }
      phrases.push_back(std::move(t));
    }
    if (p.ingredient_ids.empty()) {
      info.ingredients = {p.agent};
    } else {
      std::vector<std::string> parts;
      for (const std::string& id : p.ingredient_ids) {
        std::optional<Agent> ingredient = ParseAgent(id);
        if (!ingredient) return loader.Error(p.label, "unknown ingredient \"" + id + "\"");
        if (*ingredient == p.agent) return loader.Error(p.label, "lists itself as an ingredient");
        const auto& ing = data.agents[static_cast<std::size_t>(*ingredient)];
        if (ing.ingredients.size() > 1) {
          return loader.Error(p.label, "ingredient \"" + id + "\" is itself a combination");
        }
        if (std::find(info.ingredients.begin(), info.ingredients.end(), *ingredient) !=
            info.ingredients.end()) {
          return loader.Error(p.label, "duplicate ingredient \"" + id + "\"");
        }
        info.ingredients.push_back(*ingredient);
        const std::string& part = combination_names[id];
        if (part.empty()) {
          return loader.Error(p.label, "ingredient \"" + id + "\" has no name to combine");
        }
        parts.push_back(part);
      }
      std::sort(info.ingredients.begin(), info.ingredients.end());
      std::sort(parts.begin(), parts.end());
      do {
        Tokens t;
        for (const std::string& part : parts) {
          Tokens pt = NormalizeTokens(part);
          t.insert(t.end(), pt.begin(), pt.end());
        }
        phrases.push_back(std::move(t));
      } while (std::next_permutation(parts.begin(), parts.end()));
    }
    for (const Tokens& phrase : phrases) {
      const int owner = data.drug_names.Add(phrase, static_cast<int>(p.agent));
      if (owner >= 0) {
        return loader.Error(p.label, "name \"" + JoinTokens(phrase) + "\" is already used by " +
                                         labels[static_cast<std::size_t>(owner)]);
      }
    }
  }
  // Ingredients defined later than their combination were still single-substance at the time of
  // the check above only if they had been processed; re-check now that all are known.
  for (std::size_t a = 0; a < kAgentCount; ++a) {
    const auto& info = data.agents[a];
    if (info.ingredients.size() < 2) continue;
    for (Agent ingredient : info.ingredients) {
      if (data.agents[static_cast<std::size_t>(ingredient)].ingredients.size() > 1) {
        return LoadError{
            loader.file(), labels[a],
            "ingredient \"" + std::string(ToString(ingredient)) + "\" is itself a combination"};
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// organisms.json

std::optional<LoadError> LoadOrganisms(const std::filesystem::path& path, Data& data,
                                       std::string& version) {
  FileLoader loader(path, "organisms");
  if (auto e = loader.Open()) return e;
  version = loader.version();
  std::unordered_map<std::string, std::string> ids;
  std::unordered_map<std::string, std::string> code_owner;
  std::vector<std::string> labels;
  const json::Array& entries = loader.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json::Value& entry = entries[i];
    std::string label = FileLoader::EntryLabel(i, entry, "id");
    if (!entry.is_object()) return loader.Error(label, "must be an object");
    if (auto e = CheckMembers(entry, {"id", "name", "groups", "names", "snomed", "note"})) {
      return loader.Error(label, *e);
    }
    terminology_internal::OrganismEntry organism;
    if (auto e = RequireString(entry, "id", &organism.id)) return loader.Error(label, *e);
    if (auto [it, inserted] = ids.emplace(organism.id, label); !inserted) {
      return loader.Error(label, "duplicate id, first defined by " + it->second);
    }
    if (auto e = RequireString(entry, "name", &organism.name)) return loader.Error(label, *e);
    std::vector<std::string> group_ids;
    if (auto e = StringList(entry, "groups", true, &group_ids)) return loader.Error(label, *e);
    std::vector<OrganismGroup> groups;
    if (auto e = EnumList<OrganismGroup>(group_ids, "group", ParseOrganismGroup, &groups)) {
      return loader.Error(label, *e);
    }
    if (groups.empty()) return loader.Error(label, "\"groups\" is empty");
    for (OrganismGroup g : groups) organism.groups.Insert(g);
    const int index = static_cast<int>(data.organisms.size());
    std::vector<std::string> names;
    if (auto e = StringList(entry, "names", true, &names)) return loader.Error(label, *e);
    names.push_back(organism.name);
    for (const std::string& name : names) {
      Tokens t = NormalizeTokens(name);
      if (t.empty())
        return loader.Error(label, "name \"" + name + "\" is empty after normalization");
      const int owner = data.organism_names.Add(t, index);
      if (owner >= 0) {
        return loader.Error(label, "name \"" + JoinTokens(t) + "\" is already used by " +
                                       labels[static_cast<std::size_t>(owner)]);
      }
    }
    std::vector<CodeSpec> codes;
    if (auto e = CodeList(entry, "snomed", &codes)) return loader.Error(label, *e);
    for (const CodeSpec& code : codes) {
      auto [it, inserted] =
          data.organism_codes.emplace("snomed|" + code.code, CodeTarget{index, code.verified});
      if (!inserted) {
        return loader.Error(
            label, "snomed code " + code.code + " is already defined by " + code_owner[code.code]);
      }
      code_owner[code.code] = label;
    }
    labels.push_back(label);
    data.organisms.push_back(std::move(organism));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// loinc.json

std::optional<LoadError> LoadLoinc(const std::filesystem::path& path, Data& data,
                                   std::string& version) {
  FileLoader loader(path, "codes");
  if (auto e = loader.Open()) return e;
  version = loader.version();
  std::unordered_map<std::string, std::string> owner;
  const json::Array& entries = loader.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json::Value& entry = entries[i];
    std::string label = FileLoader::EntryLabel(i, entry, "code");
    if (!entry.is_object()) return loader.Error(label, "must be an object");
    if (auto e =
            CheckMembers(entry, {"code", "kind", "agent", "method", "mechanism", "mechanism_method",
                                 "qualifier", "verified", "names", "display", "note"})) {
      return loader.Error(label, *e);
    }
    terminology_internal::LabEntry lab;
    LabInfo& info = lab.info;
    if (auto e = RequireString(entry, "code", &info.loinc)) return loader.Error(label, *e);
    if (auto [it, inserted] = owner.emplace(info.loinc, label); !inserted) {
      return loader.Error(label, "duplicate code, first defined by " + it->second);
    }
    std::string kind;
    if (auto e = RequireString(entry, "kind", &kind)) return loader.Error(label, *e);
    auto parsed_kind = EnumFromString<LabKind>(kLabKindIds, kind);
    if (!parsed_kind || *parsed_kind == LabKind::kUnknown) {
      return loader.Error(label, "unknown kind \"" + kind + "\"");
    }
    info.kind = *parsed_kind;
    const bool susceptibility = info.kind == LabKind::kSusceptibility;
    const bool mechanism = info.kind == LabKind::kResistanceMechanism;
    if (susceptibility) {
      std::string agent;
      if (auto e = RequireString(entry, "agent", &agent)) return loader.Error(label, *e);
      info.agent = ParseAgent(agent);
      if (!info.agent) return loader.Error(label, "unknown agent \"" + agent + "\"");
      std::string method;
      if (auto e = RequireString(entry, "method", &method)) return loader.Error(label, *e);
      auto m = EnumFromString<SusceptibilityMethod>(kMethodIds, method);
      if (!m) return loader.Error(label, "unknown method \"" + method + "\"");
      info.method = *m;
    } else if (entry.Find("agent") != nullptr || entry.Find("method") != nullptr) {
      return loader.Error(label, "\"agent\"/\"method\" are only for kind \"susceptibility\"");
    }
    if (mechanism) {
      std::string mech;
      if (auto e = RequireString(entry, "mechanism", &mech)) return loader.Error(label, *e);
      auto m = EnumFromString<Mechanism>(kMechanismIds, mech);
      if (!m) return loader.Error(label, "unknown mechanism \"" + mech + "\"");
      info.mechanism = *m;
      std::string method;
      if (auto e = RequireString(entry, "mechanism_method", &method)) {
        return loader.Error(label, *e);
      }
      info.mechanism_method = EnumFromString<MechanismMethod>(kMechanismMethodIds, method);
      if (!info.mechanism_method) {
        return loader.Error(label, "unknown mechanism_method \"" + method + "\"");
      }
    } else if (entry.Find("mechanism") != nullptr || entry.Find("mechanism_method") != nullptr) {
      return loader.Error(label, "\"mechanism\" is only for kind \"resistance-mechanism\"");
    }
    if (entry.Find("qualifier") != nullptr) {
      if (auto e = RequireString(entry, "qualifier", &info.qualifier)) {
        return loader.Error(label, *e);
      }
    }
    if (const json::Value* verified = entry.Find("verified"); verified != nullptr) {
      if (!verified->is_bool()) return loader.Error(label, "\"verified\" must be a boolean");
      info.verified = verified->as_bool();
    }
    std::vector<std::string> names;
    if (auto e = StringList(entry, "names", false, &names)) return loader.Error(label, *e);
    for (const std::string& name : names) {
      Tokens t = NormalizeTokens(name);
      if (t.empty())
        return loader.Error(label, "name \"" + name + "\" is empty after normalization");
      lab.confirm_names.push_back(std::move(t));
    }
    if (!info.verified && !susceptibility && lab.confirm_names.empty()) {
      return loader.Error(label, "an unverified code needs \"names\" to confirm it");
    }
    data.labs.emplace(info.loinc, std::move(lab));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// conditions.json: one entry per group.

std::optional<LoadError> LoadConditions(const std::filesystem::path& path, Data& data,
                                        std::string& version) {
  FileLoader loader(path, "groups");
  if (auto e = loader.Open()) return e;
  version = loader.version();
  std::array<std::string, kConditionGroupCount> labels;
  const json::Array& entries = loader.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json::Value& entry = entries[i];
    std::string label = FileLoader::EntryLabel(i, entry, "id");
    if (!entry.is_object()) return loader.Error(label, "must be an object");
    if (auto e = CheckMembers(entry, {"id", "snomed", "icd10cm", "names", "note"})) {
      return loader.Error(label, *e);
    }
    std::string id;
    if (auto e = RequireString(entry, "id", &id)) return loader.Error(label, *e);
    std::optional<ConditionGroup> group = ParseConditionGroup(id);
    if (!group) return loader.Error(label, "unknown condition group \"" + id + "\"");
    const auto g = static_cast<std::size_t>(*group);
    if (!labels[g].empty())
      return loader.Error(label, "duplicate group, first defined by " + labels[g]);
    labels[g] = label;

    std::vector<CodeSpec> snomed;
    if (auto e = CodeList(entry, "snomed", &snomed)) return loader.Error(label, *e);
    std::vector<CodeSpec> icd;
    if (auto e = CodeList(entry, "icd10cm", &icd)) return loader.Error(label, *e);
    std::vector<std::string> names;
    if (auto e = StringList(entry, "names", true, &names)) return loader.Error(label, *e);
    if (snomed.empty() && icd.empty() && names.empty()) {
      return loader.Error(label, "no codes and no names");
    }
    for (const CodeSpec& code : snomed) {
      auto range = data.condition_snomed_multi.equal_range(code.code);
      for (auto it = range.first; it != range.second; ++it) {
        if (it->second.target == static_cast<int>(g)) {
          return loader.Error(label, "duplicate snomed code " + code.code);
        }
      }
      data.condition_snomed_multi.emplace(code.code,
                                          CodeTarget{static_cast<int>(g), code.verified});
    }
    for (const CodeSpec& code : icd) {
      terminology_internal::ConditionCode cc;
      std::string_view text = code.code;
      if (!text.empty() && text.back() == '*') {
        cc.prefix = true;
        text.remove_suffix(1);
      }
      cc.code = NormalizeIcd(text);
      if (cc.code.size() < 3) {
        return loader.Error(label, "ICD-10-CM code \"" + code.code + "\" is too short");
      }
      for (const auto& other : data.condition_icd) {
        if (other.group == static_cast<int>(g) && other.code == cc.code &&
            other.prefix == cc.prefix) {
          return loader.Error(label, "duplicate icd10cm code " + code.code);
        }
      }
      cc.group = static_cast<int>(g);
      cc.verified = code.verified;
      data.condition_icd.push_back(std::move(cc));
    }
    for (const std::string& name : names) {
      Tokens t = NormalizeTokens(name);
      if (t.empty())
        return loader.Error(label, "name \"" + name + "\" is empty after normalization");
      const int owner = data.condition_names.Add(t, static_cast<int>(g));
      if (owner >= 0) {
        return loader.Error(label, "name \"" + JoinTokens(t) + "\" is already used by " +
                                       labels[static_cast<std::size_t>(owner)]);
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// interpretations.json

std::optional<LoadError> LoadInterpretations(const std::filesystem::path& path, Data& data,
                                             std::string& version) {
  FileLoader loader(path, "values");
  if (auto e = loader.Open()) return e;
  version = loader.version();
  std::unordered_map<std::string, std::string> owner;
  const json::Array& entries = loader.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json::Value& entry = entries[i];
    std::string label = FileLoader::EntryLabel(i, entry, "value");
    if (!entry.is_object()) return loader.Error(label, "must be an object");
    if (auto e = CheckMembers(entry, {"value", "v3", "snomed", "texts", "note"})) {
      return loader.Error(label, *e);
    }
    std::string value;
    if (auto e = RequireString(entry, "value", &value)) return loader.Error(label, *e);
    auto interpretation = EnumFromString<Interpretation>(kInterpretationIds, value);
    if (!interpretation || *interpretation == Interpretation::kUnknown) {
      return loader.Error(label, "unknown value \"" + value + "\"");
    }
    for (std::string_view system : {"v3", "snomed"}) {
      std::vector<std::string> codes;
      if (auto e = StringList(entry, system, false, &codes)) return loader.Error(label, *e);
      for (const std::string& code : codes) {
        const std::string key = std::string(system) + "|" + code;
        if (auto [it, inserted] = owner.emplace(key, label); !inserted) {
          return loader.Error(label, std::string(system) + " code " + code +
                                         " is already defined by " + it->second);
        }
        data.interpretation_codes.emplace(key, *interpretation);
      }
    }
    std::vector<std::string> texts;
    if (auto e = StringList(entry, "texts", false, &texts)) return loader.Error(label, *e);
    for (const std::string& text : texts) {
      const std::string key = JoinTokens(NormalizeTokens(text));
      if (key.empty())
        return loader.Error(label, "text \"" + text + "\" is empty after normalization");
      if (auto [it, inserted] = owner.emplace("text|" + key, label); !inserted) {
        return loader.Error(label, "text \"" + key + "\" is already defined by " + it->second);
      }
      data.interpretation_texts.emplace(key, *interpretation);
    }
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Terminology.

Terminology::Terminology(std::unique_ptr<const Data> data)
    : data_(std::move(data)), cache_(std::make_unique<terminology_internal::MedicationCache>()) {}
Terminology::Terminology(Terminology&&) noexcept = default;
Terminology& Terminology::operator=(Terminology&&) noexcept = default;
Terminology::~Terminology() = default;

LoadResult Terminology::Load(const std::filesystem::path& dir) {
  return Load(TerminologyPaths::InDirectory(dir));
}

LoadResult Terminology::Load(const TerminologyPaths& paths) {
  auto data = std::make_unique<Data>();
  std::string drugs;
  std::string organisms;
  std::string loinc;
  std::string conditions;
  std::string interpretations;
  if (auto e = LoadDrugs(paths.drugs, *data, drugs)) return *e;
  if (auto e = LoadOrganisms(paths.organisms, *data, organisms)) return *e;
  if (auto e = LoadLoinc(paths.loinc, *data, loinc)) return *e;
  if (auto e = LoadConditions(paths.conditions, *data, conditions)) return *e;
  if (auto e = LoadInterpretations(paths.interpretations, *data, interpretations)) return *e;
  data->version = "drugs=" + drugs + ";organisms=" + organisms + ";loinc=" + loinc +
                  ";conditions=" + conditions + ";interpretations=" + interpretations;
  return Terminology(std::move(data));
}

const std::string& Terminology::version() const noexcept { return data_->version; }

DrugClassSet Terminology::ClassesOf(Agent agent) const noexcept {
  return data_->agents[static_cast<std::size_t>(agent)].classes;
}

const std::vector<Agent>& Terminology::IngredientsOf(Agent agent) const noexcept {
  return data_->agents[static_cast<std::size_t>(agent)].ingredients;
}

const std::string& Terminology::DisplayName(Agent agent) const noexcept {
  return data_->agents[static_cast<std::size_t>(agent)].display;
}

namespace {

// Agents found by name in one piece of text.
void AddNameMatches(const Data& data, std::string_view text, std::vector<Agent>& out,
                    bool& non_systemic) {
  if (text.empty()) return;
  const Tokens tokens = NormalizeTokens(text);
  if (HasNonSystemicMarker(tokens)) non_systemic = true;
  for (const PhraseMatch& m : data.drug_names.FindAll(tokens)) {
    out.push_back(static_cast<Agent>(m.target));
  }
}

MedicationClass Classify(const Data& data, const fhir::CodeableConcept& cc) {
  MedicationClass result;
  std::vector<Agent> agents;
  for (const fhir::Coding& coding : cc.coding) {
    const std::string_view system = ShortSystem(coding.system);
    if (system.empty() || coding.code.empty()) continue;
    std::string code = Trim(coding.code);
    if (system == "atc") {
      std::transform(code.begin(), code.end(), code.begin(),
                     [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    }
    auto it = data.drug_codes.find(std::string(system) + "|" + code);
    if (it == data.drug_codes.end()) continue;
    if (it->second.verified) {
      agents.push_back(static_cast<Agent>(it->second.target));
    } else {
      result.unconfirmed_codes.push_back(std::string(system) + "|" + code);
    }
  }
  bool non_systemic = false;
  if (!agents.empty()) {
    result.source = MatchSource::kCode;
    for (const fhir::Coding& coding : cc.coding) {
      if (HasNonSystemicMarker(NormalizeTokens(coding.display))) non_systemic = true;
    }
    if (HasNonSystemicMarker(NormalizeTokens(cc.text))) non_systemic = true;
  } else {
    for (const fhir::Coding& coding : cc.coding) {
      AddNameMatches(data, coding.display, agents, non_systemic);
    }
    if (!agents.empty()) result.source = MatchSource::kDisplay;
    const std::size_t before = agents.size();
    AddNameMatches(data, cc.text, agents, non_systemic);
    if (before == 0 && !agents.empty()) result.source = MatchSource::kText;
  }
  result.non_systemic_hint = non_systemic;

  std::sort(agents.begin(), agents.end());
  agents.erase(std::unique(agents.begin(), agents.end()), agents.end());
  // A combination subsumes its own ingredients ("Vabomere (meropenem and vaborbactam)").
  std::vector<Agent> kept;
  for (Agent a : agents) {
    bool subsumed = false;
    for (Agent other : agents) {
      if (other == a) continue;
      const auto& ingredients = data.agents[static_cast<std::size_t>(other)].ingredients;
      if (ingredients.size() > 1 &&
          std::find(ingredients.begin(), ingredients.end(), a) != ingredients.end()) {
        subsumed = true;
        break;
      }
    }
    if (!subsumed) kept.push_back(a);
  }
  result.agents = std::move(kept);
  if (!result.agents.empty()) {
    result.display = data.agents[static_cast<std::size_t>(result.agents.front())].display;
  }
  for (Agent a : result.agents) {
    const auto& info = data.agents[static_cast<std::size_t>(a)];
    result.classes.InsertAll(info.classes);
    for (Agent ingredient : info.ingredients) {
      result.ingredients.push_back(ingredient);
      result.ingredient_classes.InsertAll(
          data.agents[static_cast<std::size_t>(ingredient)].classes);
    }
  }
  std::sort(result.ingredients.begin(), result.ingredients.end());
  result.ingredients.erase(std::unique(result.ingredients.begin(), result.ingredients.end()),
                           result.ingredients.end());
  std::sort(result.unconfirmed_codes.begin(), result.unconfirmed_codes.end());
  result.unconfirmed_codes.erase(
      std::unique(result.unconfirmed_codes.begin(), result.unconfirmed_codes.end()),
      result.unconfirmed_codes.end());
  return result;
}

std::string CacheKey(const fhir::CodeableConcept& cc) {
  std::string key;
  for (const fhir::Coding& coding : cc.coding) {
    key += coding.system;
    key += '\x1f';
    key += coding.code;
    key += '\x1f';
    key += coding.display;
    key += '\x1e';
  }
  key += '\x1d';
  key += cc.text;
  return key;
}

}  // namespace

MedicationClass Terminology::ClassifyMedication(const fhir::CodeableConcept& cc) const {
  const std::string key = CacheKey(cc);
  if (std::optional<MedicationClass> cached = cache_->Get(key)) return std::move(*cached);
  MedicationClass result = Classify(*data_, cc);
  cache_->Put(key, result);
  return result;
}

MedicationClass Terminology::ClassifyMedicationText(std::string_view text) const {
  fhir::CodeableConcept cc;
  cc.text = std::string(text);
  return Classify(*data_, cc);
}

Terminology::CacheStats Terminology::medication_cache_stats() const { return cache_->Stats(); }

OrganismClass Terminology::ClassifyOrganism(const fhir::CodeableConcept& cc) const {
  OrganismClass result;
  int found = -1;
  for (const fhir::Coding& coding : cc.coding) {
    if (ShortSystem(coding.system) != "snomed") continue;
    auto it = data_->organism_codes.find("snomed|" + Trim(coding.code));
    if (it == data_->organism_codes.end()) continue;
    if (it->second.verified) {
      found = it->second.target;
      result.source = MatchSource::kCode;
      break;
    }
    result.unconfirmed_codes.push_back("snomed|" + Trim(coding.code));
  }
  if (found < 0) {
    for (const fhir::Coding& coding : cc.coding) {
      auto matches = data_->organism_names.FindAll(NormalizeTokens(coding.display));
      if (!matches.empty()) {
        found = matches.front().target;
        result.source = MatchSource::kDisplay;
        break;
      }
    }
  }
  if (found < 0) {
    auto matches = data_->organism_names.FindAll(NormalizeTokens(cc.text));
    if (!matches.empty()) {
      found = matches.front().target;
      result.source = MatchSource::kText;
    }
  }
  if (found >= 0) {
    const auto& organism = data_->organisms[static_cast<std::size_t>(found)];
    result.id = organism.id;
    result.canonical_name = organism.name;
    result.groups = organism.groups;
  } else {
    result.source = MatchSource::kNone;
  }
  return result;
}

const LabInfo* Terminology::LookupLoinc(std::string_view loinc) const noexcept {
  auto it = data_->labs.find(std::string(loinc));
  if (it == data_->labs.end() || !it->second.info.verified) return nullptr;
  return &it->second.info;
}

LabInfo Terminology::ClassifyLab(const fhir::CodeableConcept& code) const {
  for (const fhir::Coding& coding : code.coding) {
    if (ShortSystem(coding.system) != "loinc") continue;
    auto it = data_->labs.find(Trim(coding.code));
    if (it == data_->labs.end()) continue;
    const terminology_internal::LabEntry& lab = it->second;
    if (lab.info.verified) return lab.info;
    // Unverified: the display or text must name the same thing.
    for (std::string_view text : {std::string_view(coding.display), std::string_view(code.text)}) {
      if (text.empty()) continue;
      if (lab.info.kind == LabKind::kSusceptibility) {
        if (ClassifyMedicationText(text).HasAgent(*lab.info.agent)) return lab.info;
        continue;
      }
      const Tokens tokens = NormalizeTokens(text);
      // Built by appends: GCC 12 at -O2/-O3 reports a false -Wrestrict on " " + std::string.
      std::string joined(1, ' ');
      joined += JoinTokens(tokens);
      joined += ' ';
      for (const Tokens& name : lab.confirm_names) {
        std::string needle(1, ' ');
        needle += JoinTokens(name);
        needle += ' ';
        if (joined.find(needle) != std::string::npos) return lab.info;
      }
    }
  }
  return LabInfo{};
}

ConditionGroupSet Terminology::ClassifyCondition(const fhir::CodeableConcept& code) const {
  ConditionGroupSet verified;
  ConditionGroupSet unverified;
  for (const fhir::Coding& coding : code.coding) {
    const std::string_view system = ShortSystem(coding.system);
    if (system == "snomed") {
      auto range = data_->condition_snomed_multi.equal_range(Trim(coding.code));
      for (auto it = range.first; it != range.second; ++it) {
        (it->second.verified ? verified : unverified)
            .Insert(static_cast<ConditionGroup>(it->second.target));
      }
    } else if (system == "icd10cm") {
      const std::string icd = NormalizeIcd(coding.code);
      for (const auto& cc : data_->condition_icd) {
        const bool match =
            cc.prefix ? icd.compare(0, cc.code.size(), cc.code) == 0 : icd == cc.code;
        if (match)
          (cc.verified ? verified : unverified).Insert(static_cast<ConditionGroup>(cc.group));
      }
    }
  }
  ConditionGroupSet named;
  auto add_names = [&](std::string_view text) {
    if (text.empty()) return;
    const Tokens tokens = NormalizeTokens(text);
    for (const PhraseMatch& m : data_->condition_names.FindAll(tokens)) {
      if (!IsNegated(tokens, m.begin, m.end)) named.Insert(static_cast<ConditionGroup>(m.target));
    }
  };
  for (const fhir::Coding& coding : code.coding) add_names(coding.display);
  add_names(code.text);
  // Unverified codes only count when a name confirms the same group, which `named` already holds.
  ConditionGroupSet result = verified;
  result.InsertAll(named);
  // septic shock implies sepsis; VAP and HAP imply pneumonia; dialysis implies the ESRD group.
  if (result.Has(ConditionGroup::kSepticShock)) result.Insert(ConditionGroup::kSepsis);
  if (result.Has(ConditionGroup::kHap) || result.Has(ConditionGroup::kVap)) {
    result.Insert(ConditionGroup::kPneumonia);
  }
  if (result.Has(ConditionGroup::kDialysis)) result.Insert(ConditionGroup::kEsrdDialysis);
  return result;
}

Interpretation Terminology::NormalizeInterpretation(const fhir::CodeableConcept& cc) const {
  for (const fhir::Coding& coding : cc.coding) {
    const std::string_view system = ShortSystem(coding.system);
    if (system != "v3" && system != "snomed") continue;
    std::string code = Trim(coding.code);
    if (system == "v3") {
      std::transform(code.begin(), code.end(), code.begin(),
                     [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    }
    auto it = data_->interpretation_codes.find(std::string(system) + "|" + code);
    if (it != data_->interpretation_codes.end()) return it->second;
  }
  for (const fhir::Coding& coding : cc.coding) {
    if (Interpretation i = NormalizeInterpretation(coding.display); i != Interpretation::kUnknown) {
      return i;
    }
  }
  return NormalizeInterpretation(cc.text);
}

Interpretation Terminology::NormalizeInterpretation(std::string_view text) const {
  if (text.empty()) return Interpretation::kUnknown;
  auto it = data_->interpretation_texts.find(terminology_internal::NormalizeJoined(text));
  return it == data_->interpretation_texts.end() ? Interpretation::kUnknown : it->second;
}

}  // namespace cds::engine
