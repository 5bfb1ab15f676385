// JWT verification cost (issue 6): ES384 and RS384 signatures of jose-signed tokens
// (tests/data/auth/jose-vectors.json), the parse + claim checks alone, and the whole
// parse → checks → verify path. Compare with `openssl speed ecdsap384 rsa2048` run at the same
// time. ES384 is verified by Nettle (hooks/auth/p384.hpp); BM_VerifyES384OpenSsl verifies the
// same token with the same key through OpenSSL, the baseline for that choice.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <sstream>
#include <string>

#include "hooks/auth/jwk.hpp"
#include "hooks/auth/jwt.hpp"

namespace {

using namespace cds::hooks::auth;

struct Vectors {
  JwkSet keys;
  rapidjson::Document doc;
};

const Vectors& Load() {
  static const Vectors* v = [] {
    auto* out = new Vectors;
    std::ifstream in(std::string(CDS_SOURCE_DIR) + "/tests/data/auth/jose-vectors.json");
    std::ostringstream text;
    text << in.rdbuf();
    out->doc.Parse(text.str().c_str());
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    out->doc["jwks"].Accept(w);
    out->keys = ParseJwkSet(std::string_view(buffer.GetString(), buffer.GetSize())).value();
    return out;
  }();
  return *v;
}

void Verify(benchmark::State& state, const char* alg_name, bool openssl_only = false) {
  const Vectors& v = Load();
  const auto jwt = ParseJwt(v.doc["tokens"][alg_name].GetString(), 16 * 1024).value();
  Jwk key = *v.keys.Find(jwt.header.kid);
  if (openssl_only) key.p384.reset();  // without its Nettle form, OpenSSL verifies
  const JwsAlgorithm alg = *ParseJwsAlgorithm(alg_name);
  for (auto _ : state) {
    const bool ok = VerifySignature(alg, key, jwt.signing_input, jwt.signature);
    if (!ok) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyES384(benchmark::State& state) { Verify(state, "ES384"); }
void BM_VerifyES384OpenSsl(benchmark::State& state) { Verify(state, "ES384", true); }
void BM_VerifyRS384(benchmark::State& state) { Verify(state, "RS384"); }
BENCHMARK(BM_VerifyES384);
BENCHMARK(BM_VerifyES384OpenSsl);
BENCHMARK(BM_VerifyRS384);

// Everything but the signature: split, base64url, two JSON parses, audience and times.
void BM_ParseAndCheckClaims(benchmark::State& state) {
  const std::string token = Load().doc["tokens"]["ES384"].GetString();
  const auto now = std::chrono::sys_seconds(std::chrono::seconds(1'700'000'100));
  for (auto _ : state) {
    auto jwt = ParseJwt(token, 16 * 1024);
    auto aud = CheckAudience(jwt.value().claims, "https://cds.vectors.test/cds-services/x");
    auto times = CheckTimes(jwt.value().claims, now, TimePolicy{});
    benchmark::DoNotOptimize(aud);
    benchmark::DoNotOptimize(times);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndCheckClaims);

}  // namespace

BENCHMARK_MAIN();
