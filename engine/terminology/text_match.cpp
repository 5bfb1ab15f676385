#include "engine/terminology/text_match.hpp"

#include <algorithm>
#include <array>

namespace cds::engine::terminology_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

template <std::size_t N>
bool In(const std::array<std::string_view, N>& words, std::string_view token) {
  return std::find(words.begin(), words.end(), token) != words.end();
}

// Dose, volume and frequency tokens. None of them is (part of) a drug, organism or condition name.
constexpr std::array<std::string_view, 32> kDroppedWords = {
    "mg",    "g",   "gm",  "gram", "grams", "mcg",  "ug",   "kg",   "ml", "l",  "unit",
    "units", "iu",  "miu", "mu",   "meq",   "mmol", "hr",   "hrs",  "h",  "q",  "qd",
    "bid",   "tid", "qid", "min",  "mins",  "and",  "with", "plus", "x",  "mgs"};

constexpr std::array<std::string_view, 22> kSaltWords = {
    "sodium",       "potassium",    "disodium",  "hydrochloride", "hcl",       "sulfate",
    "sulphate",     "calcium",      "hydrate",   "monohydrate",   "dihydrate", "trihydrate",
    "anhydrous",    "pentahydrate", "phosphate", "mesylate",      "hyclate",   "tosylate",
    "hydrobromide", "tromethamine", "base",      "lysine"};

constexpr std::array<std::string_view, 21> kNonSystemicWords = {
    "ophthalmic", "ophth",     "opth",      "otic",      "topical",   "ointment", "oint",
    "cream",      "eye",       "ear",       "drops",     "gel",       "lotion",   "inhalation",
    "inhaled",    "nebulized", "nebulised", "nebulizer", "nebuliser", "vaginal",  "irrigation"};

constexpr std::array<std::string_view, 7> kNegationBefore = {
    "no", "not", "without", "denies", "deny", "negative", "excluding"};

}  // namespace

// Calls on_word(word) for each run of letters in `text`, lower-cased, that is not a dropped
// word. Runs of digits and every other character separate words and are not words themselves.
template <typename OnWord>
void ForEachWord(std::string_view text, OnWord on_word) {
  std::string current;  // the run being read, lower-cased
  enum class Kind { kNone, kAlpha, kDigit } kind = Kind::kNone;
  auto flush = [&] {
    if (kind == Kind::kAlpha && !In(kDroppedWords, current)) on_word(current);
    current.clear();
    kind = Kind::kNone;
  };
  for (char c : text) {
    if (IsUpper(c)) c = static_cast<char>(c - 'A' + 'a');
    if (IsLower(c)) {
      if (kind == Kind::kDigit) flush();
      kind = Kind::kAlpha;
      current += c;
    } else if (IsDigit(c)) {
      if (kind == Kind::kAlpha) flush();
      kind = Kind::kDigit;
      current += c;
    } else {
      flush();
    }
  }
  flush();
}

Tokens NormalizeTokens(std::string_view text) {
  Tokens out;
  ForEachWord(text, [&out](const std::string& word) { out.push_back(word); });
  return out;
}

std::string NormalizeJoined(std::string_view text) {
  // As NormalizeTokens, joined with single spaces, without a vector of strings.
  std::string out;
  ForEachWord(text, [&out](const std::string& word) {
    if (!out.empty()) out += ' ';
    out += word;
  });
  return out;
}

std::string JoinTokens(const Tokens& tokens) {
  std::string out;
  for (const std::string& t : tokens) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

bool IsSkippableSalt(std::string_view token) noexcept { return In(kSaltWords, token); }

bool HasNonSystemicMarker(const Tokens& tokens) noexcept {
  return std::any_of(tokens.begin(), tokens.end(),
                     [](const std::string& t) { return In(kNonSystemicWords, t); });
}

bool IsNegated(const Tokens& tokens, std::size_t begin, std::size_t end) noexcept {
  if (begin >= 1 && In(kNegationBefore, tokens[begin - 1])) return true;
  if (begin >= 2) {
    const std::string& a = tokens[begin - 2];
    const std::string& b = tokens[begin - 1];
    if ((a == "rule" || a == "ruled" || a == "r") && (b == "out" || b == "o")) return true;
  }
  if (end < tokens.size()) {
    const std::string& a = tokens[end];
    if (a == "excluded") return true;
    if (end + 1 < tokens.size() && a == "ruled" && tokens[end + 1] == "out") return true;
  }
  return false;
}

int PhraseIndex::Add(const Tokens& phrase, int target) {
  if (phrase.empty()) return -1;
  std::vector<Phrase>& bucket = by_first_[phrase.front()];
  for (const Phrase& p : bucket) {
    if (p.tokens == phrase) return p.target == target ? -1 : p.target;
  }
  bucket.push_back(Phrase{phrase, target});
  ++size_;
  return -1;
}

std::vector<PhraseMatch> PhraseIndex::FindAll(const Tokens& text) const {
  std::vector<PhraseMatch> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto it = by_first_.find(text[i]);
    PhraseMatch best;
    std::size_t best_length = 0;
    if (it != by_first_.end()) {
      for (const Phrase& p : it->second) {
        std::size_t j = i + 1;
        std::size_t k = 1;
        while (k < p.tokens.size() && j < text.size()) {
          if (text[j] == p.tokens[k]) {
            ++j;
            ++k;
          } else if (IsSkippableSalt(text[j])) {
            ++j;
          } else {
            break;
          }
        }
        if (k == p.tokens.size() && p.tokens.size() > best_length) {
          best_length = p.tokens.size();
          best = PhraseMatch{p.target, i, j};
        }
      }
    }
    if (best_length > 0) {
      out.push_back(best);
      i = best.end;
    } else {
      ++i;
    }
  }
  return out;
}

}  // namespace cds::engine::terminology_internal
