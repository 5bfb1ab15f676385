// Starts the Node FHIR test server (tests/node/fhir-server: @medplum/fhir-router over an
// in-memory repository, seeded with test patients) on ephemeral loopback ports, over HTTPS with
// the dev certificate and over plain HTTP, and reads its request log.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cds::testing {

/// One request the FHIR server saw.
struct FhirLogEntry {
  std::string method;
  std::string url;            // path + query, e.g. "/fhir/Patient/cre-kpc-1"
  std::string authorization;  // "none" | "expected" (Bearer <expected token>) | "other"
  std::string listener;       // "https" | "http"
};

class FhirServerProcess {
 public:
  /// Spawns `node server.js` and waits for its ready line; ADD_FAILUREs if it does not start
  /// (e.g. node_modules missing: run ./test.sh, which installs it with npm ci).
  FhirServerProcess();
  ~FhirServerProcess();
  FhirServerProcess(const FhirServerProcess&) = delete;
  FhirServerProcess& operator=(const FhirServerProcess&) = delete;

  [[nodiscard]] bool started() const { return https_port_ != 0; }
  /// https://localhost:PORT/fhir (the dev certificate is for localhost).
  [[nodiscard]] std::string HttpsBase() const;
  /// http://127.0.0.1:PORT/fhir
  [[nodiscard]] std::string HttpBase() const;

  /// Clears the log and every fault and paging setting.
  void Reset();
  /// "none" | "hang" | "500" | "garbage" | "401", for requests whose path+query contains
  /// `match` (all when empty).
  void SetFault(const std::string& fault, const std::string& match = "");
  /// The token whose `Authorization: Bearer` header the log reports as "expected".
  void ExpectToken(const std::string& token);
  /// Caps `_count` so searches come back in pages with `next` links.
  void SetMaxCount(int count);
  /// The FHIR requests seen since the last Reset (control requests excluded).
  [[nodiscard]] std::vector<FhirLogEntry> Log() const;
  /// Stops the server (a FHIR server that is down).
  void Stop();

 private:
  void Control(const std::string& json) const;
  pid_t pid_ = -1;
  int https_port_ = 0;
  int http_port_ = 0;
};

}  // namespace cds::testing
