#include "hooks/auth/p384.hpp"

#include <gmp.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/sha2.h>

#include <cstdint>

namespace cds::hooks::auth {
namespace {

constexpr std::size_t kCoordinateBytes = 48;

// An mpz_t read from big-endian bytes, cleared on scope exit.
class Integer {
 public:
  explicit Integer(std::string_view big_endian) {
    mpz_init(value_);
    mpz_import(value_, big_endian.size(), 1, 1, 1, 0, big_endian.data());
  }
  ~Integer() { mpz_clear(value_); }
  Integer(const Integer&) = delete;
  Integer& operator=(const Integer&) = delete;
  mpz_srcptr get() const { return value_; }

 private:
  mpz_t value_;
};

}  // namespace

class P384PublicKey {
 public:
  P384PublicKey() { ecc_point_init(&point_, nettle_get_secp_384r1()); }
  ~P384PublicKey() { ecc_point_clear(&point_); }
  P384PublicKey(const P384PublicKey&) = delete;
  P384PublicKey& operator=(const P384PublicKey&) = delete;

  // Nettle checks that both coordinates are below p and that the point is on the curve.
  bool Set(const Integer& x, const Integer& y) {
    return ecc_point_set(&point_, x.get(), y.get()) == 1;
  }
  const ecc_point* point() const { return &point_; }

 private:
  ecc_point point_;
};

std::shared_ptr<const P384PublicKey> MakeP384PublicKey(std::string_view x, std::string_view y) {
  if (x.size() != kCoordinateBytes || y.size() != kCoordinateBytes) return nullptr;
  auto key = std::make_shared<P384PublicKey>();
  if (!key->Set(Integer(x), Integer(y))) return nullptr;
  return key;
}

bool VerifyEs384(const P384PublicKey& key, std::string_view signing_input,
                 std::string_view signature) noexcept {
  if (signature.size() != 2 * kCoordinateBytes) return false;
  std::uint8_t digest[SHA384_DIGEST_SIZE];
  sha384_ctx sha;
  sha384_init(&sha);
  sha384_update(&sha, signing_input.size(),
                reinterpret_cast<const std::uint8_t*>(signing_input.data()));
  sha384_digest(&sha, sizeof digest, digest);

  dsa_signature sig;
  dsa_signature_init(&sig);
  mpz_import(sig.r, kCoordinateBytes, 1, 1, 1, 0, signature.data());
  mpz_import(sig.s, kCoordinateBytes, 1, 1, 1, 0, signature.data() + kCoordinateBytes);
  // ecdsa_verify refuses r or s outside [1, n-1] before any arithmetic.
  const bool ok = ecdsa_verify(key.point(), sizeof digest, digest, &sig) == 1;
  dsa_signature_clear(&sig);
  return ok;
}

}  // namespace cds::hooks::auth
