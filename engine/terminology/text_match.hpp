// Name normalization and whole-word phrase matching for the terminology (internal).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cds::engine::terminology_internal {

using Tokens = std::vector<std::string>;

/// Normalizes free text into match tokens:
///  - ASCII letters are lower-cased; every other byte (punctuation, spaces, non-ASCII) separates;
///  - a letter/digit boundary separates ("meropenem1g" -> "meropenem", "1", "g");
///  - numbers, dose/time units ("mg", "g", "ml", "q", "h", ...) and the connectors "and", "with",
///    "plus" are dropped.
/// Drug, organism and condition names in the data files are normalized the same way.
[[nodiscard]] Tokens NormalizeTokens(std::string_view text);

/// Joins tokens with single spaces (the canonical form of a name, used as a map key).
[[nodiscard]] std::string JoinTokens(const Tokens& tokens);

/// JoinTokens(NormalizeTokens(text)) in one pass, without a vector of tokens (per-call lookups).
[[nodiscard]] std::string NormalizeJoined(std::string_view text);

/// Salt and hydrate words ("sodium", "sulfate", ...) that a multi-word name may skip over in the
/// text: "ampicillin sodium / sulbactam sodium" matches "ampicillin sulbactam".
[[nodiscard]] bool IsSkippableSalt(std::string_view token) noexcept;

/// True when the tokens contain a non-systemic route or dosage-form word ("ophthalmic", "otic",
/// "topical", "ointment", "cream", "eye", "ear", "drops", "inhalation", "nebulized", ...).
[[nodiscard]] bool HasNonSystemicMarker(const Tokens& tokens) noexcept;

/// True when the phrase at [begin, end) is negated: preceded by "no", "not", "without", "denies",
/// "negative", "rule out"/"r o"/"ruled out", or followed by "ruled out"/"excluded".
[[nodiscard]] bool IsNegated(const Tokens& tokens, std::size_t begin, std::size_t end) noexcept;

struct PhraseMatch {
  int target = -1;
  std::size_t begin = 0;  // token index
  std::size_t end = 0;    // one past the last consumed token
};

/// Maps token sequences to integer targets; finds the longest whole-word matches left to right.
class PhraseIndex {
 public:
  /// Adds a phrase. Returns -1 on success (or if the same phrase already maps to `target`), else
  /// the conflicting target that already owns the phrase. Empty phrases are ignored.
  int Add(const Tokens& phrase, int target);

  /// Non-overlapping matches, left to right; at each position the longest phrase wins.
  [[nodiscard]] std::vector<PhraseMatch> FindAll(const Tokens& text) const;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Phrase {
    Tokens tokens;
    int target;
  };
  // First token -> phrases starting with it.
  std::unordered_map<std::string, std::vector<Phrase>> by_first_;
  std::size_t size_ = 0;
};

}  // namespace cds::engine::terminology_internal
