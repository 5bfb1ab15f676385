// Shared by the auth unit tests: the jose-signed vectors (tests/data/auth/jose-vectors.json,
// made by tests/node/jose/make-vectors.mjs) and a way to craft unsigned tokens.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <deque>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "hooks/auth/base64url.hpp"
#include "hooks/http_client.hpp"

namespace cds::hooks::auth::testing {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string VectorsPath() { return std::string(TEST_DATA_DIR) + "/auth/jose-vectors.json"; }

struct Vectors {
  std::string jwks;  // {"keys": [...]}, kids "es256-key" ... "ps384-key"
  rapidjson::Document doc;
  std::string Token(const char* alg) const { return doc["tokens"][alg].GetString(); }
};

inline const Vectors& JoseVectors() {
  static const Vectors* vectors = [] {
    auto* v = new Vectors;
    v->doc.Parse(ReadText(VectorsPath()).c_str());
    if (v->doc.HasParseError() || !v->doc.IsObject()) return v;
    // The "jwks" member as a JWK Set document of its own.
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    v->doc["jwks"].Accept(w);
    v->jwks.assign(buffer.GetString(), buffer.GetSize());
    return v;
  }();
  return *vectors;
}

/// header.payload.signature from JSON texts (signature bytes as given).
inline std::string Craft(const std::string& header, const std::string& payload,
                         const std::string& signature = "sig") {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(payload) + "." +
         Base64UrlEncode(signature);
}

// Records requests and answers them when the test says so: what the cache does while a fetch
// is outstanding (concurrent lookups, floods) is the point of these tests. The real client
// over real HTTPS is exercised by the integration tests.
class ScriptedHttpClient final : public HttpClient {
 public:
  void Fetch(OutboundRequest request, std::function<void(OutboundResponse)> done) override {
    requests.push_back(std::move(request));
    pending.push_back(std::move(done));
  }
  void Answer(unsigned status, std::string body) {
    ASSERT_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.pop_front();
    OutboundResponse response;
    response.status = status;
    response.body = std::move(body);
    done(std::move(response));
  }
  void Fail(OutboundFailure failure) {
    ASSERT_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.pop_front();
    OutboundResponse response;
    response.failure = failure;
    done(std::move(response));
  }
  std::vector<OutboundRequest> requests;
  std::deque<std::function<void(OutboundResponse)>> pending;
};

}  // namespace cds::hooks::auth::testing
