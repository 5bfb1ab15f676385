#include "fhir/internal/parse_resources.hpp"

#include <array>
#include <initializer_list>
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
std::optional<ParsedType<Fn>> RequireObject(Context& ctx, const Json& object, const char* name,
                                            const Path& object_path, Fn&& parse) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) {
    ctx.Error(object_path.Field(name), "required element is missing; resource rejected");
    return std::nullopt;
  }
  auto value = ReadObject(ctx, object, name, object_path, parse);
  if (!value) ctx.Error(object_path.Field(name), "required element is invalid; resource rejected");
  return value;
}

/// A required CodeableConcept that must carry a coding or a text.
std::optional<CodeableConcept> RequireConcept(Context& ctx, const Json& object, const char* name,
                                              const Path& object_path) {
  std::optional<CodeableConcept> value =
      RequireObject(ctx, object, name, object_path, ParseCodeableConcept);
  if (value && value->empty()) {
    ctx.Error(object_path.Field(name),
              "required element has no coding and no text; resource rejected");
    return std::nullopt;
  }
  return value;
}

/// An optional code: invalid -> error, element ignored (empty).
std::string ReadCode(Context& ctx, const Json& object, const char* name, const Path& object_path,
                     std::span<const std::string_view> allowed) {
  std::string code = ReadString(ctx, object, name, object_path);
  if (!code.empty() && !IsOneOf(code, allowed)) {
    ctx.Error(object_path.Field(name),
              QuotedMessage(code, 32, " is not a valid code; element ignored"));
    code.clear();
  }
  return code;
}

/// The `contained` Medications; other contained resource types are dropped silently.
/// Contained resources inside a contained Medication are not entered (bounded depth).
std::vector<Medication> ReadContainedMedications(Context& ctx, const Json& object,
                                                 const Path& object_path);

Medication ParseMedicationBody(Context& ctx, const Json& json, const Path& path);

std::vector<Medication> ReadContainedMedications(Context& ctx, const Json& object,
                                                 const Path& object_path) {
  std::vector<Medication> out;
  const Json* contained = Member(ctx, object, "contained", object_path);
  if (contained == nullptr) return out;
  const Path path = object_path.Field("contained");
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
    const auto type = item.FindMember("resourceType");
    if (type == item.MemberEnd() || !type->value.IsString()) {
      ctx.Error(item_path.Field("resourceType"),
                "contained resource without resourceType; ignored");
      continue;
    }
    if (StringOf(type->value) == "Medication")
      out.push_back(ParseMedicationBody(ctx, item, item_path));
  }
  return out;
}

/// medication[x]: medicationCodeableConcept or medicationReference. Reports and returns
/// nullopt when neither is usable. Resolves "#id" references against `contained`.
std::optional<MedicationChoice> ReadMedicationChoice(Context& ctx, const Json& json,
                                                     const Path& path,
                                                     const std::vector<Medication>& contained) {
  MedicationChoice choice;
  const bool has_concept = json.HasMember("medicationCodeableConcept");
  const bool has_reference = json.HasMember("medicationReference");
  if (!has_concept && !has_reference) {
    ctx.Error(path.Field("medication[x]"), "required element is missing; resource rejected");
    return std::nullopt;
  }
  if (has_concept && has_reference) {
    ctx.Warning(path.Field("medicationReference"),
                "both medicationCodeableConcept and medicationReference; the concept is used");
  }
  if (has_concept) {
    choice.codeable_concept = ReadConcept(ctx, json, "medicationCodeableConcept", path);
  } else {
    choice.reference = ReadReference(ctx, json, "medicationReference", path);
  }
  if (choice.codeable_concept.empty() && choice.reference.empty() &&
      choice.reference.display.empty()) {
    ctx.Error(path.Field(has_concept ? "medicationCodeableConcept" : "medicationReference"),
              "medication is empty or invalid; resource rejected");
    return std::nullopt;
  }
  ResolveMedication(choice, contained, nullptr);
  return choice;
}

/// clinicalStatus/verificationStatus: a CodeableConcept in R4; a bare code string
/// (DSTU2/STU3) is tolerated with a warning and wrapped with `system`.
CodeableConcept ReadStatusConcept(Context& ctx, const Json& json, const char* name,
                                  const Path& path, std::string_view system) {
  const auto it = json.FindMember(name);
  if (it != json.MemberEnd() && it->value.IsString()) {
    ctx.Warning(path.Field(name), "a code string (DSTU2/STU3) read as a CodeableConcept");
    CodeableConcept status;
    status.coding.push_back(Coding{std::string(system), {}, std::string(StringOf(it->value)), {}});
    return status;
  }
  return ReadConcept(ctx, json, name, path);
}

// ---------------------------------------------------------------------------------------------
// Medication family

Medication::Ingredient ParseIngredient(Context& ctx, const Json& json, const Path& path) {
  Medication::Ingredient ingredient;
  ingredient.item_concept = ReadConcept(ctx, json, "itemCodeableConcept", path);
  ingredient.item_reference = ReadReference(ctx, json, "itemReference", path);
  ingredient.is_active = ReadBool(ctx, json, "isActive", path);
  ingredient.strength = ReadObject(ctx, json, "strength", path, ParseRatio);
  return ingredient;
}

Medication ParseMedicationBody(Context& ctx, const Json& json, const Path& path) {
  Medication medication;
  medication.id = ReadString(ctx, json, "id", path);
  medication.code = ReadConcept(ctx, json, "code", path);
  medication.form = ReadConcept(ctx, json, "form", path);
  medication.ingredients = ReadArray(ctx, json, "ingredient", path, ParseIngredient);
  return medication;
}

MedicationRequest::DispenseRequest ParseDispenseRequest(Context& ctx, const Json& json,
                                                        const Path& path) {
  MedicationRequest::DispenseRequest dispense;
  dispense.validity_period = ReadObject(ctx, json, "validityPeriod", path, ParsePeriod);
  dispense.number_of_repeats_allowed = ReadInt(ctx, json, "numberOfRepeatsAllowed", path);
  dispense.quantity = ReadQuantity(ctx, json, "quantity", path);
  dispense.expected_supply_duration = ReadQuantity(ctx, json, "expectedSupplyDuration", path);
  return dispense;
}

Dosage ParseR4Dosage(Context& ctx, const Json& json, const Path& path) {
  return ParseDosage(ctx, json, path, Release::kR4);
}

Dosage ParseDstu2Dosage(Context& ctx, const Json& json, const Path& path) {
  return ParseDosage(ctx, json, path, Release::kDstu2);
}

std::optional<MedicationRequest> ParseMedicationRequest(Context& ctx, const Json& json,
                                                        const Path& path) {
  Verdict verdict;
  MedicationRequest request;
  request.id = ReadString(ctx, json, "id", path);
  request.contained_medications = ReadContainedMedications(ctx, json, path);
  const auto status = ReadRequiredCode(ctx, json, "status", path, kMedicationRequestStatuses);
  verdict.Require(status);
  if (json.HasMember("intent")) {
    request.intent = ReadCode(ctx, json, "intent", path, kMedicationRequestIntents);
  } else {
    ctx.Warning(path.Field("intent"), "required element is missing; tolerated (sandbox quirk)");
  }
  request.category = ReadConcepts(ctx, json, "category", path);
  request.priority = ReadString(ctx, json, "priority", path);
  request.do_not_perform = ReadBool(ctx, json, "doNotPerform", path).value_or(false);
  auto medication = ReadMedicationChoice(ctx, json, path, request.contained_medications);
  verdict.Require(medication);
  const auto subject = RequireObject(ctx, json, "subject", path, ParseReference);
  verdict.Require(subject);
  request.encounter = ReadReference(ctx, json, "encounter", path);
  request.authored_on = ReadDateTime(ctx, json, "authoredOn", path);
  request.requester = ReadReference(ctx, json, "requester", path);
  request.reason_code = ReadConcepts(ctx, json, "reasonCode", path);
  request.reason_reference = ReadReferences(ctx, json, "reasonReference", path);
  request.dosage_instruction = ReadArray(ctx, json, "dosageInstruction", path, ParseR4Dosage);
  request.dispense_request = ReadObject(ctx, json, "dispenseRequest", path, ParseDispenseRequest);
  if (!verdict.valid()) return std::nullopt;
  request.status = *status;
  request.medication = std::move(*medication);
  request.subject = *subject;
  return request;
}

/// DSTU2 MedicationOrder -> the MedicationRequest view. Element renames: patient -> subject,
/// dateWritten -> authoredOn, prescriber -> requester, reasonCodeableConcept/reasonReference
/// (single) -> reasonCode/reasonReference; dosage in DSTU2 layout. `status` is optional in
/// DSTU2: missing reads as "unknown" with a warning.
std::optional<MedicationRequest> ParseMedicationOrder(Context& ctx, const Json& json,
                                                      const Path& path) {
  Verdict verdict;
  MedicationRequest request;
  request.source_release = FhirRelease::kDstu2;
  request.intent = "order";
  request.id = ReadString(ctx, json, "id", path);
  request.contained_medications = ReadContainedMedications(ctx, json, path);
  if (json.HasMember("status")) {
    const auto status = ReadRequiredCode(ctx, json, "status", path, kMedicationOrderStatuses);
    verdict.Require(status);
    if (status) request.status = *status;
  } else {
    ctx.Warning(path.Field("status"), "MedicationOrder without status read as 'unknown'");
    request.status = "unknown";
  }
  auto medication = ReadMedicationChoice(ctx, json, path, request.contained_medications);
  verdict.Require(medication);
  request.subject = ReadReference(ctx, json, "patient", path);
  request.encounter = ReadReference(ctx, json, "encounter", path);
  request.authored_on = ReadDateTime(ctx, json, "dateWritten", path);
  request.requester = ReadReference(ctx, json, "prescriber", path);
  if (CodeableConcept reason = ReadConcept(ctx, json, "reasonCodeableConcept", path);
      !reason.empty()) {
    request.reason_code.push_back(std::move(reason));
  }
  if (Reference reason = ReadReference(ctx, json, "reasonReference", path); !reason.empty()) {
    request.reason_reference.push_back(std::move(reason));
  }
  request.dosage_instruction = ReadArray(ctx, json, "dosageInstruction", path, ParseDstu2Dosage);
  request.dispense_request = ReadObject(ctx, json, "dispenseRequest", path, ParseDispenseRequest);
  if (!verdict.valid()) return std::nullopt;
  request.medication = std::move(*medication);
  return request;
}

std::optional<MedicationStatement> ParseMedicationStatement(Context& ctx, const Json& json,
                                                            const Path& path) {
  Verdict verdict;
  MedicationStatement statement;
  statement.id = ReadString(ctx, json, "id", path);
  statement.contained_medications = ReadContainedMedications(ctx, json, path);
  const auto status = ReadRequiredCode(ctx, json, "status", path, kMedicationStatementStatuses);
  verdict.Require(status);
  // R4 category is 0..1; an array is tolerated by ReadObject (first item).
  if (CodeableConcept category = ReadConcept(ctx, json, "category", path); !category.empty()) {
    statement.category.push_back(std::move(category));
  }
  auto medication = ReadMedicationChoice(ctx, json, path, statement.contained_medications);
  verdict.Require(medication);
  const auto subject = RequireObject(ctx, json, "subject", path, ParseReference);
  verdict.Require(subject);
  statement.effective = ReadTimeChoice(ctx, json, path, "effective");
  statement.date_asserted = ReadDateTime(ctx, json, "dateAsserted", path);
  statement.reason_code = ReadConcepts(ctx, json, "reasonCode", path);
  statement.dosage = ReadArray(ctx, json, "dosage", path, ParseR4Dosage);
  if (!verdict.valid()) return std::nullopt;
  statement.status = *status;
  statement.medication = std::move(*medication);
  statement.subject = *subject;
  return statement;
}

MedicationAdministration::AdministeredDosage ParseAdministeredDosage(Context& ctx, const Json& json,
                                                                     const Path& path) {
  MedicationAdministration::AdministeredDosage dosage;
  dosage.text = ReadString(ctx, json, "text", path);
  dosage.route = ReadConcept(ctx, json, "route", path);
  dosage.dose = ReadQuantity(ctx, json, "dose", path);
  dosage.rate_ratio = ReadObject(ctx, json, "rateRatio", path, ParseRatio);
  dosage.rate_quantity = ReadQuantity(ctx, json, "rateQuantity", path);
  return dosage;
}

std::optional<MedicationAdministration> ParseMedicationAdministration(Context& ctx,
                                                                      const Json& json,
                                                                      const Path& path) {
  Verdict verdict;
  MedicationAdministration administration;
  administration.id = ReadString(ctx, json, "id", path);
  administration.contained_medications = ReadContainedMedications(ctx, json, path);
  const auto status =
      ReadRequiredCode(ctx, json, "status", path, kMedicationAdministrationStatuses);
  verdict.Require(status);
  auto medication = ReadMedicationChoice(ctx, json, path, administration.contained_medications);
  verdict.Require(medication);
  const auto subject = RequireObject(ctx, json, "subject", path, ParseReference);
  verdict.Require(subject);
  administration.context = ReadReference(ctx, json, "context", path);
  administration.effective = ReadTimeChoice(ctx, json, path, "effective");
  if (std::holds_alternative<std::monostate>(administration.effective)) {
    ctx.Error(path.Field("effective[x]"),
              "required element is missing or invalid; resource rejected");
    verdict.Reject();
  }
  administration.request = ReadReference(ctx, json, "request", path);
  administration.reason_code = ReadConcepts(ctx, json, "reasonCode", path);
  administration.dosage = ReadObject(ctx, json, "dosage", path, ParseAdministeredDosage);
  if (!verdict.valid()) return std::nullopt;
  administration.status = *status;
  administration.medication = std::move(*medication);
  administration.subject = *subject;
  return administration;
}

// ---------------------------------------------------------------------------------------------
// Observation family

/// One value[x] of the given type; std::monostate for a type not modelled or an invalid value
/// (reported).
ObservationValue ObservationValueOfType(Context& ctx, std::string_view type, const Json& value,
                                        const Path& path) {
  ObservationValue out;
  if (type == "Quantity") {
    if (auto q = ParseObjectValue(ctx, value, path, ParseQuantity)) out = std::move(*q);
  } else if (type == "CodeableConcept") {
    if (auto c = ParseObjectValue(ctx, value, path, ParseCodeableConcept)) out = std::move(*c);
  } else if (type == "String") {
    if (auto text = StringFrom(ctx, value, path)) {
      std::optional<Quantity> numeric = ParseQuantityString(*text);
      out = StringValue{std::move(*text), std::move(numeric)};
    }
  } else if (type == "Boolean") {
    if (auto b = BoolFrom(ctx, value, path)) out = *b;
  } else if (type == "Integer") {
    if (auto n = Int64From(ctx, value, path)) out = *n;
  } else if (type == "Range") {
    if (auto r = ParseObjectValue(ctx, value, path, ParseRange)) out = std::move(*r);
  } else if (type == "Ratio") {
    if (auto r = ParseObjectValue(ctx, value, path, ParseRatio)) out = std::move(*r);
  } else if (type == "DateTime") {
    if (auto d = DateTimeFrom(ctx, value, path, DateKind::kDateTime)) out = std::move(*d);
  } else if (type == "Period") {
    if (auto p = ParseObjectValue(ctx, value, path, ParsePeriod)) out = std::move(*p);
  }
  return out;
}

/// value[x] as used by labs, read in one pass over the members. Other value types
/// (valueSampledData, valueTime, ...) are ignored. More than one usable value -> warning; the
/// first in document order is used.
ObservationValue ReadObservationValue(Context& ctx, const Json& json, const Path& path) {
  ObservationValue value;
  std::string_view chosen;
  ForEachChoice(
      json, "value", [&](std::string_view name, std::string_view type, const Json& member) {
        const Path member_path = path.Field(name);
        ObservationValue candidate = ObservationValueOfType(ctx, type, member, member_path);
        if (std::holds_alternative<std::monostate>(candidate)) return;
        if (!chosen.empty()) {
          ctx.Warning(member_path, "more than one value[x]; " + std::string(chosen) + " is used");
          return;
        }
        value = std::move(candidate);
        chosen = name;
      });
  return value;
}

Observation::ReferenceRange ParseReferenceRange(Context& ctx, const Json& json, const Path& path) {
  Observation::ReferenceRange range;
  range.low = ReadQuantity(ctx, json, "low", path);
  range.high = ReadQuantity(ctx, json, "high", path);
  range.text = ReadString(ctx, json, "text", path);
  return range;
}

std::optional<Observation::Component> ParseComponent(Context& ctx, const Json& json,
                                                     const Path& path) {
  Observation::Component component;
  auto code = ReadObject(ctx, json, "code", path, ParseCodeableConcept);
  if (!code || code->empty()) {
    ctx.Error(path.Field("code"), "component without code; component ignored");
    return std::nullopt;
  }
  component.code = std::move(*code);
  component.value = ReadObservationValue(ctx, json, path);
  component.data_absent_reason = ReadConcept(ctx, json, "dataAbsentReason", path);
  component.interpretation = ReadConcepts(ctx, json, "interpretation", path);
  return component;
}

std::optional<Observation> ParseObservation(Context& ctx, const Json& json, const Path& path) {
  Verdict verdict;
  Observation observation;
  observation.id = ReadString(ctx, json, "id", path);
  const auto status = ReadRequiredCode(ctx, json, "status", path, kObservationStatuses);
  verdict.Require(status);
  observation.category = ReadConcepts(ctx, json, "category", path);
  auto code = RequireConcept(ctx, json, "code", path);
  verdict.Require(code);
  observation.subject = ReadReference(ctx, json, "subject", path);
  observation.encounter = ReadReference(ctx, json, "encounter", path);
  observation.effective = ReadTimeChoice(ctx, json, path, "effective", /*allow_instant=*/true);
  observation.issued = ReadDateTime(ctx, json, "issued", path, DateKind::kInstant);
  observation.value = ReadObservationValue(ctx, json, path);
  observation.data_absent_reason = ReadConcept(ctx, json, "dataAbsentReason", path);
  observation.interpretation = ReadConcepts(ctx, json, "interpretation", path);
  observation.reference_range = ReadArray(ctx, json, "referenceRange", path, ParseReferenceRange);
  observation.has_member = ReadReferences(ctx, json, "hasMember", path);
  observation.derived_from = ReadReferences(ctx, json, "derivedFrom", path);
  observation.specimen = ReadReference(ctx, json, "specimen", path);
  observation.component = ReadArray(ctx, json, "component", path, ParseComponent);
  if (!verdict.valid()) return std::nullopt;
  observation.status = *status;
  observation.code = std::move(*code);
  return observation;
}

std::optional<DiagnosticReport> ParseDiagnosticReport(Context& ctx, const Json& json,
                                                      const Path& path) {
  Verdict verdict;
  DiagnosticReport report;
  report.id = ReadString(ctx, json, "id", path);
  const auto status = ReadRequiredCode(ctx, json, "status", path, kDiagnosticReportStatuses);
  verdict.Require(status);
  report.category = ReadConcepts(ctx, json, "category", path);
  auto code = RequireConcept(ctx, json, "code", path);
  verdict.Require(code);
  report.subject = ReadReference(ctx, json, "subject", path);
  report.encounter = ReadReference(ctx, json, "encounter", path);
  report.effective = ReadTimeChoice(ctx, json, path, "effective");
  report.issued = ReadDateTime(ctx, json, "issued", path, DateKind::kInstant);
  report.result = ReadReferences(ctx, json, "result", path);
  report.specimen = ReadReferences(ctx, json, "specimen", path);
  if (!verdict.valid()) return std::nullopt;
  report.status = *status;
  report.code = std::move(*code);
  return report;
}

TimeChoice ParseCollected(Context& ctx, const Json& json, const Path& path) {
  return ReadTimeChoice(ctx, json, path, "collected");
}

std::optional<Specimen> ParseSpecimen(Context& ctx, const Json& json, const Path& path) {
  Specimen specimen;
  specimen.id = ReadString(ctx, json, "id", path);
  specimen.status = ReadCode(ctx, json, "status", path, kSpecimenStatuses);
  specimen.type = ReadConcept(ctx, json, "type", path);
  specimen.subject = ReadReference(ctx, json, "subject", path);
  specimen.parent = ReadReferences(ctx, json, "parent", path);
  specimen.received_time = ReadDateTime(ctx, json, "receivedTime", path);
  specimen.collected =
      ReadObject(ctx, json, "collection", path, ParseCollected).value_or(TimeChoice{});
  return specimen;
}

// ---------------------------------------------------------------------------------------------
// Patient context

std::optional<Condition> ParseCondition(Context& ctx, const Json& json, const Path& path) {
  Verdict verdict;
  Condition condition;
  condition.id = ReadString(ctx, json, "id", path);
  condition.clinical_status =
      ReadStatusConcept(ctx, json, "clinicalStatus", path, kConditionClinicalSystem);
  condition.verification_status =
      ReadStatusConcept(ctx, json, "verificationStatus", path, kConditionVerificationSystem);
  condition.category = ReadConcepts(ctx, json, "category", path);
  condition.severity = ReadConcept(ctx, json, "severity", path);
  condition.code = ReadConcept(ctx, json, "code", path);
  const auto subject = RequireObject(ctx, json, "subject", path, ParseReference);
  verdict.Require(subject);
  condition.encounter = ReadReference(ctx, json, "encounter", path);
  // onsetAge/onsetRange/onsetString (and abatement likewise) are not modelled.
  condition.onset = ReadTimeChoice(ctx, json, path, "onset");
  condition.abatement = ReadTimeChoice(ctx, json, path, "abatement");
  condition.recorded_date = ReadDateTime(ctx, json, "recordedDate", path);
  if (!verdict.valid()) return std::nullopt;
  condition.subject = *subject;
  return condition;
}

std::optional<Patient> ParsePatient(Context& ctx, const Json& json, const Path& path) {
  Patient patient;
  patient.id = ReadString(ctx, json, "id", path);
  patient.gender = ReadCode(ctx, json, "gender", path, kGenders);
  patient.birth_date = ReadDateTime(ctx, json, "birthDate", path, DateKind::kDate);
  patient.deceased_boolean = ReadBool(ctx, json, "deceasedBoolean", path);
  patient.deceased_date_time = ReadDateTime(ctx, json, "deceasedDateTime", path);
  return patient;
}

/// Encounter.class: a Coding in R4. A CodeableConcept, or an array of either (R5), is
/// tolerated with a warning; the first coding is used.
std::optional<Coding> ReadEncounterClass(Context& ctx, const Json& json, const Path& path) {
  const auto it = json.FindMember("class");
  const Path class_path = path.Field("class");
  if (it == json.MemberEnd() || it->value.IsNull()) {
    ctx.Error(class_path, "required element is missing; resource rejected");
    return std::nullopt;
  }
  const Json* value = &it->value;
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

Encounter::Location ParseEncounterLocation(Context& ctx, const Json& json, const Path& path) {
  Encounter::Location location;
  location.location = ReadReference(ctx, json, "location", path);
  location.status = ReadString(ctx, json, "status", path);
  location.period = ReadObject(ctx, json, "period", path, ParsePeriod);
  return location;
}

std::optional<Encounter> ParseEncounter(Context& ctx, const Json& json, const Path& path) {
  Verdict verdict;
  Encounter encounter;
  encounter.id = ReadString(ctx, json, "id", path);
  const auto status = ReadRequiredCode(ctx, json, "status", path, kEncounterStatuses);
  verdict.Require(status);
  auto class_code = ReadEncounterClass(ctx, json, path);
  verdict.Require(class_code);
  encounter.type = ReadConcepts(ctx, json, "type", path);
  encounter.subject = ReadReference(ctx, json, "subject", path);
  encounter.period = ReadObject(ctx, json, "period", path, ParsePeriod);
  encounter.location = ReadArray(ctx, json, "location", path, ParseEncounterLocation);
  if (!verdict.valid()) return std::nullopt;
  encounter.status = *status;
  encounter.class_code = std::move(*class_code);
  return encounter;
}

std::optional<OperationOutcome::IssueEntry> ParseOutcomeIssue(Context& ctx, const Json& json,
                                                              const Path& path) {
  OperationOutcome::IssueEntry issue;
  issue.severity = ReadCode(ctx, json, "severity", path, kIssueSeverities);
  if (issue.severity.empty()) {
    ctx.Error(path.Field("severity"), "issue without a valid severity; issue ignored");
    return std::nullopt;
  }
  issue.code = ReadString(ctx, json, "code", path);
  issue.details = ReadConcept(ctx, json, "details", path);
  issue.diagnostics = ReadString(ctx, json, "diagnostics", path);
  issue.expression = ReadStringArray(ctx, json, "expression", path);
  return issue;
}

std::optional<OperationOutcome> ParseOperationOutcome(Context& ctx, const Json& json,
                                                      const Path& path) {
  OperationOutcome outcome;
  outcome.id = ReadString(ctx, json, "id", path);
  outcome.issue = ReadArray(ctx, json, "issue", path, ParseOutcomeIssue);
  if (outcome.issue.empty()) ctx.Warning(path.Field("issue"), "OperationOutcome without issues");
  return outcome;
}

std::optional<Medication> ParseMedication(Context& ctx, const Json& json, const Path& path) {
  return ParseMedicationBody(ctx, json, path);
}

// ---------------------------------------------------------------------------------------------
// Dispatch

using ParseFn = std::optional<Resource> (*)(Context&, const Json&, const Path&);

template <auto Parse>
std::optional<Resource> AsResource(Context& ctx, const Json& json, const Path& path) {
  auto parsed = Parse(ctx, json, path);
  if (!parsed) return std::nullopt;
  return Resource(std::move(*parsed));
}

struct Parser {
  std::string_view resource_type;
  ParseFn parse;
};

constexpr std::array<Parser, 12> kParsers = {{
    {"Patient", &AsResource<ParsePatient>},
    {"Encounter", &AsResource<ParseEncounter>},
    {"Condition", &AsResource<ParseCondition>},
    {"Observation", &AsResource<ParseObservation>},
    {"DiagnosticReport", &AsResource<ParseDiagnosticReport>},
    {"Specimen", &AsResource<ParseSpecimen>},
    {"Medication", &AsResource<ParseMedication>},
    {"MedicationRequest", &AsResource<ParseMedicationRequest>},
    {"MedicationOrder", &AsResource<ParseMedicationOrder>},
    {"MedicationStatement", &AsResource<ParseMedicationStatement>},
    {"MedicationAdministration", &AsResource<ParseMedicationAdministration>},
    {"OperationOutcome", &AsResource<ParseOperationOutcome>},
}};

}  // namespace

TypedParse ParseResourceOfType(Context& ctx, const Json& json, const Path& path,
                               std::string_view resource_type) {
  for (const Parser& parser : kParsers) {
    if (parser.resource_type == resource_type) return {true, parser.parse(ctx, json, path)};
  }
  return {false, std::nullopt};
}

}  // namespace cds::fhir::internal
