// What the audit trail records about one hook call, its cards and the feedback on them (issue 7).
// Plain data, filled by the router from the parsed request and the engine's outcome. Never put
// here: the fhirAuthorization object, a JWT or any token, or whole prefetch payloads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cds::audit {

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

/// Who called, as the authenticator established it (issue 6). Empty fields until JWT
/// verification runs; never the token itself.
struct Principal {
  std::string issuer;   // JWT iss
  std::string subject;  // JWT sub
  std::string tenant;   // JWT tenant claim
  std::string jti;      // JWT id (not a secret: it identifies, it does not authorise)
};

/// One draft order the call carried.
struct OrderSeen {
  std::string resource_type;  // "MedicationRequest"
  std::string id;
  std::string medication;  // the drug as ordered (medicationCodeableConcept text/display)
  bool selected = false;   // order-select: listed in context.selections
};

struct EvidenceRef {
  std::string reference;  // "Observation/abc"
  std::string path;       // element read, "Observation.valueQuantity"
  std::string value;      // human-readable, as on the card
};

struct SuggestionOffered {
  std::string uuid;
  std::string label;
};

/// One card returned to the EHR.
struct CardRecord {
  std::string uuid;
  std::string rule_id;
  std::string rule_version;
  std::string rule_title;    // the name pharmacists know the rule by
  std::string catalogue_id;  // "R05"
  std::string indicator;     // info | warning | critical
  std::string summary;
  std::string merged_rules;             // comma-separated ids of rules folded into this card
  std::vector<std::string> implicated;  // the orders the card is about, "MedicationRequest/id"
  std::vector<EvidenceRef> evidence;
  std::vector<SuggestionOffered> suggestions;
};

/// One POST to a CDS service: the answer given, or the error.
struct CallRecord {
  std::string hook_instance;  // empty only when the request failed before it was parsed
  std::string service;
  std::string hook;  // order-select | order-sign; empty when unknown (error before parsing)
  Millis received{};
  Principal principal;
  std::string user_id;
  std::string patient_id;
  std::string encounter_id;
  std::vector<OrderSeen> orders;
  std::int64_t latency_us = 0;  // router arrival → audit submit (excludes the commit wait)
  int http_status = 200;
  std::string error;  // HookError name when http_status is not 200
  std::string request_id;
  std::vector<CardRecord> cards;
};

/// One item of `POST /cds-services/{id}/feedback`.
struct FeedbackRecord {
  std::string card_uuid;
  std::string outcome;  // accepted | overridden
  std::vector<std::string> accepted_suggestions;
  std::string reason_system;  // overrideReason.reason, empty when absent
  std::string reason_code;
  std::string reason_display;
  std::string comment;  // overrideReason.userComment
  Millis outcome_time{};
};

struct FeedbackBatch {
  std::string service;
  Millis received{};
  Principal principal;
  std::string request_id;
  std::vector<FeedbackRecord> items;
};

}  // namespace cds::audit
