// ES384 is verified by Nettle (hooks/auth/p384.hpp), every other algorithm by OpenSSL. These
// tests hold the two to the same answers: signatures made by OpenSSL here, valid and altered,
// go through VerifySignature with the key's Nettle form and without it (then OpenSSL verifies).
#include "hooks/auth/p384.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "hooks/auth/base64url.hpp"
#include "hooks/auth/jwk.hpp"
#include "hooks/auth/jwt.hpp"

namespace cds::hooks::auth {
namespace {

constexpr std::size_t kBytes = 48;
// The order n of P-384 (SEC 2 / FIPS 186-4 D.1.2.4), big-endian.
const std::string kOrderHex =
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc529"
    "73";
// The field prime p of P-384.
const std::string kPrimeHex =
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffff"
    "ff";

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

Bn FromHex(const std::string& hex) {
  BIGNUM* b = nullptr;
  BN_hex2bn(&b, hex.c_str());
  return Bn(b);
}

std::string Pad(const BIGNUM* b) {
  std::string out(kBytes, '\0');
  EXPECT_EQ(BN_bn2binpad(b, reinterpret_cast<unsigned char*>(out.data()), kBytes),
            static_cast<int>(kBytes));
  return out;
}

// A fresh P-384 key pair, its JWK and ES384 signatures made with it, all by OpenSSL.
class Signer {
 public:
  Signer() : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"), EVP_PKEY_free) {}

  std::string Coordinate(const char* name) const {
    BIGNUM* b = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key_.get(), name, &b), 1);
    Bn owned(b);
    return Pad(owned.get());
  }

  std::string JwkSetJson(const std::string& kid = "p384") const {
    return R"({"keys":[{"kty":"EC","crv":"P-384","kid":")" + kid + R"(","x":")" +
           Base64UrlEncode(Coordinate(OSSL_PKEY_PARAM_EC_PUB_X)) + R"(","y":")" +
           Base64UrlEncode(Coordinate(OSSL_PKEY_PARAM_EC_PUB_Y)) + R"("}]})";
  }

  // JWS form: R || S, 48 bytes each.
  std::string Sign(const std::string& message) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EXPECT_EQ(
        EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA384", nullptr, nullptr, key_.get(), nullptr),
        1);
    std::size_t length = 0;
    EXPECT_EQ(
        EVP_DigestSign(ctx.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()),
        1);
    std::vector<unsigned char> der(length);
    EXPECT_EQ(
        EVP_DigestSign(ctx.get(), der.data(), &length,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()),
        1);
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length));
    EXPECT_NE(sig, nullptr);
    std::string raw = Pad(ECDSA_SIG_get0_r(sig)) + Pad(ECDSA_SIG_get0_s(sig));
    ECDSA_SIG_free(sig);
    return raw;
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
};

struct Keys {
  std::shared_ptr<const Jwk> nettle;  // as ParseJwkSet builds it: with its Nettle form
  Jwk openssl;                        // the same key without it: OpenSSL verifies
};

Keys Load(const Signer& signer) {
  auto set = ParseJwkSet(signer.JwkSetJson());
  EXPECT_TRUE(set.ok());
  EXPECT_EQ(set.value().keys.size(), 1u);
  Keys keys{set.value().keys.at(0), *set.value().keys.at(0)};
  keys.openssl.p384.reset();
  return keys;
}

// Both verifiers give `expected` for this message and signature.
void ExpectBoth(const Keys& keys, const std::string& message, const std::string& signature,
                bool expected, const std::string& what) {
  EXPECT_EQ(VerifySignature(JwsAlgorithm::kES384, *keys.nettle, message, signature), expected)
      << "Nettle: " << what;
  EXPECT_EQ(VerifySignature(JwsAlgorithm::kES384, keys.openssl, message, signature), expected)
      << "OpenSSL: " << what;
}

TEST(P384Test, AP384JwkGetsItsNettleFormAndOtherCurvesDoNot) {
  const Signer signer;
  EXPECT_NE(Load(signer).nettle->p384, nullptr);
  auto p256 = ParseJwkSet(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"a",)"
                          R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                          R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})");
  ASSERT_TRUE(p256.ok());
  ASSERT_EQ(p256.value().keys.size(), 1u);
  EXPECT_EQ(p256.value().keys[0]->p384, nullptr);
}

TEST(P384Test, SignaturesMadeByOpenSslVerifyWithBoth) {
  const Signer signer;
  const Keys keys = Load(signer);
  for (int i = 0; i < 25; ++i) {
    const std::string message = "eyJhbGciOiJFUzM4NCJ9.message-" + std::to_string(i) +
                                std::string(static_cast<std::size_t>(i) * 37, 'x');
    ExpectBoth(keys, message, signer.Sign(message), true, "signature " + std::to_string(i));
  }
}

TEST(P384Test, AlteredMessagesAndSignaturesFailWithBoth) {
  const Signer signer;
  const Keys keys = Load(signer);
  const std::string message = "header.payload";
  const std::string sig = signer.Sign(message);
  ExpectBoth(keys, message + "x", sig, false, "longer message");
  ExpectBoth(keys, "header.payloaD", sig, false, "changed message");
  for (std::size_t byte : {std::size_t{0}, std::size_t{20}, kBytes - 1, kBytes, 2 * kBytes - 1}) {
    for (int bit : {0, 7}) {
      std::string flipped = sig;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      ExpectBoth(keys, message, flipped, false,
                 "byte " + std::to_string(byte) + " bit " + std::to_string(bit));
    }
  }
  ExpectBoth(keys, message, sig.substr(0, 2 * kBytes - 1), false, "95 bytes");
  ExpectBoth(keys, message, sig + '\0', false, "97 bytes");
  ExpectBoth(keys, message, "", false, "empty");
  ExpectBoth(keys, message, sig.substr(kBytes) + sig.substr(0, kBytes), false, "S || R");
  // Another key's valid signature of the same message.
  ExpectBoth(keys, message, Signer().Sign(message), false, "another key");
}

TEST(P384Test, ROrSOutsideOneToNMinusOneFailWithBoth) {
  const Signer signer;
  const Keys keys = Load(signer);
  const std::string message = "header.payload";
  const std::string sig = signer.Sign(message);
  const std::string r = sig.substr(0, kBytes), s = sig.substr(kBytes);
  const Bn n = FromHex(kOrderHex);
  const std::string zero(kBytes, '\0');
  const std::string order = Pad(n.get());
  const std::string ones(kBytes, '\xff');
  ExpectBoth(keys, message, zero + s, false, "r = 0");
  ExpectBoth(keys, message, r + zero, false, "s = 0");
  ExpectBoth(keys, message, order + s, false, "r = n");
  ExpectBoth(keys, message, r + order, false, "s = n");
  ExpectBoth(keys, message, ones + s, false, "r = 2^384 - 1");
  ExpectBoth(keys, message, r + ones, false, "s = 2^384 - 1");
}

TEST(P384Test, TheNegatedSIsAlsoValidForBoth) {
  // ECDSA signatures are malleable: (r, n - s) verifies whenever (r, s) does. JWS does not ask
  // for low S, and neither verifier enforces it; they must agree.
  const Signer signer;
  const Keys keys = Load(signer);
  const std::string message = "header.payload";
  const std::string sig = signer.Sign(message);
  const Bn n = FromHex(kOrderHex);
  Bn s(BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + kBytes, kBytes, nullptr));
  Bn negated(BN_new());
  BN_sub(negated.get(), n.get(), s.get());
  ExpectBoth(keys, message, sig.substr(0, kBytes) + Pad(negated.get()), true, "(r, n - s)");
}

TEST(P384Test, MakeP384PublicKeyRefusesWhatIsNotAPointOnTheCurve) {
  const Signer signer;
  const std::string x = signer.Coordinate(OSSL_PKEY_PARAM_EC_PUB_X);
  const std::string y = signer.Coordinate(OSSL_PKEY_PARAM_EC_PUB_Y);
  EXPECT_NE(MakeP384PublicKey(x, y), nullptr);
  std::string off = y;
  off.back() = static_cast<char>(off.back() ^ 1);
  EXPECT_EQ(MakeP384PublicKey(x, off), nullptr) << "y changed";
  EXPECT_EQ(MakeP384PublicKey(x.substr(1), y), nullptr) << "47-byte x";
  EXPECT_EQ(MakeP384PublicKey(x + '\0', y), nullptr) << "49-byte x";
  const Bn p = FromHex(kPrimeHex);
  EXPECT_EQ(MakeP384PublicKey(Pad(p.get()), y), nullptr) << "x = p";
  // The JWK set leaves such a key out instead of failing as a whole.
  auto set = ParseJwkSet(R"({"keys":[{"kty":"EC","crv":"P-384","kid":"bad","x":")" +
                         Base64UrlEncode(x) + R"(","y":")" + Base64UrlEncode(off) + R"("}]})");
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set.value().keys.empty());
  ASSERT_EQ(set.value().skipped.size(), 1u);
}

}  // namespace
}  // namespace cds::hooks::auth
