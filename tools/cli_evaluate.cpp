// cds-hooks-cli evaluate: try the service against a FHIR server the way an EHR would call it.
// Builds the hook request (a draft R4 MedicationRequest from an RxNorm code or a file), fetches
// every prefetch key from the FHIR server with the same resolver the server uses, runs the same
// HookEngine with the shipped rule catalogue in-process, and prints the cards.
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cards/uuid.hpp"
#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "fhir/datatypes.hpp"
#include "hooks/config.hpp"
#include "hooks/feedback.hpp"
#include "hooks/fhir_client.hpp"
#include "hooks/hook_engine.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/prefetch_resolver.hpp"
#include "hooks/services.hpp"

namespace cds::cli {
namespace {

using hooks::HookType;

constexpr std::string_view kUsage = R"(Usage: cds-hooks-cli evaluate --fhir-server URL --patient ID
                             (--rxnorm CODE | --order FILE) [options]

Builds a CDS Hooks request as an EHR would (a draft R4 MedicationRequest for the patient),
fetches the service's prefetch from the FHIR server, runs the stewardship rules in-process and
prints the cards.

  --fhir-server URL          FHIR R4 base URL (https; http only with --allow-http-fhir)
  --patient ID               Patient.id on that server
  --rxnorm CODE              draft order for this RxNorm code (e.g. 1722939 meropenem 1 g inj)
  --order FILE               draft order from a MedicationRequest JSON file instead
  --hook order-select|order-sign   (default order-select)
  --encounter ID             context.encounterId (optional)
  --user REF                 context.userId (default Practitioner/cds-hooks-cli)
  --bearer-token-file F      send "Authorization: Bearer <contents of F>" to the FHIR server
  --fhir-ca FILE             also trust this CA (PEM) for the FHIR server
  --allow-http-fhir          allow a plain http:// FHIR server (development)
  --prefetch-budget-ms N     time for all fetches (default 2000)
  --terminology-dir DIR      value-set data files (default engine/terminology)
  --now RFC3339              evaluate as of this instant (default: now)
  --json                     print the exact CDS Hooks response instead of readable cards

Exit status: 0 evaluated (with or without cards), 1 the call failed (e.g. 412 when required
data could not be fetched), 2 bad usage.
)";

struct Options {
  std::string fhir_server;
  std::string patient;
  std::string rxnorm;
  std::string order_file;
  HookType hook = HookType::kOrderSelect;
  std::string encounter;
  std::string user = "Practitioner/cds-hooks-cli";
  std::string token_file;
  std::string fhir_ca;
  bool allow_http = false;
  bool json = false;
  std::chrono::milliseconds budget{2000};
  std::string terminology_dir;
  std::optional<std::chrono::sys_seconds> now;
};

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Returns an error message, or nullopt.
std::optional<std::string> ParseOptions(int argc, char** argv, Options& o) {
  o.terminology_dir = hooks::DefaultConfig().terminology_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view opt = argv[i];
    if (opt == "--json") {
      o.json = true;
      continue;
    }
    if (opt == "--allow-http-fhir") {
      o.allow_http = true;
      continue;
    }
    if (i + 1 >= argc) return std::string(opt) + " needs a value (see --help)";
    const std::string value = argv[++i];
    if (opt == "--fhir-server") {
      o.fhir_server = value;
    } else if (opt == "--patient") {
      o.patient = value;
    } else if (opt == "--rxnorm") {
      o.rxnorm = value;
    } else if (opt == "--order") {
      o.order_file = value;
    } else if (opt == "--hook") {
      if (value == "order-select") {
        o.hook = HookType::kOrderSelect;
      } else if (value == "order-sign") {
        o.hook = HookType::kOrderSign;
      } else {
        return "--hook must be order-select or order-sign";
      }
    } else if (opt == "--encounter") {
      o.encounter = value;
    } else if (opt == "--user") {
      o.user = value;
    } else if (opt == "--bearer-token-file") {
      o.token_file = value;
    } else if (opt == "--fhir-ca") {
      o.fhir_ca = value;
    } else if (opt == "--prefetch-budget-ms") {
      const long ms = std::strtol(value.c_str(), nullptr, 10);
      if (ms <= 0 || ms > 600'000) return "bad --prefetch-budget-ms";
      o.budget = std::chrono::milliseconds(ms);
    } else if (opt == "--terminology-dir") {
      o.terminology_dir = value;
    } else if (opt == "--now") {
      const auto now = hooks::ParseRfc3339(value);
      if (!now) return "bad --now (an RFC 3339 date-time)";
      o.now = std::chrono::floor<std::chrono::seconds>(*now);
    } else {
      return "unknown option " + std::string(opt) + " (see --help)";
    }
  }
  if (o.fhir_server.empty()) return "--fhir-server is required";
  if (o.patient.empty()) return "--patient is required";
  if (o.rxnorm.empty() == o.order_file.empty()) return "give exactly one of --rxnorm and --order";
  return std::nullopt;
}

std::string Iso(std::chrono::sys_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(t - day);
  char text[96];  // room for any int the format could print (GCC -Wformat-truncation)
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()));
  return text;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// The draft MedicationRequest: from the file (id and subject filled in when absent), or built
// from the RxNorm code as an EHR's order entry would.
std::optional<std::string> DraftOrder(const Options& o, std::chrono::sys_seconds now,
                                      const std::string& drug_text, std::string& error) {
  if (!o.order_file.empty()) {
    const auto text = ReadWholeFile(o.order_file);
    if (!text) {
      error = "cannot read " + o.order_file;
      return std::nullopt;
    }
    rapidjson::Document doc;
    doc.Parse(text->c_str(), text->size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("resourceType") ||
        !doc["resourceType"].IsString() ||
        std::string_view(doc["resourceType"].GetString()) != "MedicationRequest") {
      error = o.order_file + ": not a FHIR MedicationRequest (JSON)";
      return std::nullopt;
    }
    auto& a = doc.GetAllocator();
    if (!doc.HasMember("id")) doc.AddMember("id", "cli-draft-1", a);
    if (!doc.HasMember("subject")) {
      rapidjson::Value subject(rapidjson::kObjectType);
      subject.AddMember("reference", rapidjson::Value(("Patient/" + o.patient).c_str(), a), a);
      doc.AddMember("subject", subject, a);
    }
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    doc.Accept(w);
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("resourceType");
  w.String("MedicationRequest");
  w.Key("id");
  w.String("cli-draft-1");
  w.Key("status");
  w.String("draft");
  w.Key("intent");
  w.String("order");
  w.Key("medicationCodeableConcept");
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  w.StartObject();
  w.Key("system");
  w.String("http://www.nlm.nih.gov/research/umls/rxnorm");
  w.Key("code");
  Str(w, o.rxnorm);
  w.EndObject();
  w.EndArray();
  w.Key("text");
  Str(w, drug_text);
  w.EndObject();
  w.Key("subject");
  w.StartObject();
  w.Key("reference");
  Str(w, "Patient/" + o.patient);
  w.EndObject();
  if (!o.encounter.empty()) {
    w.Key("encounter");
    w.StartObject();
    w.Key("reference");
    Str(w, "Encounter/" + o.encounter);
    w.EndObject();
  }
  w.Key("authoredOn");
  Str(w, Iso(now));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string HookRequestJson(const Options& o, const std::string& draft, const std::string& token,
                            const std::string& draft_id) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("hook");
  Str(w, hooks::HookName(o.hook));
  w.Key("hookInstance");
  Str(w, cards::NewUuidV4());
  w.Key("fhirServer");
  Str(w, o.fhir_server);
  if (!token.empty()) {
    w.Key("fhirAuthorization");
    w.StartObject();
    w.Key("access_token");
    Str(w, token);
    w.Key("token_type");
    w.String("Bearer");
    w.Key("expires_in");
    w.Int(300);
    w.Key("scope");
    w.String("user/*.read");
    w.Key("subject");
    w.String("cds-hooks-cli");
    w.EndObject();
  }
  w.Key("context");
  w.StartObject();
  w.Key("userId");
  Str(w, o.user);
  w.Key("patientId");
  Str(w, o.patient);
  if (!o.encounter.empty()) {
    w.Key("encounterId");
    Str(w, o.encounter);
  }
  if (o.hook == HookType::kOrderSelect) {
    w.Key("selections");
    w.StartArray();
    Str(w, "MedicationRequest/" + draft_id);
    w.EndArray();
  }
  w.Key("draftOrders");
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("collection");
  w.Key("entry");
  w.StartArray();
  w.StartObject();
  w.Key("resource");
  w.RawValue(draft.data(), draft.size(), rapidjson::kObjectType);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Readable cards: indicator and summary, the Markdown detail indented, suggestions and links.
void PrintCards(const std::string& response_json, const hooks::HookRequest& request,
                const hooks::PrefetchOutcome& fetched_report, std::ostream& out) {
  rapidjson::Document doc;
  doc.Parse(response_json.c_str(), response_json.size());
  const rapidjson::Value& cards = doc["cards"];
  out << "Patient " << request.context.patient_id << ", " << hooks::HookName(request.hook)
      << ", FHIR server " << fetched_report.fhir_origin << "\n";
  out << "Fetched in " << fetched_report.latency.count() << " ms: ";
  bool first = true;
  for (const hooks::PrefetchKeyReport& r : fetched_report.reports) {
    out << (first ? "" : ", ") << r.key << " ";
    first = false;
    if (r.skipped) {
      out << "(skipped)";
    } else if (r.ok) {
      out << "(" << r.pages << (r.pages == 1 ? " page" : " pages") << (r.partial ? ", partial" : "")
          << ")";
    } else {
      out << "(" << r.reason << ")";
    }
  }
  out << "\n";
  for (const hooks::UnavailablePrefetch& u : request.prefetch_unavailable) {
    out << (u.partial ? "Incomplete: " : "Not available: ") << u.key << " (" << u.reason << ")\n";
  }
  out << "\n" << cards.Size() << (cards.Size() == 1 ? " card" : " cards") << "\n";
  for (const rapidjson::Value& card : cards.GetArray()) {
    std::string indicator = card["indicator"].GetString();
    for (char& c : indicator) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out << "\n[" << indicator << "] " << card["summary"].GetString() << "\n";
    if (card.HasMember("detail")) {
      std::istringstream detail(card["detail"].GetString());
      std::string line;
      while (std::getline(detail, line)) out << (line.empty() ? "" : "    ") << line << "\n";
    }
    if (card.HasMember("suggestions")) {
      out << "  Suggestions:\n";
      for (const rapidjson::Value& s : card["suggestions"].GetArray()) {
        out << "  - " << s["label"].GetString() << "\n";
      }
    }
    out << "  Source: " << card["source"]["label"].GetString() << "\n";
  }
}

}  // namespace

int RunEvaluate(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  Options o;
  if (auto error = ParseOptions(argc, argv, o)) {
    std::cerr << "cds-hooks-cli evaluate: " << *error << "\n";
    return 2;
  }
  const std::chrono::sys_seconds now =
      o.now.value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));

  std::string token;
  if (!o.token_file.empty()) {
    const auto text = ReadWholeFile(o.token_file);
    if (!text) {
      std::cerr << "cds-hooks-cli evaluate: cannot read " << o.token_file << "\n";
      return 2;
    }
    token = Trimmed(*text);
  }
  auto terminology = engine::Terminology::Load(o.terminology_dir);
  if (!terminology.ok()) {
    std::cerr << "cds-hooks-cli evaluate: terminology: " << terminology.error().ToString() << "\n";
    return 2;
  }
  // The draft's text, as an order-entry screen shows it: the drug's name when the code is known.
  std::string drug_text = "RxNorm " + o.rxnorm;
  if (!o.rxnorm.empty()) {
    fhir::CodeableConcept code;
    code.coding.push_back({"http://www.nlm.nih.gov/research/umls/rxnorm", "", o.rxnorm, ""});
    const engine::MedicationClass drug = terminology.value().ClassifyMedication(code);
    if (drug.known() && !drug.display.empty()) drug_text = drug.display;
  }
  std::string error;
  const auto draft = DraftOrder(o, now, drug_text, error);
  if (!draft) {
    std::cerr << "cds-hooks-cli evaluate: " << error << "\n";
    return 2;
  }
  rapidjson::Document draft_doc;
  draft_doc.Parse(draft->c_str());
  const std::string draft_id = draft_doc["id"].IsString() ? draft_doc["id"].GetString() : "";

  const hooks::ServiceCatalog catalog = hooks::ServiceCatalog::Default();
  const hooks::ServiceDefinition& service =
      catalog.services()[o.hook == HookType::kOrderSelect ? 0 : 1];
  auto parsed = hooks::ParseHookRequest(HookRequestJson(o, *draft, token, draft_id), service);
  if (!parsed) {
    std::cerr << "cds-hooks-cli evaluate: the hook request is invalid: " << parsed.error().path
              << ": " << parsed.error().message << "\n";
    return 1;
  }
  hooks::HookRequest request = std::move(parsed).value();

  // The FHIR server named on the command line is trusted as an operator's allowlist entry
  // (it may be on a private address, e.g. a local test server).
  hooks::FhirServerAllowlist allowlist;
  if (auto bad = hooks::FhirServerAllowlist::Create({o.fhir_server}, allowlist)) {
    std::cerr << "cds-hooks-cli evaluate: --fhir-server: " << *bad << "\n";
    return 2;
  }
  auto io = std::make_shared<boost::asio::io_context>();
  hooks::FhirClientConfig client_config;
  client_config.ca_file = o.fhir_ca;
  client_config.allow_http = o.allow_http;
  std::shared_ptr<hooks::PooledHttpClient> client;
  try {
    client = std::make_shared<hooks::PooledHttpClient>(io, client_config);
  } catch (const std::exception& e) {
    std::cerr << "cds-hooks-cli evaluate: " << e.what() << "\n";
    return 2;
  }
  hooks::PrefetchOptions prefetch_options;
  prefetch_options.budget = o.budget;
  prefetch_options.allow_http = o.allow_http;
  const hooks::PrefetchResolver resolver(client, std::move(allowlist), prefetch_options, io);
  std::optional<hooks::PrefetchOutcome> outcome;
  resolver.Resolve(
      request, service, now, nullptr, [&outcome, &client](hooks::PrefetchOutcome result) {
        outcome = std::move(result);
        client->Shutdown();  // closes the pooled connections, so the event loop runs out of work
      });
  io->run();
  if (!outcome) {
    std::cerr << "cds-hooks-cli evaluate: prefetch did not complete\n";
    return 1;
  }
  if (outcome->error) {
    if (o.json) {
      std::cout << hooks::RenderOperationOutcome(*outcome->error) << "\n";
    } else {
      std::cerr << "cds-hooks-cli evaluate: HTTP " << hooks::ToHttpStatus(outcome->error->code)
                << ": " << outcome->error->message << "\n";
    }
    return 1;
  }
  const hooks::PrefetchOutcome report = [&] {
    hooks::PrefetchOutcome r;
    r.reports = outcome->reports;
    r.fhir_origin = outcome->fhir_origin;
    r.latency = outcome->latency;
    return r;
  }();
  std::move(*outcome).ApplyTo(request);

  engine::RuleSetOrErrors rules = engine::RuleSet::Create(engine::rules::StewardshipCatalogue());
  if (!rules.rule_set) {
    std::cerr << "cds-hooks-cli evaluate: rules failed to load\n";
    return 2;
  }
  const hooks::HookEngine engine(
      std::make_shared<const engine::Terminology>(std::move(terminology).value()),
      std::move(*rules.rule_set));
  auto evaluated = engine.Evaluate(request, now);
  if (!evaluated) {
    if (o.json) {
      std::cout << hooks::RenderOperationOutcome(evaluated.error()) << "\n";
    } else {
      std::cerr << "cds-hooks-cli evaluate: HTTP " << hooks::ToHttpStatus(evaluated.error().code)
                << ": " << evaluated.error().path << ": " << evaluated.error().message << "\n";
    }
    return 1;
  }
  if (o.json) {
    std::cout << evaluated.value().response_json << "\n";
  } else {
    PrintCards(evaluated.value().response_json, request, report, std::cout);
  }
  return 0;
}

}  // namespace cds::cli
