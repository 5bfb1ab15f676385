#include "fhir/internal/parse_resources.hpp"

#include <array>
#include <span>
#include <string>
#include <utility>

#include "fhir/internal/parse_datatypes.hpp"

namespace cds::fhir::internal {
namespace {

constexpr auto kMedicationRequestStatuses =
    std::to_array<std::string_view>({"active", "on-hold", "cancelled", "completed",
                                     "entered-in-error", "stopped", "draft", "unknown"});
constexpr auto kMedicationRequestIntents =
    std::to_array<std::string_view>({"proposal", "plan", "order", "original-order", "reflex-order",
                                     "filler-order", "instance-order", "option"});
constexpr auto kMedicationOrderStatuses = std::to_array<std::string_view>(
    {"active", "on-hold", "completed", "entered-in-error", "stopped", "draft"});
constexpr auto kMedicationStatementStatuses =
    std::to_array<std::string_view>({"active", "completed", "entered-in-error", "intended",
                                     "stopped", "on-hold", "unknown", "not-taken"});
constexpr auto kMedicationAdministrationStatuses = std::to_array<std::string_view>(
    {"in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown"});
constexpr auto kObservationStatuses =
    std::to_array<std::string_view>({"registered", "preliminary", "final", "amended", "corrected",
                                     "cancelled", "entered-in-error", "unknown"});
constexpr auto kDiagnosticReportStatuses = std::to_array<std::string_view>(
    {"registered", "partial", "preliminary", "final", "amended", "corrected", "appended",
     "cancelled", "entered-in-error", "unknown"});
constexpr auto kSpecimenStatuses = std::to_array<std::string_view>(
    {"available", "unavailable", "unsatisfactory", "entered-in-error"});
constexpr auto kEncounterStatuses =
    std::to_array<std::string_view>({"planned", "arrived", "triaged", "in-progress", "onleave",
                                     "finished", "cancelled", "entered-in-error", "unknown"});
constexpr auto kGenders = std::to_array<std::string_view>({"male", "female", "other", "unknown"});
constexpr auto kIssueSeverities =
    std::to_array<std::string_view>({"fatal", "error", "warning", "information"});

constexpr std::string_view kConditionClinicalSystem =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
constexpr std::string_view kConditionVerificationSystem =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";

/// Tracks whether a resource is still acceptable while all of its issues are collected.
class Verdict {
 public:
  template <typename T>
  void Require(const std::optional<T>& element) noexcept {
    if (!element) valid_ = false;
  }
  void Reject() noexcept { valid_ = false; }
  [[nodiscard]] bool valid() const noexcept { return valid_; }

 private:
  bool valid_ = true;
};

/// A required complex element: missing or unusable -> error and nullopt.
template <typename Fn>
std::optional<ParsedType<Fn>> RequireObject(Context& ctx, Field field, const Path& object_path,
                                            Fn&& parse) {
  if (field.value == nullptr || field.value->IsNull()) {
    ctx.Error(object_path.Field(field.name), "required element is missing; resource rejected");
    return std::nullopt;
  }
  auto value = ReadObject(ctx, field, object_path, parse);
  if (!value) {
    ctx.Error(object_path.Field(field.name), "required element is invalid; resource rejected");
  }
  return value;
}

/// A required CodeableConcept that must carry a coding or a text.
std::optional<CodeableConcept> RequireConcept(Context& ctx, Field field, const Path& object_path) {
  std::optional<CodeableConcept> value =
      RequireObject(ctx, field, object_path, ParseCodeableConcept);
  if (value && value->empty()) {
    ctx.Error(object_path.Field(field.name),
              "required element has no coding and no text; resource rejected");
    return std::nullopt;
  }
  return value;
}

/// An optional code: invalid -> error, element ignored (empty).
std::string ReadCode(Context& ctx, Field field, const Path& object_path,
                     std::span<const std::string_view> allowed) {
  std::string code = ReadString(ctx, field, object_path);
  if (!code.empty() && !IsOneOf(code, allowed)) {
    ctx.Error(object_path.Field(field.name),
              QuotedMessage(code, 32, " is not a valid code; element ignored"));
    code.clear();
  }
  return code;
}

void ParseMedicationInto(Context& ctx, const Json& json, const Path& path, Medication& medication);

/// The `contained` Medications; other contained resource types are dropped silently.
/// Contained resources inside a contained Medication are not entered (bounded depth).
std::vector<Medication> ReadContainedMedications(Context& ctx, Field field,
                                                 const Path& object_path) {
  std::vector<Medication> out;
  const Json* contained = Member(ctx, field, object_path);
  if (contained == nullptr) return out;
  const Path path = object_path.Field(field.name);
  if (!contained->IsArray()) {
    WrongType(ctx, path, "an array", *contained);
    return out;
  }
  for (rapidjson::SizeType i = 0; i < contained->Size(); ++i) {
    const Json& item = (*contained)[i];
    const Path item_path = path.Index(i);
    if (!item.IsObject()) {
      WrongType(ctx, item_path, "a resource object", item);
      continue;
    }
    const Field type = FindField(item, "resourceType");
    if (type.value == nullptr || !type.value->IsString()) {
      ctx.Error(item_path.Field("resourceType"),
                "contained resource without resourceType; ignored");
      continue;
    }
    if (StringOf(*type.value) == "Medication") {
      ParseMedicationInto(ctx, item, item_path, out.emplace_back());
    }
  }
  return out;
}

/// medication[x]: medicationCodeableConcept or medicationReference. Reports and returns
/// nullopt when neither is usable. Resolves "#id" references against `contained`.
std::optional<MedicationChoice> ReadMedicationChoice(Context& ctx, Field concept_field,
                                                     Field reference_field, const Path& path,
                                                     const std::vector<Medication>& contained) {
  MedicationChoice choice;
  const bool has_concept = concept_field.value != nullptr;
  const bool has_reference = reference_field.value != nullptr;
  if (!has_concept && !has_reference) {
    ctx.Error(path.Field("medication[x]"), "required element is missing; resource rejected");
    return std::nullopt;
  }
  if (has_concept && has_reference) {
    ctx.Warning(path.Field(reference_field.name),
                "both medicationCodeableConcept and medicationReference; the concept is used");
  }
  if (has_concept) {
    choice.codeable_concept = ReadConcept(ctx, concept_field, path);
  } else {
    choice.reference = ReadReference(ctx, reference_field, path);
  }
  if (choice.codeable_concept.empty() && choice.reference.empty() &&
      choice.reference.display.empty()) {
    ctx.Error(path.Field(has_concept ? concept_field.name : reference_field.name),
              "medication is empty or invalid; resource rejected");
    return std::nullopt;
  }
  ResolveMedication(choice, contained, nullptr);
  return choice;
}

/// clinicalStatus/verificationStatus: a CodeableConcept in R4; a bare code string
/// (DSTU2/STU3) is tolerated with a warning and wrapped with `system`.
CodeableConcept ReadStatusConcept(Context& ctx, Field field, const Path& path,
                                  std::string_view system) {
  if (field.value != nullptr && field.value->IsString()) {
    ctx.Warning(path.Field(field.name), "a code string (DSTU2/STU3) read as a CodeableConcept");
    CodeableConcept status;
    status.coding.push_back(
        Coding{std::string(system), {}, std::string(StringOf(*field.value)), {}});
    return status;
  }
  return ReadConcept(ctx, field, path);
}

// ---------------------------------------------------------------------------------------------
// Medication family

constexpr auto kIngredientFields =
    MakeFields("itemCodeableConcept", "itemReference", "isActive", "strength");
constexpr auto kMedicationFields = MakeFields("id", "code", "form", "ingredient");

Medication::Ingredient ParseIngredient(Context& ctx, const Json& json, const Path& path) {
  const Members<kIngredientFields> m(json);
  Medication::Ingredient ingredient;
  ingredient.item_concept = ReadConcept(ctx, m["itemCodeableConcept"], path);
  ingredient.item_reference = ReadReference(ctx, m["itemReference"], path);
  ingredient.is_active = ReadBool(ctx, m["isActive"], path);
  ingredient.strength = ReadObject(ctx, m["strength"], path, ParseRatio);
  return ingredient;
}

void ParseMedicationInto(Context& ctx, const Json& json, const Path& path, Medication& medication) {
  const Members<kMedicationFields> m(json);
  medication.id = ReadString(ctx, m["id"], path);
  medication.code = ReadConcept(ctx, m["code"], path);
  medication.form = ReadConcept(ctx, m["form"], path);
  medication.ingredients = ReadArray(ctx, m["ingredient"], path, ParseIngredient);
}

constexpr auto kDispenseRequestFields =
    MakeFields("validityPeriod", "numberOfRepeatsAllowed", "quantity", "expectedSupplyDuration");

MedicationRequest::DispenseRequest ParseDispenseRequest(Context& ctx, const Json& json,
                                                        const Path& path) {
  const Members<kDispenseRequestFields> m(json);
  MedicationRequest::DispenseRequest dispense;
  dispense.validity_period = ReadObject(ctx, m["validityPeriod"], path, ParsePeriod);
  dispense.number_of_repeats_allowed = ReadInt(ctx, m["numberOfRepeatsAllowed"], path);
  dispense.quantity = ReadQuantity(ctx, m["quantity"], path);
  dispense.expected_supply_duration = ReadQuantity(ctx, m["expectedSupplyDuration"], path);
  return dispense;
}

Dosage ParseR4Dosage(Context& ctx, const Json& json, const Path& path) {
  return ParseDosage(ctx, json, path, Release::kR4);
}

Dosage ParseDstu2Dosage(Context& ctx, const Json& json, const Path& path) {
  return ParseDosage(ctx, json, path, Release::kDstu2);
}

constexpr auto kMedicationRequestFields = MakeFields(
    "id", "contained", "status", "intent", "category", "priority", "doNotPerform",
    "medicationCodeableConcept", "medicationReference", "subject", "encounter", "authoredOn",
    "requester", "reasonCode", "reasonReference", "dosageInstruction", "dispenseRequest");

bool ParseMedicationRequest(Context& ctx, const Json& json, const Path& path,
                            MedicationRequest& request) {
  const Members<kMedicationRequestFields> m(json);
  Verdict verdict;
  request.id = ReadString(ctx, m["id"], path);
  request.contained_medications = ReadContainedMedications(ctx, m["contained"], path);
  auto status = ReadRequiredCode(ctx, m["status"], path, kMedicationRequestStatuses);
  verdict.Require(status);
  if (m.Has("intent")) {
    request.intent = ReadCode(ctx, m["intent"], path, kMedicationRequestIntents);
  } else {
    ctx.Warning(path.Field("intent"), "required element is missing; tolerated (sandbox quirk)");
  }
  request.category = ReadConcepts(ctx, m["category"], path);
  request.priority = ReadString(ctx, m["priority"], path);
  request.do_not_perform = ReadBool(ctx, m["doNotPerform"], path).value_or(false);
  auto medication =
      ReadMedicationChoice(ctx, m["medicationCodeableConcept"], m["medicationReference"], path,
                           request.contained_medications);
  verdict.Require(medication);
  auto subject = RequireObject(ctx, m["subject"], path, ParseReference);
  verdict.Require(subject);
  request.encounter = ReadReference(ctx, m["encounter"], path);
  request.authored_on = ReadDateTime(ctx, m["authoredOn"], path);
  request.requester = ReadReference(ctx, m["requester"], path);
  request.reason_code = ReadConcepts(ctx, m["reasonCode"], path);
  request.reason_reference = ReadReferences(ctx, m["reasonReference"], path);
  request.dosage_instruction = ReadArray(ctx, m["dosageInstruction"], path, ParseR4Dosage);
  request.dispense_request = ReadObject(ctx, m["dispenseRequest"], path, ParseDispenseRequest);
  if (!verdict.valid()) return false;
  request.status = std::move(*status);
  request.medication = std::move(*medication);
  request.subject = std::move(*subject);
  return true;
}

constexpr auto kMedicationOrderFields =
    MakeFields("id", "contained", "status", "medicationCodeableConcept", "medicationReference",
               "patient", "encounter", "dateWritten", "prescriber", "reasonCodeableConcept",
               "reasonReference", "dosageInstruction", "dispenseRequest");

/// DSTU2 MedicationOrder -> the MedicationRequest view. Element renames: patient -> subject,
/// dateWritten -> authoredOn, prescriber -> requester, reasonCodeableConcept/reasonReference
/// (single) -> reasonCode/reasonReference; dosage in DSTU2 layout. `status` is optional in
/// DSTU2: missing reads as "unknown" with a warning.
bool ParseMedicationOrder(Context& ctx, const Json& json, const Path& path,
                          MedicationRequest& request) {
  const Members<kMedicationOrderFields> m(json);
  Verdict verdict;
  request.source_release = FhirRelease::kDstu2;
  request.intent = "order";
  request.id = ReadString(ctx, m["id"], path);
  request.contained_medications = ReadContainedMedications(ctx, m["contained"], path);
  if (m.Has("status")) {
    auto status = ReadRequiredCode(ctx, m["status"], path, kMedicationOrderStatuses);
    verdict.Require(status);
    if (status) request.status = std::move(*status);
  } else {
    ctx.Warning(path.Field("status"), "MedicationOrder without status read as 'unknown'");
    request.status = "unknown";
  }
  auto medication =
      ReadMedicationChoice(ctx, m["medicationCodeableConcept"], m["medicationReference"], path,
                           request.contained_medications);
  verdict.Require(medication);
  request.subject = ReadReference(ctx, m["patient"], path);
  request.encounter = ReadReference(ctx, m["encounter"], path);
  request.authored_on = ReadDateTime(ctx, m["dateWritten"], path);
  request.requester = ReadReference(ctx, m["prescriber"], path);
  if (CodeableConcept reason = ReadConcept(ctx, m["reasonCodeableConcept"], path);
      !reason.empty()) {
    request.reason_code.push_back(std::move(reason));
  }
  if (Reference reason = ReadReference(ctx, m["reasonReference"], path); !reason.empty()) {
    request.reason_reference.push_back(std::move(reason));
  }
  request.dosage_instruction = ReadArray(ctx, m["dosageInstruction"], path, ParseDstu2Dosage);
  request.dispense_request = ReadObject(ctx, m["dispenseRequest"], path, ParseDispenseRequest);
  if (!verdict.valid()) return false;
  request.medication = std::move(*medication);
  return true;
}

constexpr auto kMedicationStatementFields =
    MakeFields("id", "contained", "status", "category", "medicationCodeableConcept",
               "medicationReference", "subject", "dateAsserted", "reasonCode", "dosage");

bool ParseMedicationStatement(Context& ctx, const Json& json, const Path& path,
                              MedicationStatement& statement) {
  const Members<kMedicationStatementFields> m(json);
  Verdict verdict;
  statement.id = ReadString(ctx, m["id"], path);
  statement.contained_medications = ReadContainedMedications(ctx, m["contained"], path);
  auto status = ReadRequiredCode(ctx, m["status"], path, kMedicationStatementStatuses);
  verdict.Require(status);
  // R4 category is 0..1; an array is tolerated by ReadObject (first item).
  if (CodeableConcept category = ReadConcept(ctx, m["category"], path); !category.empty()) {
    statement.category.push_back(std::move(category));
  }
  auto medication =
      ReadMedicationChoice(ctx, m["medicationCodeableConcept"], m["medicationReference"], path,
                           statement.contained_medications);
  verdict.Require(medication);
  auto subject = RequireObject(ctx, m["subject"], path, ParseReference);
  verdict.Require(subject);
  statement.effective = ReadTimeChoice(ctx, json, path, "effective");
  statement.date_asserted = ReadDateTime(ctx, m["dateAsserted"], path);
  statement.reason_code = ReadConcepts(ctx, m["reasonCode"], path);
  statement.dosage = ReadArray(ctx, m["dosage"], path, ParseR4Dosage);
  if (!verdict.valid()) return false;
  statement.status = std::move(*status);
  statement.medication = std::move(*medication);
  statement.subject = std::move(*subject);
  return true;
}

constexpr auto kAdministeredDosageFields =
    MakeFields("text", "route", "dose", "rateRatio", "rateQuantity");

MedicationAdministration::AdministeredDosage ParseAdministeredDosage(Context& ctx, const Json& json,
                                                                     const Path& path) {
  const Members<kAdministeredDosageFields> m(json);
  MedicationAdministration::AdministeredDosage dosage;
  dosage.text = ReadString(ctx, m["text"], path);
  dosage.route = ReadConcept(ctx, m["route"], path);
  dosage.dose = ReadQuantity(ctx, m["dose"], path);
  dosage.rate_ratio = ReadObject(ctx, m["rateRatio"], path, ParseRatio);
  dosage.rate_quantity = ReadQuantity(ctx, m["rateQuantity"], path);
  return dosage;
}

constexpr auto kMedicationAdministrationFields =
    MakeFields("id", "contained", "status", "medicationCodeableConcept", "medicationReference",
               "subject", "context", "request", "reasonCode", "dosage");

bool ParseMedicationAdministration(Context& ctx, const Json& json, const Path& path,
                                   MedicationAdministration& administration) {
  const Members<kMedicationAdministrationFields> m(json);
  Verdict verdict;
  administration.id = ReadString(ctx, m["id"], path);
  administration.contained_medications = ReadContainedMedications(ctx, m["contained"], path);
  auto status = ReadRequiredCode(ctx, m["status"], path, kMedicationAdministrationStatuses);
  verdict.Require(status);
  auto medication =
      ReadMedicationChoice(ctx, m["medicationCodeableConcept"], m["medicationReference"], path,
                           administration.contained_medications);
  verdict.Require(medication);
  auto subject = RequireObject(ctx, m["subject"], path, ParseReference);
  verdict.Require(subject);
  administration.context = ReadReference(ctx, m["context"], path);
  administration.effective = ReadTimeChoice(ctx, json, path, "effective");
  if (std::holds_alternative<std::monostate>(administration.effective)) {
    ctx.Error(path.Field("effective[x]"),
              "required element is missing or invalid; resource rejected");
    verdict.Reject();
  }
  administration.request = ReadReference(ctx, m["request"], path);
  administration.reason_code = ReadConcepts(ctx, m["reasonCode"], path);
  administration.dosage = ReadObject(ctx, m["dosage"], path, ParseAdministeredDosage);
  if (!verdict.valid()) return false;
  administration.status = std::move(*status);
  administration.medication = std::move(*medication);
  administration.subject = std::move(*subject);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Observation family

/// One value[x] of the given type, built in `out` (which holds std::monostate); it stays
/// std::monostate for a type not modelled or an invalid value (reported).
void ObservationValueOfType(Context& ctx, std::string_view type, const Json& value,
                            const Path& path, ObservationValue& out) {
  const auto object = [&] {
    if (value.IsObject()) return true;
    WrongType(ctx, path, "an object", value);
    return false;
  };
  if (type == "Quantity") {
    if (object() && !ParseQuantityInto(ctx, value, path, out.emplace<Quantity>())) {
      out.emplace<std::monostate>();
    }
  } else if (type == "CodeableConcept") {
    if (object()) {
      out.emplace<CodeableConcept>(
          Deferred{[&] { return ParseCodeableConcept(ctx, value, path); }});
    }
  } else if (type == "String") {
    if (auto text = StringFrom(ctx, value, path)) {
      std::optional<Quantity> numeric = ParseQuantityString(*text);
      out.emplace<StringValue>(StringValue{std::move(*text), std::move(numeric)});
    }
  } else if (type == "Boolean") {
    if (auto b = BoolFrom(ctx, value, path)) out.emplace<bool>(*b);
  } else if (type == "Integer") {
    if (auto n = Int64From(ctx, value, path)) out.emplace<std::int64_t>(*n);
  } else if (type == "Range") {
    if (object()) out.emplace<Range>(Deferred{[&] { return ParseRange(ctx, value, path); }});
  } else if (type == "Ratio") {
    if (object()) out.emplace<Ratio>(Deferred{[&] { return ParseRatio(ctx, value, path); }});
  } else if (type == "DateTime") {
    if (auto d = DateTimeFrom(ctx, value, path, DateKind::kDateTime)) {
      out.emplace<DateTime>(std::move(*d));
    }
  } else if (type == "Period") {
    if (object()) out.emplace<Period>(Deferred{[&] { return ParsePeriod(ctx, value, path); }});
  }
}

/// value[x] as used by labs, read in one pass over the members into `value` (which holds
/// std::monostate). Other value types (valueSampledData, valueTime, ...) are ignored. More than
/// one usable value -> warning; the first in document order is used.
void ReadObservationValue(Context& ctx, const Json& json, const Path& path,
                          ObservationValue& value) {
  std::string_view chosen;
  ForEachChoice(
      json, "value", [&](std::string_view name, std::string_view type, const Json& member) {
        const Path member_path = path.Field(name);
        if (chosen.empty()) {
          ObservationValueOfType(ctx, type, member, member_path, value);
          if (!std::holds_alternative<std::monostate>(value)) chosen = name;
          return;
        }
        ObservationValue candidate;  // Read for its issues only.
        ObservationValueOfType(ctx, type, member, member_path, candidate);
        if (std::holds_alternative<std::monostate>(candidate)) return;
        ctx.Warning(member_path, "more than one value[x]; " + std::string(chosen) + " is used");
      });
}

constexpr auto kReferenceRangeFields = MakeFields("low", "high", "text");
constexpr auto kComponentFields = MakeFields("code", "dataAbsentReason", "interpretation");
constexpr auto kObservationFields = MakeFields(
    "id", "status", "category", "code", "subject", "encounter", "issued", "dataAbsentReason",
    "interpretation", "referenceRange", "hasMember", "derivedFrom", "specimen", "component");

Observation::ReferenceRange ParseReferenceRange(Context& ctx, const Json& json, const Path& path) {
  const Members<kReferenceRangeFields> m(json);
  return Observation::ReferenceRange{.low = ReadQuantity(ctx, m["low"], path),
                                     .high = ReadQuantity(ctx, m["high"], path),
                                     .text = ReadString(ctx, m["text"], path)};
}

std::optional<Observation::Component> ParseComponent(Context& ctx, const Json& json,
                                                     const Path& path) {
  const Members<kComponentFields> m(json);
  Observation::Component component;
  auto code = ReadObject(ctx, m["code"], path, ParseCodeableConcept);
  if (!code || code->empty()) {
    ctx.Error(path.Field("code"), "component without code; component ignored");
    return std::nullopt;
  }
  component.code = std::move(*code);
  ReadObservationValue(ctx, json, path, component.value);
  component.data_absent_reason = ReadConcept(ctx, m["dataAbsentReason"], path);
  component.interpretation = ReadConcepts(ctx, m["interpretation"], path);
  return component;
}

bool ParseObservation(Context& ctx, const Json& json, const Path& path, Observation& observation) {
  const Members<kObservationFields> m(json);
  Verdict verdict;
  observation.id = ReadString(ctx, m["id"], path);
  auto status = ReadRequiredCode(ctx, m["status"], path, kObservationStatuses);
  verdict.Require(status);
  observation.category = ReadConcepts(ctx, m["category"], path);
  auto code = RequireConcept(ctx, m["code"], path);
  verdict.Require(code);
  observation.subject = ReadReference(ctx, m["subject"], path);
  observation.encounter = ReadReference(ctx, m["encounter"], path);
  observation.effective = ReadTimeChoice(ctx, json, path, "effective", /*allow_instant=*/true);
  observation.issued = ReadDateTime(ctx, m["issued"], path, DateKind::kInstant);
  ReadObservationValue(ctx, json, path, observation.value);
  observation.data_absent_reason = ReadConcept(ctx, m["dataAbsentReason"], path);
  observation.interpretation = ReadConcepts(ctx, m["interpretation"], path);
  observation.reference_range = ReadArray(ctx, m["referenceRange"], path, ParseReferenceRange);
  observation.has_member = ReadReferences(ctx, m["hasMember"], path);
  observation.derived_from = ReadReferences(ctx, m["derivedFrom"], path);
  observation.specimen = ReadReference(ctx, m["specimen"], path);
  observation.component = ReadArray(ctx, m["component"], path, ParseComponent);
  if (!verdict.valid()) return false;
  observation.status = std::move(*status);
  observation.code = std::move(*code);
  return true;
}

constexpr auto kDiagnosticReportFields = MakeFields("id", "status", "category", "code", "subject",
                                                    "encounter", "issued", "result", "specimen");

bool ParseDiagnosticReport(Context& ctx, const Json& json, const Path& path,
                           DiagnosticReport& report) {
  const Members<kDiagnosticReportFields> m(json);
  Verdict verdict;
  report.id = ReadString(ctx, m["id"], path);
  auto status = ReadRequiredCode(ctx, m["status"], path, kDiagnosticReportStatuses);
  verdict.Require(status);
  report.category = ReadConcepts(ctx, m["category"], path);
  auto code = RequireConcept(ctx, m["code"], path);
  verdict.Require(code);
  report.subject = ReadReference(ctx, m["subject"], path);
  report.encounter = ReadReference(ctx, m["encounter"], path);
  report.effective = ReadTimeChoice(ctx, json, path, "effective");
  report.issued = ReadDateTime(ctx, m["issued"], path, DateKind::kInstant);
  report.result = ReadReferences(ctx, m["result"], path);
  report.specimen = ReadReferences(ctx, m["specimen"], path);
  if (!verdict.valid()) return false;
  report.status = std::move(*status);
  report.code = std::move(*code);
  return true;
}

TimeChoice ParseCollected(Context& ctx, const Json& json, const Path& path) {
  return ReadTimeChoice(ctx, json, path, "collected");
}

constexpr auto kSpecimenFields =
    MakeFields("id", "status", "type", "subject", "parent", "receivedTime", "collection");

bool ParseSpecimen(Context& ctx, const Json& json, const Path& path, Specimen& specimen) {
  const Members<kSpecimenFields> m(json);
  specimen.id = ReadString(ctx, m["id"], path);
  specimen.status = ReadCode(ctx, m["status"], path, kSpecimenStatuses);
  specimen.type = ReadConcept(ctx, m["type"], path);
  specimen.subject = ReadReference(ctx, m["subject"], path);
  specimen.parent = ReadReferences(ctx, m["parent"], path);
  specimen.received_time = ReadDateTime(ctx, m["receivedTime"], path);
  specimen.collected =
      ReadObject(ctx, m["collection"], path, ParseCollected).value_or(TimeChoice{});
  return true;
}

// ---------------------------------------------------------------------------------------------
// Patient context

constexpr auto kConditionFields =
    MakeFields("id", "clinicalStatus", "verificationStatus", "category", "severity", "code",
               "subject", "encounter", "recordedDate");

bool ParseCondition(Context& ctx, const Json& json, const Path& path, Condition& condition) {
  const Members<kConditionFields> m(json);
  Verdict verdict;
  condition.id = ReadString(ctx, m["id"], path);
  condition.clinical_status =
      ReadStatusConcept(ctx, m["clinicalStatus"], path, kConditionClinicalSystem);
  condition.verification_status =
      ReadStatusConcept(ctx, m["verificationStatus"], path, kConditionVerificationSystem);
  condition.category = ReadConcepts(ctx, m["category"], path);
  condition.severity = ReadConcept(ctx, m["severity"], path);
  condition.code = ReadConcept(ctx, m["code"], path);
  auto subject = RequireObject(ctx, m["subject"], path, ParseReference);
  verdict.Require(subject);
  condition.encounter = ReadReference(ctx, m["encounter"], path);
  // onsetAge/onsetRange/onsetString (and abatement likewise) are not modelled.
  condition.onset = ReadTimeChoice(ctx, json, path, "onset");
  condition.abatement = ReadTimeChoice(ctx, json, path, "abatement");
  condition.recorded_date = ReadDateTime(ctx, m["recordedDate"], path);
  if (!verdict.valid()) return false;
  condition.subject = std::move(*subject);
  return true;
}

constexpr auto kPatientFields =
    MakeFields("id", "gender", "birthDate", "deceasedBoolean", "deceasedDateTime");

bool ParsePatient(Context& ctx, const Json& json, const Path& path, Patient& patient) {
  const Members<kPatientFields> m(json);
  patient.id = ReadString(ctx, m["id"], path);
  patient.gender = ReadCode(ctx, m["gender"], path, kGenders);
  patient.birth_date = ReadDateTime(ctx, m["birthDate"], path, DateKind::kDate);
  patient.deceased_boolean = ReadBool(ctx, m["deceasedBoolean"], path);
  patient.deceased_date_time = ReadDateTime(ctx, m["deceasedDateTime"], path);
  return true;
}

/// Encounter.class: a Coding in R4. A CodeableConcept, or an array of either (R5), is
/// tolerated with a warning; the first coding is used.
std::optional<Coding> ReadEncounterClass(Context& ctx, Field field, const Path& path) {
  const Path class_path = path.Field(field.name);
  if (field.value == nullptr || field.value->IsNull()) {
    ctx.Error(class_path, "required element is missing; resource rejected");
    return std::nullopt;
  }
  const Json* value = field.value;
  const Path item_path = class_path.Index(0);
  const Path* value_path = &class_path;
  if (value->IsArray() && !value->Empty()) {
    ctx.Warning(class_path, "expected a Coding, got an array (R5 style); its first item is used");
    value = &(*value)[0];
    value_path = &item_path;
  }
  if (!value->IsObject()) {
    WrongType(ctx, *value_path, "a Coding object", *value);
    ctx.Error(class_path, "required element is invalid; resource rejected");
    return std::nullopt;
  }
  Coding coding;
  if (value->HasMember("coding")) {
    ctx.Warning(*value_path, "expected a Coding, got a CodeableConcept; its first coding is used");
    CodeableConcept concept_value = ParseCodeableConcept(ctx, *value, *value_path);
    if (!concept_value.coding.empty()) coding = std::move(concept_value.coding.front());
  } else {
    coding = ParseCoding(ctx, *value, *value_path);
  }
  if (coding.code.empty()) {
    ctx.Error(class_path, "class has no code; resource rejected");
    return std::nullopt;
  }
  return coding;
}

constexpr auto kEncounterLocationFields = MakeFields("location", "status", "period");
constexpr auto kEncounterFields =
    MakeFields("id", "status", "class", "type", "subject", "period", "location");

Encounter::Location ParseEncounterLocation(Context& ctx, const Json& json, const Path& path) {
  const Members<kEncounterLocationFields> m(json);
  return Encounter::Location{.location = ReadReference(ctx, m["location"], path),
                             .status = ReadString(ctx, m["status"], path),
                             .period = ReadObject(ctx, m["period"], path, ParsePeriod)};
}

bool ParseEncounter(Context& ctx, const Json& json, const Path& path, Encounter& encounter) {
  const Members<kEncounterFields> m(json);
  Verdict verdict;
  encounter.id = ReadString(ctx, m["id"], path);
  auto status = ReadRequiredCode(ctx, m["status"], path, kEncounterStatuses);
  verdict.Require(status);
  auto class_code = ReadEncounterClass(ctx, m["class"], path);
  verdict.Require(class_code);
  encounter.type = ReadConcepts(ctx, m["type"], path);
  encounter.subject = ReadReference(ctx, m["subject"], path);
  encounter.period = ReadObject(ctx, m["period"], path, ParsePeriod);
  encounter.location = ReadArray(ctx, m["location"], path, ParseEncounterLocation);
  if (!verdict.valid()) return false;
  encounter.status = std::move(*status);
  encounter.class_code = std::move(*class_code);
  return true;
}

constexpr auto kOutcomeIssueFields =
    MakeFields("severity", "code", "details", "diagnostics", "expression");
constexpr auto kOperationOutcomeFields = MakeFields("id", "issue");

std::optional<OperationOutcome::IssueEntry> ParseOutcomeIssue(Context& ctx, const Json& json,
                                                              const Path& path) {
  const Members<kOutcomeIssueFields> m(json);
  OperationOutcome::IssueEntry issue;
  issue.severity = ReadCode(ctx, m["severity"], path, kIssueSeverities);
  if (issue.severity.empty()) {
    ctx.Error(path.Field("severity"), "issue without a valid severity; issue ignored");
    return std::nullopt;
  }
  issue.code = ReadString(ctx, m["code"], path);
  issue.details = ReadConcept(ctx, m["details"], path);
  issue.diagnostics = ReadString(ctx, m["diagnostics"], path);
  issue.expression = ReadStringArray(ctx, m["expression"], path);
  return issue;
}

bool ParseOperationOutcome(Context& ctx, const Json& json, const Path& path,
                           OperationOutcome& outcome) {
  const Members<kOperationOutcomeFields> m(json);
  outcome.id = ReadString(ctx, m["id"], path);
  outcome.issue = ReadArray(ctx, m["issue"], path, ParseOutcomeIssue);
  if (outcome.issue.empty()) ctx.Warning(path.Field("issue"), "OperationOutcome without issues");
  return true;
}

bool ParseMedication(Context& ctx, const Json& json, const Path& path, Medication& medication) {
  ParseMedicationInto(ctx, json, path, medication);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Dispatch

using ParseFn = bool (*)(Context&, const Json&, const Path&, Resource&);

/// Replaces `out` by an empty T and parses into it, so the view is built where it is kept.
template <typename T, bool (*Parse)(Context&, const Json&, const Path&, T&)>
bool Into(Context& ctx, const Json& json, const Path& path, Resource& out) {
  return Parse(ctx, json, path, out.emplace<T>());
}

constexpr auto kResourceTypes =
    MakeFields("Patient", "Encounter", "Condition", "Observation", "DiagnosticReport", "Specimen",
               "Medication", "MedicationRequest", "MedicationOrder", "MedicationStatement",
               "MedicationAdministration", "OperationOutcome");

/// Indexed like kResourceTypes.
constexpr std::array<ParseFn, kResourceTypes.size()> kParsers = {
    &Into<Patient, ParsePatient>,
    &Into<Encounter, ParseEncounter>,
    &Into<Condition, ParseCondition>,
    &Into<Observation, ParseObservation>,
    &Into<DiagnosticReport, ParseDiagnosticReport>,
    &Into<Specimen, ParseSpecimen>,
    &Into<Medication, ParseMedication>,
    &Into<MedicationRequest, ParseMedicationRequest>,
    &Into<MedicationRequest, ParseMedicationOrder>,
    &Into<MedicationStatement, ParseMedicationStatement>,
    &Into<MedicationAdministration, ParseMedicationAdministration>,
    &Into<OperationOutcome, ParseOperationOutcome>,
};
static_assert(kResourceTypes.IndexOf("Observation") == 3 &&
              kResourceTypes.IndexOf("MedicationOrder") == 8 &&
              kResourceTypes.IndexOf("OperationOutcome") == 11);

}  // namespace

TypedParse ParseResourceOfType(Context& ctx, const Json& json, const Path& path,
                               std::string_view resource_type, Resource& out) {
  const std::size_t index = kResourceTypes.Find(resource_type);
  if (index == kResourceTypes.size()) return TypedParse::kUnknownType;
  return kParsers[index](ctx, json, path, out) ? TypedParse::kParsed : TypedParse::kRejected;
}

}  // namespace cds::fhir::internal
