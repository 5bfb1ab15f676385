#include "hooks/audit_record.hpp"

#include <string_view>

namespace cds::hooks {
namespace {

std::string_view StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// The drug as the EHR named it: medicationCodeableConcept.text, else its first coding's
// display or code, else medicationReference.display or reference.
std::string MedicationText(const rapidjson::Value* resource) {
  if (resource == nullptr || !resource->IsObject()) return {};
  const auto concept_it = resource->FindMember("medicationCodeableConcept");
  if (concept_it != resource->MemberEnd() && concept_it->value.IsObject()) {
    const rapidjson::Value& concept_value = concept_it->value;
    if (const auto text = StringMember(concept_value, "text"); !text.empty()) {
      return std::string(text);
    }
    const auto coding = concept_value.FindMember("coding");
    if (coding != concept_value.MemberEnd() && coding->value.IsArray()) {
      for (const rapidjson::Value& c : coding->value.GetArray()) {
        if (const auto display = StringMember(c, "display"); !display.empty()) {
          return std::string(display);
        }
        if (const auto code = StringMember(c, "code"); !code.empty()) return std::string(code);
      }
    }
  }
  const auto reference = resource->FindMember("medicationReference");
  if (reference != resource->MemberEnd()) {
    if (const auto display = StringMember(reference->value, "display"); !display.empty()) {
      return std::string(display);
    }
    return std::string(StringMember(reference->value, "reference"));
  }
  return {};
}

}  // namespace

audit::CallRecord MakeCallRecord(const HookRequest& request, const HookOutcome* outcome) {
  audit::CallRecord record;
  record.hook_instance = request.hook_instance;
  record.hook = std::string(HookName(request.hook));
  record.user_id = request.context.user_id;
  record.patient_id = request.context.patient_id;
  record.encounter_id = request.context.encounter_id;
  for (const DraftOrder& order : request.context.draft_orders) {
    record.orders.push_back(
        {order.resource_type, order.id, MedicationText(order.resource), order.selected});
  }
  if (outcome == nullptr) return record;
  for (std::size_t i = 0; i < outcome->cards.size(); ++i) {
    const cards::Card& card = outcome->cards[i];
    audit::CardRecord r;
    r.uuid = card.uuid;
    r.summary = card.summary;
    for (const cards::Suggestion& s : card.suggestions) r.suggestions.push_back({s.uuid, s.label});
    if (i < outcome->findings.size()) {
      const engine::Finding& f = outcome->findings[i];
      r.rule_id = f.meta.id;
      r.rule_version = f.meta.version;
      r.rule_title = f.meta.title;
      r.catalogue_id = f.meta.catalogue_id;
      r.indicator = std::string(engine::ToString(f.indicator));
      for (const std::string& id : f.merged_rule_ids) {
        if (!r.merged_rules.empty()) r.merged_rules.push_back(',');
        r.merged_rules += id;
      }
      for (const engine::OrderRef& o : f.orders) r.implicated.push_back(o.Reference());
      for (const engine::Evidence& e : f.evidence)
        r.evidence.push_back({e.reference, e.path, e.value});
    } else if (card.source.topic) {
      r.rule_id = card.source.topic->code;
      r.rule_title = card.source.topic->display;
    }
    record.cards.push_back(std::move(r));
  }
  return record;
}

audit::FeedbackBatch MakeFeedbackBatch(const FeedbackRequest& request) {
  audit::FeedbackBatch batch;
  for (const FeedbackItem& item : request.items) {
    audit::FeedbackRecord r;
    r.card_uuid = item.card;
    r.outcome = item.outcome == FeedbackOutcome::kAccepted ? "accepted" : "overridden";
    r.accepted_suggestions = item.accepted_suggestions;
    if (item.override_reason) {
      if (item.override_reason->reason) {
        r.reason_system = item.override_reason->reason->system;
        r.reason_code = item.override_reason->reason->code;
        r.reason_display = item.override_reason->reason->display;
      }
      r.comment = item.override_reason->user_comment;
    }
    r.outcome_time = item.outcome_timestamp;
    batch.items.push_back(std::move(r));
  }
  return batch;
}

}  // namespace cds::hooks
