#include "fhir/resources.hpp"

#include <type_traits>

namespace cds::fhir {
namespace {

constexpr std::string_view kMedicationPrefix = "Medication/";

template <typename T>
constexpr std::string_view TypeName() noexcept {
  if constexpr (std::is_same_v<T, Patient>) return "Patient";
  if constexpr (std::is_same_v<T, Encounter>) return "Encounter";
  if constexpr (std::is_same_v<T, Condition>) return "Condition";
  if constexpr (std::is_same_v<T, Observation>) return "Observation";
  if constexpr (std::is_same_v<T, DiagnosticReport>) return "DiagnosticReport";
  if constexpr (std::is_same_v<T, Specimen>) return "Specimen";
  if constexpr (std::is_same_v<T, Medication>) return "Medication";
  if constexpr (std::is_same_v<T, MedicationRequest>) return "MedicationRequest";
  if constexpr (std::is_same_v<T, MedicationStatement>) return "MedicationStatement";
  if constexpr (std::is_same_v<T, MedicationAdministration>) return "MedicationAdministration";
  if constexpr (std::is_same_v<T, OperationOutcome>) return "OperationOutcome";
}

/// The medication[x] and contained Medications of a resource, when it has them.
template <typename T>
concept HasMedication = requires(T t) {
  t.medication;
  t.contained_medications;
};

}  // namespace

const CodeableConcept& MedicationChoice::Code() const noexcept {
  static const CodeableConcept kEmpty;
  if (!codeable_concept.empty()) return codeable_concept;
  if (resolved.has_value()) return resolved->code;
  return kEmpty;
}

std::optional<Quantity> NumericValue(const ObservationValue& value) {
  if (const auto* quantity = std::get_if<Quantity>(&value)) {
    if (quantity->has_value) return *quantity;
    return std::nullopt;
  }
  if (const auto* text = std::get_if<StringValue>(&value)) return text->numeric;
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    Quantity quantity;
    quantity.value = static_cast<double>(*integer);
    quantity.has_value = true;
    return quantity;
  }
  return std::nullopt;
}

std::string_view ResourceTypeOf(const Resource& resource) noexcept {
  return std::visit([](const auto& r) { return TypeName<std::decay_t<decltype(r)>>(); }, resource);
}

const std::string& IdOf(const Resource& resource) noexcept {
  return std::visit([](const auto& r) -> const std::string& { return r.id; }, resource);
}

std::string_view Bundle::NextLink() const noexcept {
  for (const Link& l : link) {
    if (l.relation == "next") return l.url;
  }
  return {};
}

void MedicationCatalog::Add(Medication medication, std::string_view full_url) {
  const std::size_t index = medications_.size();
  if (!medication.id.empty()) {
    by_key_.try_emplace(std::string(kMedicationPrefix) + medication.id, index);
  }
  if (!full_url.empty()) by_key_.try_emplace(std::string(full_url), index);
  medications_.push_back(std::move(medication));
}

const Medication* MedicationCatalog::Find(const Reference& reference) const {
  if (reference.reference.empty()) return nullptr;
  if (const auto it = by_key_.find(reference.reference); it != by_key_.end()) {
    return &medications_[it->second];
  }
  const ReferenceParts parts = SplitReference(reference);
  const bool by_type_and_id = parts.kind == ReferenceParts::Kind::kRelative ||
                              parts.kind == ReferenceParts::Kind::kAbsolute;
  if (!by_type_and_id || parts.type != "Medication") return nullptr;
  const auto it = by_key_.find(std::string(kMedicationPrefix) + parts.id);
  return it == by_key_.end() ? nullptr : &medications_[it->second];
}

bool ResolveMedication(MedicationChoice& choice, const std::vector<Medication>& contained,
                       const MedicationCatalog* catalog) {
  if (!choice.IsUnresolvedReference()) return true;
  const ReferenceParts parts = SplitReference(choice.reference);
  if (parts.kind == ReferenceParts::Kind::kContained) {
    for (const Medication& medication : contained) {
      if (medication.id == parts.id) {
        choice.resolved = medication;
        return true;
      }
    }
    return false;
  }
  if (catalog == nullptr) return false;
  if (const Medication* medication = catalog->Find(choice.reference)) {
    choice.resolved = *medication;
    return true;
  }
  return false;
}

std::size_t ResolveMedications(Bundle& bundle, const MedicationCatalog& catalog) {
  std::size_t unresolved = 0;
  for (Bundle::Entry& entry : bundle.entry) {
    std::visit(
        [&](auto& resource) {
          if constexpr (HasMedication<std::decay_t<decltype(resource)>>) {
            if (!ResolveMedication(resource.medication, resource.contained_medications, &catalog)) {
              ++unresolved;
            }
          }
        },
        entry.resource);
  }
  return unresolved;
}

}  // namespace cds::fhir
