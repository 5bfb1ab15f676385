// Admin routes (issue 6 "Admin routes and limits", issue 7 "Review"): the review page at
// /admin/ and its JSON API at /admin/api/, behind a credential separate from the EHR's:
// a bearer token read from --admin-token-file at start-up (compared in constant time over
// fixed-length SHA-256 digests), and/or a TLS client certificate verified by --tls-client-ca
// when admin.client_cert is on. Without either configured the router answers 404 for every
// /admin path (the routes do not exist).
//
// The page and its static assets carry no data and load without the credential (the
// pharmacist types the token into the page, which keeps it in sessionStorage and sends it as
// `Authorization: Bearer`); every /admin/api/ route needs it: 401 with WWW-Authenticate:
// Bearer otherwise. Queries run on a worker thread of their own, never on a server I/O thread.
//
// API (GET unless noted; filters: from, to (RFC 3339 instant or YYYY-MM-DD), rule, indicator,
// patient, user, outcome (accepted|overridden|none), service; paging: limit (1-500, default
// 50) and before (the `next` of the previous page)):
//   /admin/api/summary?…&tz=MINUTES   per rule and per day (days in UTC+MINUTES)
//   /admin/api/calls?…                 hook calls, newest first
//   /admin/api/cards?…                 cards, newest first
//   /admin/api/cards/{uuid}            one card: evidence, suggestions, its call, feedback
//   /admin/api/feedback/unknown?…      feedback on card uuids never issued (flagged)
//   /admin/api/rules                   the rule catalogue (ids, names, versions)
//   POST /admin/api/purge              delete what is older than audit.retention_days now
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/store.hpp"
#include "hooks/hook_error.hpp"
#include "hooks/router.hpp"

namespace cds::hooks {

/// Who may use the admin routes.
class AdminCredential {
 public:
  AdminCredential() = default;
  /// A credential that accepts `token` as a bearer token (only its SHA-256 is kept).
  [[nodiscard]] static AdminCredential FromToken(std::string_view token);
  /// Reads the token from `path` (surrounding whitespace trimmed; at least 32 characters).
  /// Returns the error message, if any.
  [[nodiscard]] static std::optional<std::string> LoadTokenFile(const std::string& path,
                                                                AdminCredential& out);
  void AllowClientCertificate(bool allow) noexcept { client_cert_ = allow; }

  /// True when some credential is configured (otherwise the admin routes do not exist).
  [[nodiscard]] bool configured() const noexcept { return token_digest_ || client_cert_; }
  /// Checks a request: a verified client certificate (when allowed), else the bearer token in
  /// `authorization`. On failure, why (for the log only).
  [[nodiscard]] std::optional<std::string> Check(std::string_view authorization,
                                                 const ConnectionInfo& connection) const;

 private:
  std::optional<std::array<unsigned char, 32>> token_digest_;
  bool client_cert_ = false;
};

/// A rule as the review page names it.
struct RuleLabel {
  std::string id;
  std::string catalogue_id;
  std::string title;
  std::string version;
  std::string indicator;  // configured default
};

/// Filters and paging from an /admin/api query string ("a=1&b=x%20y"); errors name the
/// parameter ("query.limit").
struct AdminQuery {
  audit::Filter filter;
  audit::PageRequest page;
  std::chrono::minutes utc_offset{0};
};
[[nodiscard]] Result<AdminQuery> ParseAdminQuery(std::string_view query);

class AdminRoutes {
 public:
  /// `store` and `sink` may be null (audit disabled): the API then answers 503.
  AdminRoutes(AdminCredential credential, std::shared_ptr<audit::AuditStore> store,
              std::shared_ptr<audit::AuditSink> sink, std::vector<RuleLabel> rules);
  ~AdminRoutes();
  AdminRoutes(const AdminRoutes&) = delete;
  AdminRoutes& operator=(const AdminRoutes&) = delete;

  [[nodiscard]] bool enabled() const noexcept { return credential_.configured(); }
  /// The credential, for other routes behind it (GET /metrics).
  [[nodiscard]] const AdminCredential& credential() const noexcept { return credential_; }

  /// The response (without the router's common headers) or the error for it.
  using Reply = std::function<void(Result<HttpResponse>)>;
  /// Handles a request under /admin. `reply` is called exactly once, on this thread or on the
  /// admin worker thread.
  void Handle(const HttpRequest& request, const ConnectionInfo& connection, Reply reply) const;

 private:
  struct Worker;
  void Api(const HttpRequest& request, std::string_view path, std::string_view query,
           Reply reply) const;
  // On the worker thread.
  void Query(const std::string& route, const AdminQuery& q, const std::string& card_uuid,
             unsigned version, const Reply& reply) const;

  AdminCredential credential_;
  std::shared_ptr<audit::AuditStore> store_;
  std::shared_ptr<audit::AuditSink> sink_;
  std::vector<RuleLabel> rules_;
  std::unique_ptr<Worker> worker_;
};

/// The Content-Security-Policy of every /admin response: same-origin scripts and styles only,
/// no inline code, no framing.
inline constexpr std::string_view kAdminContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace cds::hooks
