#include "audit/export.hpp"

#include <cctype>
#include <cstdio>
#include <map>
#include <random>

#include "audit/json.hpp"

namespace cds::audit {
namespace {

constexpr std::string_view kCsvHeader =
    "received,hook_instance,service,hook,http_status,error,request_id,issuer,tenant,user_id,"
    "patient_id,encounter_id,orders,latency_ms,card_uuid,rule_id,rule_version,rule_title,"
    "indicator,summary,implicated,evidence,suggestions,feedback_count,outcome,"
    "override_reason_code,override_reason_display,override_comment,outcome_time";

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += " | ";
    out += item;
  }
  return out;
}

const FeedbackRow* Latest(const std::vector<FeedbackRow>& feedback) {
  const FeedbackRow* latest = nullptr;
  for (const FeedbackRow& f : feedback) {
    if (latest == nullptr || f.item.outcome_time >= latest->item.outcome_time) latest = &f;
  }
  return latest;
}

void WriteCsvRow(std::ostream& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out << ',';
    out << CsvField(cells[i]);
  }
  out << "\r\n";
}

void WriteCsvCall(std::ostream& out, const ExportedCall& e) {
  const CallRecord& c = e.call;
  std::vector<std::string> orders;
  for (const OrderSeen& o : c.orders) {
    orders.push_back(o.resource_type + "/" + o.id + " " + o.medication +
                     (o.selected ? " (selected)" : ""));
  }
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.3f", static_cast<double>(c.latency_us) / 1000.0);
  const std::vector<std::string> call_cells = {FormatInstant(c.received),
                                               c.hook_instance,
                                               c.service,
                                               c.hook,
                                               std::to_string(c.http_status),
                                               c.error,
                                               c.request_id,
                                               c.principal.issuer,
                                               c.principal.tenant,
                                               c.user_id,
                                               c.patient_id,
                                               c.encounter_id,
                                               Join(orders),
                                               latency};
  if (c.cards.empty()) {
    std::vector<std::string> cells = call_cells;
    cells.resize(29);
    WriteCsvRow(out, cells);
    return;
  }
  for (std::size_t i = 0; i < c.cards.size(); ++i) {
    const CardRecord& k = c.cards[i];
    std::vector<std::string> evidence;
    for (const EvidenceRef& ev : k.evidence) evidence.push_back(ev.reference);
    std::vector<std::string> suggestions;
    for (const SuggestionOffered& s : k.suggestions) suggestions.push_back(s.label);
    static const std::vector<FeedbackRow> kNone;
    const std::vector<FeedbackRow>& feedback = i < e.feedback.size() ? e.feedback[i] : kNone;
    const FeedbackRow* latest = Latest(feedback);
    std::vector<std::string> cells = call_cells;
    cells.insert(
        cells.end(),
        {k.uuid, k.rule_id, k.rule_version, k.rule_title, k.indicator, k.summary,
         Join(k.implicated), Join(evidence), Join(suggestions), std::to_string(feedback.size()),
         latest ? latest->item.outcome : "", latest ? latest->item.reason_code : "",
         latest ? latest->item.reason_display : "", latest ? latest->item.comment : "",
         latest ? FormatInstant(latest->item.outcome_time) : ""});
    WriteCsvRow(out, cells);
  }
}

// --- FHIR R4 -----------------------------------------------------------------------------------

class Fhir {
 public:
  explicit Fhir(const ExportOptions& options) : options_(options), rng_(std::random_device{}()) {}

  std::string NewUuid() {
    const std::uint64_t a = rng_();
    const std::uint64_t b = rng_();
    char text[40];
    std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                  static_cast<unsigned>(((b >> 48) & 0x3fff) | 0x8000),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return text;
  }

  // The card's own uuid names its DetectedIssue when it is a UUID (ours always are).
  std::string CardUrl(const std::string& uuid) {
    const auto known = card_urls_.find(uuid);
    if (known != card_urls_.end()) return known->second;
    bool is_uuid = uuid.size() == 36;
    for (std::size_t i = 0; is_uuid && i < uuid.size(); ++i) {
      const char ch = uuid[i];
      is_uuid = (i == 8 || i == 13 || i == 18 || i == 23)
                    ? ch == '-'
                    : std::isxdigit(static_cast<unsigned char>(ch)) != 0;
    }
    std::string url = "urn:uuid:" + (is_uuid ? uuid : NewUuid());
    card_urls_.emplace(uuid, url);
    return url;
  }

  void Entry(std::ostream& out, const ExportedCall& e, bool& first) {
    card_urls_.clear();
    std::vector<std::string> card_urls;
    for (const CardRecord& k : e.call.cards) card_urls.push_back(CardUrl(k.uuid));
    Emit(out, first, "urn:uuid:" + NewUuid(), [&](JsonWriter& w) { AuditEvent(w, e, card_urls); });
    for (std::size_t i = 0; i < e.call.cards.size(); ++i) {
      Emit(out, first, card_urls[i], [&](JsonWriter& w) {
        DetectedIssue(w, e.call, e.call.cards[i],
                      i < e.feedback.size() ? e.feedback[i] : std::vector<FeedbackRow>{});
      });
    }
  }

 private:
  template <typename Body>
  void Emit(std::ostream& out, bool& first, const std::string& full_url, Body body) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    S(w, "fullUrl", full_url);
    K(w, "resource");
    body(w);
    w.EndObject();
    if (!first) out << ",\n";
    first = false;
    out.write(buffer.GetString(), static_cast<std::streamsize>(buffer.GetSize()));
  }

  static void K(JsonWriter& w, std::string_view key) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  }
  static void S(JsonWriter& w, std::string_view key, std::string_view value) {
    K(w, key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  static void Coding(JsonWriter& w, std::string_view system, std::string_view code,
                     std::string_view display) {
    w.StartObject();
    S(w, "system", system);
    S(w, "code", code);
    if (!display.empty()) S(w, "display", display);
    w.EndObject();
  }
  static void Reference(JsonWriter& w, std::string_view key, std::string_view reference,
                        std::string_view display = {}) {
    K(w, key);
    w.StartObject();
    if (!reference.empty()) S(w, "reference", reference);
    if (!display.empty()) S(w, "display", display);
    w.EndObject();
  }
  static void Detail(JsonWriter& w, std::string_view type, std::string_view value) {
    if (value.empty()) return;
    w.StartObject();
    S(w, "type", type);
    S(w, "valueString", value);
    w.EndObject();
  }
  static bool LooksLikeReference(std::string_view id) {
    const std::size_t slash = id.find('/');
    return slash != std::string_view::npos && slash > 0 && slash + 1 < id.size() &&
           std::isupper(static_cast<unsigned char>(id[0])) != 0;
  }

  // AuditEvent: type rest (a RESTful operation), subtype = the hook, action E (execute),
  // recorded = received, outcome 0/4/8 from the HTTP status; agents: the clinician (requestor)
  // and the EHR application (the JWT issuer); source: this service; entities: the hook call
  // (hookInstance), the patient, the encounter, each draft order and each card (its
  // DetectedIssue in the Bundle).
  void AuditEvent(JsonWriter& w, const ExportedCall& e, const std::vector<std::string>& cards) {
    const CallRecord& c = e.call;
    w.StartObject();
    S(w, "resourceType", "AuditEvent");
    K(w, "type");
    Coding(w, "http://terminology.hl7.org/CodeSystem/audit-event-type", "rest",
           "RESTful Operation");
    if (!c.hook.empty()) {
      K(w, "subtype");
      w.StartArray();
      Coding(w, "https://cds-hooks.org/hooks", c.hook, c.hook);
      w.EndArray();
    }
    S(w, "action", "E");
    K(w, "period");
    w.StartObject();
    S(w, "start", FormatInstant(c.received));
    S(w, "end", FormatInstant(c.received + std::chrono::milliseconds(c.latency_us / 1000)));
    w.EndObject();
    S(w, "recorded", FormatInstant(c.received));
    S(w, "outcome", c.http_status < 400 ? "0" : c.http_status < 500 ? "4" : "8");
    if (c.http_status != 200) {
      S(w, "outcomeDesc",
        "HTTP " + std::to_string(c.http_status) + (c.error.empty() ? "" : " " + c.error));
    }
    K(w, "agent");
    w.StartArray();
    {
      w.StartObject();
      K(w, "type");
      w.StartObject();
      K(w, "coding");
      w.StartArray();
      Coding(w, "http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser",
             "human user");
      w.EndArray();
      w.EndObject();
      K(w, "who");
      w.StartObject();
      if (LooksLikeReference(c.user_id)) {
        S(w, "reference", c.user_id);
      } else {
        K(w, "identifier");
        w.StartObject();
        S(w, "value", c.user_id.empty() ? "unknown" : c.user_id);
        w.EndObject();
      }
      w.EndObject();
      K(w, "requestor");
      w.Bool(true);
      w.EndObject();
    }
    {
      w.StartObject();
      K(w, "type");
      w.StartObject();
      K(w, "coding");
      w.StartArray();
      Coding(w, "http://dicom.nema.org/resources/ontology/DCM", "110150", "Application");
      w.EndArray();
      w.EndObject();
      K(w, "who");
      w.StartObject();
      if (c.principal.issuer.empty()) {
        S(w, "display", "EHR (issuer not authenticated)");
      } else {
        K(w, "identifier");
        w.StartObject();
        S(w, "system", "urn:ietf:rfc:3986");
        S(w, "value", c.principal.issuer);
        w.EndObject();
      }
      w.EndObject();
      if (!c.principal.subject.empty()) S(w, "altId", c.principal.subject);
      K(w, "requestor");
      w.Bool(false);
      w.EndObject();
    }
    w.EndArray();
    K(w, "source");
    w.StartObject();
    S(w, "site", c.service);
    Reference(w, "observer", "", "cds-hooks-server " + c.service);
    K(w, "type");
    w.StartArray();
    Coding(w, "http://terminology.hl7.org/CodeSystem/security-source-type", "4",
           "Application Server");
    w.EndArray();
    w.EndObject();
    K(w, "entity");
    w.StartArray();
    {
      w.StartObject();
      K(w, "what");
      w.StartObject();
      K(w, "identifier");
      w.StartObject();
      S(w, "system", "urn:cds-hooks:hookInstance");
      S(w, "value", c.hook_instance.empty() ? "unknown" : c.hook_instance);
      w.EndObject();
      w.EndObject();
      K(w, "type");
      Coding(w, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object");
      S(w, "name", "CDS Hooks call");
      K(w, "detail");
      w.StartArray();
      Detail(w, "hookInstance", c.hook_instance);
      Detail(w, "httpStatus", std::to_string(c.http_status));
      Detail(w, "requestId", c.request_id);
      Detail(w, "latencyMs", std::to_string(c.latency_us / 1000));
      Detail(w, "tenant", c.principal.tenant);
      Detail(w, "jti", c.principal.jti);
      w.EndArray();
      w.EndObject();
    }
    if (!c.patient_id.empty()) {
      w.StartObject();
      Reference(w, "what", "Patient/" + c.patient_id);
      K(w, "type");
      Coding(w, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person");
      K(w, "role");
      Coding(w, "http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient");
      w.EndObject();
    }
    if (!c.encounter_id.empty()) {
      w.StartObject();
      Reference(w, "what", "Encounter/" + c.encounter_id);
      K(w, "type");
      Coding(w, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object");
      w.EndObject();
    }
    for (const OrderSeen& o : c.orders) {
      w.StartObject();
      Reference(w, "what", o.id.empty() ? "" : o.resource_type + "/" + o.id, o.medication);
      K(w, "type");
      Coding(w, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object");
      if (!o.medication.empty()) S(w, "name", o.medication);
      S(w, "description", o.selected ? "draft order (selected)" : "draft order");
      w.EndObject();
    }
    for (std::size_t i = 0; i < c.cards.size(); ++i) {
      w.StartObject();
      Reference(w, "what", cards[i]);
      K(w, "type");
      Coding(w, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object");
      S(w, "name", "card " + c.cards[i].rule_id);
      S(w, "description", c.cards[i].summary);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }

  // DetectedIssue: status final; code = the rule (rule_system); severity from the indicator;
  // identified = when the card was issued; implicated = the orders; evidence = the card's
  // evidence references; mitigation = each feedback item (accepted, or the override reason).
  void DetectedIssue(JsonWriter& w, const CallRecord& c, const CardRecord& k,
                     const std::vector<FeedbackRow>& feedback) {
    w.StartObject();
    S(w, "resourceType", "DetectedIssue");
    K(w, "identifier");
    w.StartArray();
    w.StartObject();
    S(w, "system", "urn:cds-hooks:card");
    S(w, "value", k.uuid);
    w.EndObject();
    w.EndArray();
    S(w, "status", "final");
    K(w, "code");
    w.StartObject();
    K(w, "coding");
    w.StartArray();
    Coding(w, options_.rule_system, k.rule_id, k.rule_title);
    w.EndArray();
    S(w, "text", k.rule_title.empty() ? k.rule_id : k.rule_title);
    w.EndObject();
    S(w, "severity",
      k.indicator == "critical"  ? "high"
      : k.indicator == "warning" ? "moderate"
                                 : "low");
    if (!c.patient_id.empty()) Reference(w, "patient", "Patient/" + c.patient_id);
    S(w, "identifiedDateTime", FormatInstant(c.received));
    Reference(w, "author", "",
              "cds-hooks-server rule " + k.rule_id +
                  (k.rule_version.empty() ? "" : " v" + k.rule_version));
    if (!k.implicated.empty()) {
      K(w, "implicated");
      w.StartArray();
      for (const std::string& ref : k.implicated) {
        w.StartObject();
        S(w, "reference", ref);
        w.EndObject();
      }
      w.EndArray();
    }
    if (!k.evidence.empty()) {
      K(w, "evidence");
      w.StartArray();
      w.StartObject();
      K(w, "detail");
      w.StartArray();
      for (const EvidenceRef& e : k.evidence) {
        w.StartObject();
        if (!e.reference.empty()) S(w, "reference", e.reference);
        S(w, "display", e.value.empty() ? e.path : e.value);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
      w.EndArray();
    }
    S(w, "detail", k.summary);
    if (!feedback.empty()) {
      K(w, "mitigation");
      w.StartArray();
      for (const FeedbackRow& f : feedback) {
        w.StartObject();
        K(w, "action");
        w.StartObject();
        K(w, "coding");
        w.StartArray();
        if (!f.item.reason_code.empty()) {
          Coding(w, f.item.reason_system, f.item.reason_code, f.item.reason_display);
        } else {
          Coding(w, "urn:cds-hooks:feedback-outcome", f.item.outcome, f.item.outcome);
        }
        w.EndArray();
        std::string text = f.item.outcome;
        if (!f.item.reason_display.empty()) text += ": " + f.item.reason_display;
        if (!f.item.comment.empty()) text += " (" + f.item.comment + ")";
        S(w, "text", text);
        w.EndObject();
        S(w, "date", FormatInstant(f.item.outcome_time));
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }

  const ExportOptions& options_;
  std::mt19937_64 rng_;
  std::map<std::string, std::string> card_urls_;
};

}  // namespace

std::optional<ExportFormat> ParseExportFormat(std::string_view name) noexcept {
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "ndjson") return ExportFormat::kNdjson;
  if (name == "fhir") return ExportFormat::kFhir;
  return std::nullopt;
}

std::string CsvField(std::string_view value) {
  std::string cell;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    cell.push_back('\'');
  }
  cell.append(value);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

Result<ExportCounts> Export(AuditStore& store, const ExportOptions& options, std::ostream& out) {
  ExportCounts counts;
  Fhir fhir(options);
  bool first = true;
  if (options.format == ExportFormat::kCsv) {
    out << kCsvHeader << "\r\n";
  } else if (options.format == ExportFormat::kFhir) {
    rapidjson::StringBuffer head;
    JsonWriter w(head);
    w.StartObject();
    w.Key("resourceType");
    w.String("Bundle");
    w.Key("id");
    const std::string id = fhir.NewUuid();
    w.String(id.c_str());
    w.Key("type");
    w.String("collection");
    w.Key("timestamp");
    const std::string timestamp = FormatInstant(options.generated);
    w.String(timestamp.c_str());
    w.EndObject();
    // Reopen the object to stream the entries: `{...}` → `{..., "entry": [`.
    std::string text(head.GetString(), head.GetSize());
    text.pop_back();
    out << text << ",\"entry\":[\n";
  }
  auto calls = store.ExportCalls(options.from, options.to, [&](const ExportedCall& e) {
    ++counts.calls;
    counts.cards += e.call.cards.size();
    switch (options.format) {
      case ExportFormat::kCsv:
        WriteCsvCall(out, e);
        break;
      case ExportFormat::kNdjson: {
        rapidjson::StringBuffer buffer;
        JsonWriter w(buffer);
        WriteExportedCall(w, e);
        out.write(buffer.GetString(), static_cast<std::streamsize>(buffer.GetSize()));
        out << '\n';
        break;
      }
      case ExportFormat::kFhir:
        fhir.Entry(out, e, first);
        break;
    }
    return static_cast<bool>(out);
  });
  if (!calls) return calls.error();
  if (options.format == ExportFormat::kNdjson) {
    auto unknown =
        store.ExportUnknownCardFeedback(options.from, options.to, [&](const FeedbackRow& f) {
          ++counts.unknown_card_feedback;
          rapidjson::StringBuffer buffer;
          JsonWriter w(buffer);
          WriteFeedback(w, f);
          // {"id":... → {"type":"unknownCardFeedback","id":...
          std::string line(buffer.GetString(), buffer.GetSize());
          line.insert(1, "\"type\":\"unknownCardFeedback\",");
          out << line << '\n';
          return static_cast<bool>(out);
        });
    if (!unknown) return unknown.error();
  }
  if (options.format == ExportFormat::kFhir) out << "\n]}\n";
  out.flush();
  if (!out) return StoreError{"export: write failed"};
  return counts;
}

}  // namespace cds::audit
