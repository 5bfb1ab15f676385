// cds-hooks-cli token: prints a fresh CDS Hooks JWT signed with a local key, for trying the
// server with curl (`./run.sh` makes the demo EHR key and trusts its key set). Signs with
// OpenSSL directly; the tests never use this signer (their tokens come from jose in Node).
//
//   cds-hooks-cli token --aud URL [--key FILE] [--iss ISS] [--kid KID] [--jku URL]
//                       [--ttl SECONDS] [--tenant T] [--alg ALG] [--count N]
//   cds-hooks-cli token --jwks [--key FILE]     the key's public JWK Set (kid = RFC 7638
//                                                thumbprint), to trust with --trust-issuer
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/auth/base64url.hpp"

namespace {

using cds::hooks::auth::Base64UrlEncode;

constexpr std::string_view kTokenUsage = R"(Usage:
  cds-hooks-cli token --aud URL [options]   print a signed CDS Hooks JWT for URL
  cds-hooks-cli token --jwks [--key FILE]   print the key's public JWK Set

Options:
  --aud URL        the exact URL the token is for, e.g.
                   https://localhost:8443/cds-services/antimicrobial-stewardship-order-select
  --key FILE       PEM private key, EC P-256/P-384/P-521 or RSA >= 2048 bits
                   (default certs/dev/demo-ehr-key.pem, made by ./run.sh)
  --iss ISS        issuer (default https://demo-ehr.invalid, the one ./run.sh trusts)
  --kid KID        key id (default: the key's RFC 7638 thumbprint, as in --jwks)
  --jku URL        add a jku header
  --alg ALG        ES256 | ES384 | ES512 | RS256 | RS384 | PS384 (default from the key:
                   ES256/ES384/ES512 by curve, RS384 for RSA)
  --ttl SECONDS    lifetime (default 300; the server refuses more than 900 by default)
  --tenant T       add a tenant claim
  --count N        print N tokens, one a line, each with its own jti (default 1; for load
                   tests, where every call needs a fresh token)
)";

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string OpenSslError() {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  return text;
}

PkeyPtr LoadKey(const std::string& path, std::string& error) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = "cannot read " + path + " (run ./run.sh once to make the demo key)";
    return nullptr;
  }
  PkeyPtr key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  if (!key) error = path + ": not a PEM private key: " + OpenSslError();
  return key;
}

std::string BnParam(const EVP_PKEY* key, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return {};
  std::string out(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

struct PublicJwk {
  std::string kty, crv, x, y, n, e;  // base64url members
  std::string default_alg;
  int coordinate_bytes = 0;
};

std::optional<PublicJwk> Describe(const EVP_PKEY* key, std::string& error) {
  PublicJwk jwk;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) != 1) {
      error = "cannot read the EC curve";
      return std::nullopt;
    }
    const std::string_view g(group);
    if (g == "prime256v1" || g == "P-256") {
      jwk.crv = "P-256";
      jwk.default_alg = "ES256";
      jwk.coordinate_bytes = 32;
    } else if (g == "secp384r1" || g == "P-384") {
      jwk.crv = "P-384";
      jwk.default_alg = "ES384";
      jwk.coordinate_bytes = 48;
    } else if (g == "secp521r1" || g == "P-521") {
      jwk.crv = "P-521";
      jwk.default_alg = "ES512";
      jwk.coordinate_bytes = 66;
    } else {
      error = "unsupported curve " + std::string(g);
      return std::nullopt;
    }
    jwk.kty = "EC";
    jwk.x = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, jwk.coordinate_bytes));
    jwk.y = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, jwk.coordinate_bytes));
  } else if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < 2048) {
      error = "RSA keys under 2048 bits are refused by the server";
      return std::nullopt;
    }
    jwk.kty = "RSA";
    jwk.default_alg = "RS384";
    jwk.n = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_N, 0));
    jwk.e = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_E, 0));
  } else {
    error = "the key must be EC or RSA";
    return std::nullopt;
  }
  return jwk;
}

// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
std::string Thumbprint(const PublicJwk& jwk) {
  const std::string canonical =
      jwk.kty == "EC" ? R"({"crv":")" + jwk.crv + R"(","kty":"EC","x":")" + jwk.x + R"(","y":")" +
                            jwk.y + R"("})"
                      : R"({"e":")" + jwk.e + R"(","kty":"RSA","n":")" + jwk.n + R"("})";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(canonical.data(), canonical.size(), digest, &length, EVP_sha256(), nullptr);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string Json(const std::vector<std::pair<std::string, std::string>>& strings,
                 const std::vector<std::pair<std::string, std::int64_t>>& numbers = {}) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [k, v] : strings) {
    w.Key(k.c_str());
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  for (const auto& [k, v] : numbers) {
    w.Key(k.c_str());
    w.Int64(v);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string RandomId() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // UUID v4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

std::optional<std::string> Sign(EVP_PKEY* key, std::string_view alg, std::string_view input,
                                int coordinate_bytes, std::string& error) {
  const EVP_MD* md = alg.ends_with("256")   ? EVP_sha256()
                     : alg.ends_with("384") ? EVP_sha384()
                                            : EVP_sha512();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::string signature;
  bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, &pctx, md, nullptr, key) == 1;
  if (ok && alg.starts_with("PS")) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (ok) ok = EVP_DigestSign(ctx, nullptr, &length, data, input.size()) == 1;
  if (ok) {
    signature.resize(length);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                        input.size()) == 1;
    signature.resize(length);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    error = "signing failed: " + OpenSslError();
    return std::nullopt;
  }
  if (!alg.starts_with("ES")) return signature;
  // OpenSSL signs ECDSA in DER; JWS wants R||S, each padded to the coordinate size.
  const auto* p = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size()));
  if (sig == nullptr) {
    error = "cannot decode the ECDSA signature";
    return std::nullopt;
  }
  std::string raw(static_cast<std::size_t>(2 * coordinate_bytes), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, coordinate_bytes);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + coordinate_bytes, coordinate_bytes);
  ECDSA_SIG_free(sig);
  return raw;
}

}  // namespace

int RunTokenCommand(int argc, char** argv) {
  std::string aud, key_file = "certs/dev/demo-ehr-key.pem", iss = "https://demo-ehr.invalid";
  std::string kid, jku, alg, tenant;
  long ttl = 300;
  long count = 1;
  bool jwks = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view opt = argv[i];
    if (opt == "--help" || opt == "-h") {
      std::cout << kTokenUsage;
      return 0;
    }
    if (opt == "--jwks") {
      jwks = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "cds-hooks-cli token: " << opt << " needs a value\n" << kTokenUsage;
      return 2;
    }
    const std::string value = argv[++i];
    if (opt == "--aud") {
      aud = value;
    } else if (opt == "--key") {
      key_file = value;
    } else if (opt == "--iss") {
      iss = value;
    } else if (opt == "--kid") {
      kid = value;
    } else if (opt == "--jku") {
      jku = value;
    } else if (opt == "--alg") {
      alg = value;
    } else if (opt == "--tenant") {
      tenant = value;
    } else if (opt == "--ttl") {
      ttl = std::strtol(value.c_str(), nullptr, 10);
      if (ttl <= 0 || ttl > 86400) {
        std::cerr << "cds-hooks-cli token: --ttl must be 1 to 86400 seconds\n";
        return 2;
      }
    } else if (opt == "--count") {
      count = std::strtol(value.c_str(), nullptr, 10);
      if (count <= 0 || count > 1'000'000) {
        std::cerr << "cds-hooks-cli token: --count must be 1 to 1000000\n";
        return 2;
      }
    } else {
      std::cerr << "cds-hooks-cli token: unknown option " << opt << "\n" << kTokenUsage;
      return 2;
    }
  }
  std::string error;
  PkeyPtr key = LoadKey(key_file, error);
  const auto jwk = key ? Describe(key.get(), error) : std::nullopt;
  if (!jwk) {
    std::cerr << "cds-hooks-cli token: " << error << "\n";
    return 1;
  }
  if (kid.empty()) kid = Thumbprint(*jwk);
  if (jwks) {
    std::vector<std::pair<std::string, std::string>> members = {
        {"kty", jwk->kty}, {"kid", kid}, {"use", "sig"}, {"alg", jwk->default_alg}};
    if (jwk->kty == "EC") {
      members.insert(members.end(), {{"crv", jwk->crv}, {"x", jwk->x}, {"y", jwk->y}});
    } else {
      members.insert(members.end(), {{"n", jwk->n}, {"e", jwk->e}});
    }
    std::cout << R"({"keys":[)" << Json(members) << "]}\n";
    return 0;
  }
  if (aud.empty()) {
    std::cerr << "cds-hooks-cli token: --aud URL is required (the exact URL you will call)\n"
              << kTokenUsage;
    return 2;
  }
  if (alg.empty()) alg = jwk->default_alg;
  std::vector<std::pair<std::string, std::string>> header = {
      {"alg", alg}, {"typ", "JWT"}, {"kid", kid}};
  if (!jku.empty()) header.emplace_back("jku", jku);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::string encoded_header = Base64UrlEncode(Json(header));
  for (long i = 0; i < count; ++i) {
    std::vector<std::pair<std::string, std::string>> claims = {
        {"iss", iss}, {"aud", aud}, {"jti", RandomId()}};
    if (!tenant.empty()) claims.emplace_back("tenant", tenant);
    const std::string input =
        encoded_header + "." + Base64UrlEncode(Json(claims, {{"iat", now}, {"exp", now + ttl}}));
    const auto signature = Sign(key.get(), alg, input, jwk->coordinate_bytes, error);
    if (!signature) {
      std::cerr << "cds-hooks-cli token: " << error << "\n";
      return 1;
    }
    std::cout << input << "." << Base64UrlEncode(*signature) << "\n";
  }
  return 0;
}
