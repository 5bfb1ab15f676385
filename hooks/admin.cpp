#include "hooks/admin.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>

#include <cctype>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "audit/json.hpp"
#include "audit/web_assets.hpp"
#include "hooks/feedback.hpp"

namespace cds::hooks {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kAdminPrefix = "/admin";
constexpr std::string_view kApiPrefix = "/admin/api/";

std::array<unsigned char, 32> Sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

HttpResponse Response(const HttpRequest& request, http::status status, std::string_view type,
                      std::string body) {
  HttpResponse response(status, request.version());
  response.set(http::field::content_type, type);
  response.set("Content-Security-Policy", kAdminContentSecurityPolicy);
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
  response.body() = std::move(body);
  return response;
}

HttpResponse Json(const HttpRequest& request, const rapidjson::StringBuffer& buffer) {
  return Response(request, http::status::ok, "application/json",
                  std::string(buffer.GetString(), buffer.GetSize()));
}

Error BadParameter(std::string_view name, std::string message) {
  return Error{HookError::kInvalidValue, "query." + std::string(name), std::move(message), ""};
}

std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size() || std::isxdigit(static_cast<unsigned char>(in[i + 1])) == 0 ||
          std::isxdigit(static_cast<unsigned char>(in[i + 2])) == 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// "2026-11-21" (the start of that UTC day; `end` = the start of the next) or RFC 3339.
std::optional<audit::Millis> ParseTime(std::string_view text, bool end) {
  if (text.size() == 10) {
    const auto t = ParseRfc3339(std::string(text) + "T00:00:00Z");
    if (!t) return std::nullopt;
    return end ? *t + std::chrono::days(1) : *t;
  }
  return ParseRfc3339(text);
}

bool ParseInt(std::string_view text, std::int64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

// ---- credential ----------------------------------------------------------------------------

AdminCredential AdminCredential::FromToken(std::string_view token) {
  AdminCredential credential;
  credential.token_digest_ = Sha256(token);
  return credential;
}

std::optional<std::string> AdminCredential::LoadTokenFile(const std::string& path,
                                                          AdminCredential& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read the admin token file " + path;
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  const std::string_view token = Trim(content);
  if (token.size() < 32) {
    return "the admin token in " + path + " is shorter than 32 characters";
  }
  for (char c : token) {
    if (std::isgraph(static_cast<unsigned char>(c)) == 0) {
      return "the admin token in " + path + " must be one line of printable characters";
    }
  }
  out.token_digest_ = Sha256(token);
  return std::nullopt;
}

std::optional<std::string> AdminCredential::Check(std::string_view authorization,
                                                  const ConnectionInfo& connection) const {
  if (client_cert_ && connection.client_cert_verified) return std::nullopt;
  if (!token_digest_) {
    return client_cert_ ? "no verified client certificate" : "admin access not configured";
  }
  authorization = Trim(authorization);
  if (authorization.empty()) return "no Authorization header";
  const std::size_t space = authorization.find(' ');
  if (space == std::string_view::npos ||
      !EqualsIgnoreCase(authorization.substr(0, space), "bearer")) {
    return "not a Bearer credential";
  }
  const auto presented = Sha256(Trim(authorization.substr(space + 1)));
  if (CRYPTO_memcmp(presented.data(), token_digest_->data(), presented.size()) != 0) {
    return "wrong admin token";
  }
  return std::nullopt;
}

// ---- query parsing ---------------------------------------------------------------------------

Result<AdminQuery> ParseAdminQuery(std::string_view query) {
  AdminQuery q;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const auto decoded =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!decoded) return BadParameter(name, "bad percent-encoding");
    const std::string& value = *decoded;
    if (value.empty()) continue;
    std::int64_t number = 0;
    if (name == "from" || name == "to") {
      const auto t = ParseTime(value, name == "to");
      if (!t) return BadParameter(name, "must be a date (YYYY-MM-DD) or an RFC 3339 date-time");
      (name == "from" ? q.filter.from : q.filter.to) = *t;
    } else if (name == "rule") {
      q.filter.rule_id = value;
    } else if (name == "indicator") {
      if (value != "info" && value != "warning" && value != "critical") {
        return BadParameter(name, "must be info, warning or critical");
      }
      q.filter.indicator = value;
    } else if (name == "patient") {
      q.filter.patient_id = value;
    } else if (name == "user") {
      q.filter.user_id = value;
    } else if (name == "service") {
      q.filter.service = value;
    } else if (name == "outcome") {
      if (value != "accepted" && value != "overridden" && value != audit::kOutcomeNone) {
        return BadParameter(name, "must be accepted, overridden or none");
      }
      q.filter.outcome = value;
    } else if (name == "limit") {
      if (!ParseInt(value, number) || number < 1 ||
          number > static_cast<std::int64_t>(audit::kMaxPageSize)) {
        return BadParameter(name, "must be from 1 to " + std::to_string(audit::kMaxPageSize));
      }
      q.page.limit = static_cast<std::size_t>(number);
    } else if (name == "before") {
      if (!ParseInt(value, number) || number < 1) return BadParameter(name, "must be a row id");
      q.page.before_id = number;
    } else if (name == "tz") {
      if (!ParseInt(value, number) || number < -14 * 60 || number > 14 * 60) {
        return BadParameter(name, "must be a UTC offset in minutes (-840 to 840)");
      }
      q.utc_offset = std::chrono::minutes(number);
    } else {
      return BadParameter(name, "unknown parameter");
    }
  }
  return q;
}

// ---- the worker thread -----------------------------------------------------------------------

// Store queries block on SQLite: they run here, one at a time, never on an I/O thread.
struct AdminRoutes::Worker {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> tasks;
  bool stopping = false;
  std::thread thread;

  Worker()
      : thread([this] {
          pthread_setname_np(pthread_self(), "cds-admin");
          Run();
        }) {}
  ~Worker() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    thread.join();
  }
  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex);
      tasks.push_back(std::move(task));
    }
    wake.notify_one();
  }
  void Run() {
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait(lock, [this] { return stopping || !tasks.empty(); });
      if (tasks.empty()) return;
      auto task = std::move(tasks.front());
      tasks.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }
};

AdminRoutes::AdminRoutes(AdminCredential credential, std::shared_ptr<audit::AuditStore> store,
                         std::shared_ptr<audit::AuditSink> sink, std::vector<RuleLabel> rules)
    : credential_(std::move(credential)),
      store_(std::move(store)),
      sink_(std::move(sink)),
      rules_(std::move(rules)),
      worker_(std::make_unique<Worker>()) {}

AdminRoutes::~AdminRoutes() = default;

void AdminRoutes::Handle(const HttpRequest& request, const ConnectionInfo& connection,
                         Reply reply) const {
  const std::string_view target = request.target();
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (!enabled() || !path.starts_with(kAdminPrefix) ||
      (path.size() > kAdminPrefix.size() && path[kAdminPrefix.size()] != '/')) {
    return reply(Error{HookError::kNotFound, "", "no such path", ""});
  }
  if (path.starts_with(kApiPrefix)) {
    if (const auto why = credential_.Check(request[http::field::authorization], connection)) {
      return reply(Error{HookError::kUnauthorized, "", "authentication failed", *why});
    }
    return Api(request, path.substr(kApiPrefix.size()), query, std::move(reply));
  }
  // The page and its assets: no data, no credential.
  std::string_view name = path.substr(kAdminPrefix.size());
  if (name.empty() || name == "/") name = "/index.html";
  const audit::WebAsset* asset = audit::FindWebAsset(name.substr(1));
  if (asset == nullptr || name.find('/', 1) != std::string_view::npos) {
    return reply(Error{HookError::kNotFound, "", "no such path", ""});
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return reply(Error{HookError::kMethodNotAllowed, "", "only GET is allowed here", ""});
  }
  reply(Response(request, http::status::ok, asset->content_type, std::string(asset->body)));
}

void AdminRoutes::Api(const HttpRequest& request, std::string_view path, std::string_view query,
                      Reply reply) const {
  const bool post = request.method() == http::verb::post;
  if (path == "purge") {
    if (!post) return reply(Error{HookError::kMethodNotAllowed, "", "use POST", ""});
    if (!sink_) return reply(Error{HookError::kUnavailable, "", "the audit trail is off", ""});
    auto version = request.version();
    return sink_->PurgeExpired([reply, version](audit::Result<audit::PurgeResult> result) {
      if (!result) {
        return reply(
            Error{HookError::kUnavailable, "", "the purge failed", result.error().message});
      }
      rapidjson::StringBuffer buffer;
      audit::JsonWriter w(buffer);
      audit::WritePurge(w, result.value());
      HttpRequest header;
      header.version(version);
      reply(Json(header, buffer));
    });
  }
  if (request.method() != http::verb::get) {
    return reply(Error{HookError::kMethodNotAllowed, "", "use GET", ""});
  }
  if (path == "rules") {
    rapidjson::StringBuffer buffer;
    audit::JsonWriter w(buffer);
    w.StartArray();
    for (const RuleLabel& r : rules_) {
      w.StartObject();
      w.Key("ruleId");
      w.String(r.id);
      w.Key("catalogueId");
      w.String(r.catalogue_id);
      w.Key("ruleTitle");
      w.String(r.title);
      w.Key("ruleVersion");
      w.String(r.version);
      w.Key("indicator");
      w.String(r.indicator);
      w.EndObject();
    }
    w.EndArray();
    return reply(Json(request, buffer));
  }
  if (!store_) return reply(Error{HookError::kUnavailable, "", "the audit trail is off", ""});
  auto parsed = ParseAdminQuery(query);
  if (!parsed) return reply(parsed.error());
  AdminQuery q = std::move(parsed).value();
  std::string card_uuid;
  if (path.starts_with("cards/")) {
    const auto decoded = PercentDecode(path.substr(6));
    if (!decoded || decoded->empty()) {
      return reply(Error{HookError::kNotFound, "", "no such card", ""});
    }
    card_uuid = *decoded;
    path = "card";
  } else if (path != "summary" && path != "calls" && path != "cards" &&
             path != "feedback/unknown") {
    return reply(Error{HookError::kNotFound, "", "no such path", ""});
  }
  const std::string route(path);
  worker_->Post([this, route, q = std::move(q), card_uuid, reply = std::move(reply),
                 version = request.version()]() {
    try {
      Query(route, q, card_uuid, version, reply);
    } catch (const std::exception& e) {
      reply(Error{HookError::kInternal, "", "", std::string("exception: ") + e.what()});
    }
  });
}

void AdminRoutes::Query(const std::string& route, const AdminQuery& q, const std::string& card_uuid,
                        unsigned version, const Reply& reply) const {
  {
    HttpRequest header;
    header.version(version);
    rapidjson::StringBuffer buffer;
    audit::JsonWriter w(buffer);
    const auto fail = [&](const audit::StoreError& e) {
      reply(Error{HookError::kUnavailable, "", "the audit store cannot be read", e.message});
    };
    const auto page = [&](const auto& result, auto write) {
      if (!result) return fail(result.error());
      w.StartObject();
      w.Key("items");
      w.StartArray();
      for (const auto& item : result.value().items) write(item);
      w.EndArray();
      w.Key("next");
      if (result.value().next_before_id) {
        w.Int64(*result.value().next_before_id);
      } else {
        w.Null();
      }
      w.EndObject();
      reply(Json(header, buffer));
    };
    if (route == "summary") {
      auto summary = store_->Summarize(q.filter, q.utc_offset);
      if (!summary) return fail(summary.error());
      audit::WriteSummary(w, summary.value());
      return reply(Json(header, buffer));
    }
    if (route == "calls") {
      return page(store_->Calls(q.filter, q.page),
                  [&](const audit::CallRow& row) { audit::WriteCall(w, row); });
    }
    if (route == "cards") {
      return page(store_->Cards(q.filter, q.page),
                  [&](const audit::CardRow& row) { audit::WriteCardRow(w, row, false); });
    }
    if (route == "feedback/unknown") {
      return page(store_->UnknownCardFeedback(q.filter, q.page),
                  [&](const audit::FeedbackRow& row) { audit::WriteFeedback(w, row); });
    }
    auto card = store_->Card(card_uuid);
    if (!card) return fail(card.error());
    if (!card.value()) return reply(Error{HookError::kNotFound, "", "no such card", ""});
    audit::WriteCardDetail(w, *card.value());
    reply(Json(header, buffer));
  }
}

}  // namespace cds::hooks
