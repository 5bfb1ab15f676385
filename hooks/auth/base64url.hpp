// base64url (RFC 4648 §5) as JWS uses it (RFC 7515 §2): no padding, no whitespace.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cds::hooks::auth {

/// Strict decoding: only [A-Za-z0-9_-], no '=' padding, no whitespace, a length that is not
/// 1 mod 4, and zero bits in the unused low bits of the last character (so every byte string
/// has exactly one accepted encoding). Anything else → nullopt.
[[nodiscard]] std::optional<std::string> Base64UrlDecode(std::string_view text);

/// Unpadded base64url.
[[nodiscard]] std::string Base64UrlEncode(std::string_view bytes);

}  // namespace cds::hooks::auth
