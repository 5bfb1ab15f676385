#include "hooks/auth/auth_result.hpp"

namespace cds::hooks::auth {

std::string_view ToString(AuthReason reason) noexcept {
  switch (reason) {
    case AuthReason::kMissingToken:
      return "missing_token";
    case AuthReason::kTokenTooLarge:
      return "token_too_large";
    case AuthReason::kMalformedToken:
      return "malformed_token";
    case AuthReason::kUnknownIssuer:
      return "unknown_issuer";
    case AuthReason::kBadType:
      return "bad_type";
    case AuthReason::kAlgorithmRefused:
      return "algorithm_refused";
    case AuthReason::kMissingKeyId:
      return "missing_kid";
    case AuthReason::kAudienceMismatch:
      return "audience_mismatch";
    case AuthReason::kExpired:
      return "expired";
    case AuthReason::kNotYetValid:
      return "not_yet_valid";
    case AuthReason::kIssuedInFuture:
      return "issued_in_future";
    case AuthReason::kLifetimeTooLong:
      return "lifetime_too_long";
    case AuthReason::kTenantRefused:
      return "tenant_refused";
    case AuthReason::kJkuNotAllowed:
      return "jku_not_allowed";
    case AuthReason::kKeySetUnavailable:
      return "key_set_unavailable";
    case AuthReason::kUnknownKey:
      return "unknown_kid";
    case AuthReason::kKeyMismatch:
      return "key_mismatch";
    case AuthReason::kBadSignature:
      return "bad_signature";
    case AuthReason::kMissingJti:
      return "missing_jti";
    case AuthReason::kReplayed:
      return "replayed_jti";
    case AuthReason::kReplayStoreFull:
      return "replay_store_full";
    case AuthReason::kReplayStoreUnavailable:
      return "replay_store_unavailable";
  }
  return "unknown";
}

std::string ForLog(std::string_view untrusted, std::size_t max) {
  std::string out;
  out.reserve(std::min(untrusted.size(), max) + 3);
  for (char c : untrusted.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (untrusted.size() > max) out.append("...");
  return out;
}

}  // namespace cds::hooks::auth
