#include "fhir/json_parse.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "fhir/internal/json_reader.hpp"
#include "fhir/internal/parse_resources.hpp"

// JSON text is parsed in situ from TextDocument's buffer, which is followed by kPadding NUL
// bytes. That lets the two scans where RapidJSON spends most of its time (the unescaped run of
// a string, whitespace between tokens) load 16 bytes at a time at any position up to the
// terminating NUL without reading outside the buffer. RapidJSON's own SIMD code
// (RAPIDJSON_SSE2) is not used: it is a global switch that would also change every other
// parse in the program, and its aligned loads read past the end of unpadded strings, which
// AddressSanitizer reports. The stream is a type of its own (internal linkage), so the
// specialisations below apply to this file's parse only.
namespace cds::fhir {
namespace {

constexpr std::size_t kPadding = 16;

/// An in-situ stream over text followed by at least kPadding NUL bytes.
struct PaddedInsituStream : rapidjson::InsituStringStream {
  explicit PaddedInsituStream(char* text) : rapidjson::InsituStringStream(text) {}
};

#if defined(__SSE2__)
__m128i Load16(const char* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

/// One bit per byte of `v` that ends an unescaped run of a string: '"', '\\' or a control
/// character (< 0x20, which includes the terminating NUL).
unsigned StringStops(__m128i v) noexcept {
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  const __m128i max_control = _mm_set1_epi8(0x1F);
  const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, max_control), max_control);
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)));
}

/// One bit per byte of `v` that is not JSON whitespace.
unsigned NonWhitespace(__m128i v) noexcept {
  const __m128i space =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
  const __m128i other =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
  return ~static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(space, other))) & 0xFFFFu;
}
#endif

}  // namespace
}  // namespace cds::fhir

namespace rapidjson {

template <>
struct StreamTraits<cds::fhir::PaddedInsituStream> {
  enum { copyOptimization = 1 };  // As for InsituStringStream: a local copy in registers.
};

#if defined(__SSE2__)
template <>
inline void SkipWhitespace(cds::fhir::PaddedInsituStream& is) {
  const char* p = is.src_;
  if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') return;  // Compact JSON.
  for (;; p += 16) {
    if (const unsigned stops = cds::fhir::NonWhitespace(cds::fhir::Load16(p)); stops != 0) {
      p += std::countr_zero(stops);
      break;
    }
  }
  is.src_ = const_cast<char*>(p);
}

/// Moves the unescaped run of a string (up to '"', '\\' or a control character) from the
/// read position to the write position of the in-situ stream, 16 bytes at a time. RapidJSON's
/// per-character loop takes over at the stop character.
template <>
template <>
inline void GenericReader<UTF8<>, UTF8<>, CrtAllocator>::ScanCopyUnescapedString(
    cds::fhir::PaddedInsituStream& is, cds::fhir::PaddedInsituStream& os) {
  (void)os;  // The same stream (in situ).
  char* p = is.src_;
  char* q = is.dst_;
  if (p == q) {  // No escape seen yet in this string: nothing to move, only skip.
    for (;; p += 16) {
      if (const unsigned stops = cds::fhir::StringStops(cds::fhir::Load16(p)); stops != 0) {
        p += std::countr_zero(stops);
        break;
      }
    }
    is.src_ = is.dst_ = p;
    return;
  }
  for (;; p += 16, q += 16) {
    const __m128i block = cds::fhir::Load16(p);
    if (const unsigned stops = cds::fhir::StringStops(block); stops != 0) {
      const auto run = static_cast<std::size_t>(std::countr_zero(stops));
      std::memmove(q, p, run);  // q < p: the write position trails the read position.
      p += run;
      q += run;
      break;
    }
    // The whole block is consumed, so writing 16 bytes at q < p overwrites nothing unread.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), block);
  }
  is.src_ = p;
  is.dst_ = q;
}
#endif

}  // namespace rapidjson

namespace cds::fhir {
namespace {

using internal::Context;
using internal::Json;
using internal::Path;

constexpr auto kBundleTypes = std::to_array<std::string_view>(
    {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
     "history", "searchset", "collection"});

/// Encoding is validated separately (CopyAndCheck), so RapidJSON does not validate again.
constexpr unsigned kTextParseFlags = rapidjson::kParseIterativeFlag;

std::string Quoted(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string out = "'";
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  out += '\'';
  return out;
}

constexpr auto kBundleFields =
    internal::MakeFields("resourceType", "id", "type", "total", "link", "entry");
constexpr auto kLinkFields = internal::MakeFields("relation", "url");
constexpr auto kEntryFields = internal::MakeFields("fullUrl", "resource", "search");
constexpr auto kSearchFields = internal::MakeFields("mode");

/// The resourceType of a resource object, or nullopt after reporting an error.
std::optional<std::string_view> ReadResourceType(Context& ctx, internal::Field field,
                                                 const Path& path) {
  if (field.value == nullptr) {
    ctx.Error(path.Field("resourceType"), "required element is missing; resource rejected");
    return std::nullopt;
  }
  if (!field.value->IsString()) {
    internal::WrongType(ctx, path.Field("resourceType"), "a string", *field.value);
    return std::nullopt;
  }
  return internal::StringOf(*field.value);
}

/// Parses one resource object into `out` (see internal::ParseResourceOfType), before
/// medication resolution. Anything that is not a modelled resource object is kRejected, except
/// an unknown resourceType (kUnknownType, with a warning).
internal::TypedParse ParseResourceObject(Context& ctx, const Json& json, const Path& path,
                                         Resource& out) {
  if (!json.IsObject()) {
    internal::WrongType(ctx, path, "a resource object", json);
    return internal::TypedParse::kRejected;
  }
  const std::optional<std::string_view> type =
      ReadResourceType(ctx, internal::FindField(json, "resourceType"), path);
  if (!type) return internal::TypedParse::kRejected;
  if (*type == "Bundle") {
    ctx.Error(path.Field("resourceType"), "a Bundle is not accepted here; resource ignored");
    return internal::TypedParse::kRejected;
  }
  const internal::TypedParse parsed = internal::ParseResourceOfType(ctx, json, path, *type, out);
  if (parsed == internal::TypedParse::kUnknownType) {
    ctx.Warning(path.Field("resourceType"),
                "resourceType " + Quoted(*type) + " is not used by this service; ignored");
  }
  return parsed;
}

/// Resolves the medicationReference of `resource` (if it has one) against `first`, then
/// `second` (either may be null) and warns when it stays unresolved.
void ResolveAndReport(Context& ctx, Resource& resource, const Path& path,
                      const MedicationCatalog* first, const MedicationCatalog* second) {
  std::visit(
      [&](auto& r) {
        if constexpr (requires {
                        r.medication;
                        r.contained_medications;
                      }) {
          for (const MedicationCatalog* catalog : {first, second}) {
            ResolveMedication(r.medication, r.contained_medications, catalog);
          }
          if (r.medication.IsUnresolvedReference()) {
            ctx.Warning(path.Field("medicationReference"),
                        "medicationReference " + Quoted(r.medication.reference.reference) +
                            " not found in contained resources, the Bundle or the supplied "
                            "Medications; the drug is unknown");
          }
        }
      },
      resource);
}

void Downgrade(Issues& issues) {
  for (Issue& issue : issues) issue.severity = Severity::kWarning;
}

std::string StringMember(const Json& json, const char* name) {
  if (!json.IsObject()) return {};
  const auto it = json.FindMember(name);
  if (it == json.MemberEnd() || !it->value.IsString()) return {};
  return std::string(internal::StringOf(it->value));
}

Bundle::Link ParseLink(Context& ctx, const Json& json, const Path& path) {
  const internal::Members<kLinkFields> m(json);
  return {internal::ReadString(ctx, m["relation"], path),
          internal::ReadString(ctx, m["url"], path)};
}

std::string ParseSearchMode(Context& ctx, const Json& json, const Path& path) {
  const internal::Members<kSearchFields> m(json);
  return internal::ReadString(ctx, m["mode"], path);
}

/// One entry of a Bundle. Appends the entry or a SkippedEntry to `bundle`; its issues go to
/// `ctx` downgraded to warnings. The resource is parsed in place, in the entry it is kept in.
void ParseEntry(Context& ctx, const Json& item, std::size_t index, const Path& item_path,
                Bundle& bundle) {
  Issues entry_issues;
  Context entry_ctx(entry_issues, ctx.options());
  Bundle::SkippedEntry skipped{index, Bundle::SkippedEntry::Reason::kMissing, {}, {}};
  bool kept = false;
  if (!item.IsObject()) {
    internal::WrongType(entry_ctx, item_path, "an entry object", item);
  } else {
    const internal::Members<kEntryFields> m(item);
    const Json* resource = internal::Member(entry_ctx, m["resource"], item_path);
    const Path resource_path = item_path.Field("resource");
    if (resource == nullptr) {
      entry_ctx.Warning(resource_path, "entry without a resource");
    } else {
      Bundle::Entry& entry = bundle.entry.emplace_back();
      const internal::TypedParse parsed =
          ParseResourceObject(entry_ctx, *resource, resource_path, entry.resource);
      if (parsed != internal::TypedParse::kParsed) {
        bundle.entry.pop_back();
        skipped.reason = parsed == internal::TypedParse::kUnknownType
                             ? Bundle::SkippedEntry::Reason::kUnknownType
                             : Bundle::SkippedEntry::Reason::kInvalid;
        skipped.resource_type = StringMember(*resource, "resourceType");
        skipped.id = StringMember(*resource, "id");
      } else {
        entry.index = index;
        entry.full_url = internal::ReadString(entry_ctx, m["fullUrl"], item_path);
        entry.search_mode = internal::ReadObject(entry_ctx, m["search"], item_path, ParseSearchMode)
                                .value_or(std::string{});
        kept = true;
      }
    }
  }
  Downgrade(entry_issues);
  std::move(entry_issues.begin(), entry_issues.end(), std::back_inserter(ctx.issues()));
  if (kept) return;
  if (skipped.reason == Bundle::SkippedEntry::Reason::kInvalid) {
    ctx.Warning(item_path, "entry skipped: its resource was rejected (see the issues above)");
  }
  bundle.skipped.push_back(std::move(skipped));
}

/// Resolves medicationReferences across the Bundle: contained, then the Bundle's own
/// Medication entries, then the caller's catalog.
void ResolveBundleMedications(Context& ctx, Bundle& bundle, const Path& entries_path) {
  MedicationCatalog in_bundle;
  for (const Bundle::Entry& entry : bundle.entry) {
    if (const auto* medication = std::get_if<Medication>(&entry.resource)) {
      in_bundle.Add(*medication, entry.full_url);
    }
  }
  for (Bundle::Entry& entry : bundle.entry) {
    const Path item_path = entries_path.Index(entry.index);
    const Path resource_path = item_path.Field("resource");
    ResolveAndReport(ctx, entry.resource, resource_path, &in_bundle,
                     ctx.options().external_medications);
  }
}

void ParseEntries(Context& ctx, internal::Field field, const Path& path, Bundle& bundle) {
  const Json* entries = internal::Member(ctx, field, path);
  if (entries == nullptr) return;
  const Path entries_path = path.Field(field.name);
  if (!entries->IsArray()) {
    internal::WrongType(ctx, entries_path, "an array", *entries);
    return;
  }
  bundle.entry.reserve(entries->Size());
  for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
    const Path item_path = entries_path.Index(i);
    ParseEntry(ctx, (*entries)[i], i, item_path, bundle);
  }
  ResolveBundleMedications(ctx, bundle, entries_path);
}

ParseResult<Bundle> ParseBundleAt(const Json& json, const Path& root, const ParseOptions& options) {
  ParseResult<Bundle> result;
  Context ctx(result.issues, options);
  if (!json.IsObject()) {
    internal::WrongType(ctx, root, "a Bundle object", json);
    return result;
  }
  const internal::Members<kBundleFields> m(json);
  const std::optional<std::string_view> type = ReadResourceType(ctx, m["resourceType"], root);
  if (!type) return result;
  if (*type != "Bundle") {
    ctx.Error(root.Field("resourceType"), "expected 'Bundle', got " + Quoted(*type));
    return result;
  }
  Bundle& bundle = result.value.emplace();
  bundle.id = internal::ReadString(ctx, m["id"], root);
  if (!m.Has("type")) {
    ctx.Warning(root.Field("type"), "Bundle without type; tolerated (sandbox quirk)");
  } else {
    bundle.type = internal::ReadString(ctx, m["type"], root);
    if (!bundle.type.empty() && !internal::IsOneOf(bundle.type, kBundleTypes)) {
      ctx.Warning(root.Field("type"), Quoted(bundle.type) + " is not a Bundle type; kept as is");
    }
  }
  bundle.total = internal::ReadInt64(ctx, m["total"], root);
  bundle.link = internal::ReadArray(ctx, m["link"], root, ParseLink);
  ParseEntries(ctx, m["entry"], root, bundle);
  return result;
}

/// What CopyAndCheck found in the text.
struct TextCheck {
  std::size_t first_invalid = std::string_view::npos;  ///< First byte that is not UTF-8.
  bool has_nul = false;
};

/// Finds the first byte of `text` that is not well-formed UTF-8 (overlong forms, surrogates
/// and code points above U+10FFFF are rejected, as RapidJSON's validator does) and whether the
/// text contains a NUL. With kCopy, also copies `text` to `out` followed by kPadding NUL bytes
/// (`out` has room for that) in the same pass; the copy is complete only when the text is
/// valid. Runs of ASCII without NUL, most of a FHIR payload, are handled 16 (SSE2) or 8 bytes
/// at a time.
template <bool kCopy>
TextCheck ScanText(std::string_view text, [[maybe_unused]] char* out) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  TextCheck check;
  std::size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    if (i + 16 <= n) {
      const __m128i block = Load16(text.data() + i);
      if constexpr (kCopy) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), block);
      const __m128i nul = _mm_cmpeq_epi8(block, _mm_setzero_si128());
      if (_mm_movemask_epi8(_mm_or_si128(block, nul)) == 0) {
        i += 16;
        continue;
      }
    }
#endif
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, sizeof word);
      if constexpr (kCopy) std::memcpy(out + i, &word, sizeof word);
      const std::uint64_t has_zero_byte =
          (word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL;
      if (((word & 0x8080808080808080ULL) | has_zero_byte) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      if constexpr (kCopy) out[i] = static_cast<char>(c);
      if (c == 0) check.has_nul = true;
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // > U+10FFFF
    } else {
      check.first_invalid = i;
      return check;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) {
      check.first_invalid = i;
      return check;
    }
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) {
        check.first_invalid = i;
        return check;
      }
    }
    if constexpr (kCopy) std::memcpy(out + i, p + i, len);
    i += len;
  }
  if constexpr (kCopy) std::memset(out + n, 0, kPadding);
  return check;
}

/// Copies `text` to `out` followed by kPadding NUL bytes and checks it (ScanText).
TextCheck CopyAndCheck(std::string_view text, char* out) noexcept {
  return ScanText<true>(text, out);
}

/// The handler every DOM parse here goes through (BuildDocument): forwards to a Document and
/// stops the parse (kParseErrorTermination) where arrays and objects nest deeper than
/// `max_depth`, which bounds the stack RapidJSON's recursive parser uses. All parses go through
/// it, so that Document::String has a single caller in this file and GCC inlines it (it is
/// called for every key and string; out of line it cost ~4% of a parse).
class DepthLimitedForwarder {
 public:
  DepthLimitedForwarder(rapidjson::Document& doc, std::size_t max_depth)
      : doc_(doc), max_depth_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  [[gnu::always_inline]] bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.String(s, n, copy);
  }
  [[gnu::always_inline]] bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.String(s, n, copy);
  }
  bool StartObject() { return Enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return Enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  [[nodiscard]] bool too_deep() const noexcept { return too_deep_; }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  rapidjson::Document& doc_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
};

/// The deepest nesting RapidJSON's recursive parser is given; deeper text is parsed iteratively.
constexpr std::size_t kRecursionLimit = 64;
constexpr std::size_t kUnlimitedDepth = std::numeric_limits<std::size_t>::max();

/// Parses `stream` into `doc` (unchanged when the parse fails); `*too_deep`, when given, tells
/// whether the depth limit stopped it.
template <unsigned kFlags, typename Stream>
rapidjson::ParseResult BuildDocument(rapidjson::Document& doc, Stream& stream,
                                     std::size_t max_depth, bool* too_deep = nullptr) {
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& target) {  // `doc` itself
    DepthLimitedForwarder handler(target, max_depth);
    result = reader.Parse<kFlags>(stream, handler);
    if (too_deep != nullptr) *too_deep = handler.too_deep();
    return !result.IsError();
  };
  doc.Populate(generate);
  return result;
}

/// A DOM parsed from JSON text, with the storage it points into. Parsing is in situ (strings
/// are not copied out of the padded buffer; PaddedInsituStream) and uses one memory pool sized
/// from the input. It never recurses deeper than kRecursionLimit: text is first
/// parsed by RapidJSON's recursive parser with that limit (about 10% faster than its iterative
/// parser), and only text it does not accept (too deep, or invalid) is parsed again by the
/// iterative parser, which has no depth limit and reports the error. Encoding is validated up
/// front by CopyAndCheck, several times faster than RapidJSON's per-character validation.
class TextDocument {
 public:
  explicit TextDocument(std::size_t text_size)
      : retained_(text_size <= kMaxRetained),
        allocator_(retained_ ? MakeRetainedPool(text_size)
                             : rapidjson::MemoryPoolAllocator<>(text_size + text_size / 2)),
        document_(&allocator_) {}

  /// Parses `json_text`; reports a fatal issue at `base_path` on failure.
  bool Parse(std::string_view json_text, std::string_view base_path, Issues& issues) {
    char* buffer = Buffer(json_text.size() + kPadding);
    const TextCheck check = CopyAndCheck(json_text, buffer);
    if (check.first_invalid != std::string_view::npos) {
      issues.push_back(
          Issue{Severity::kFatal, std::string(base_path),
                "invalid JSON at byte " + std::to_string(check.first_invalid) + ": " +
                    rapidjson::GetParseError_En(rapidjson::kParseErrorStringInvalidEncoding)});
      return false;
    }
    rapidjson::ParseResult result;
    if (!check.has_nul) {
      // In situ needs a mutable, NUL-terminated copy (`buffer`). Recursive first, with a depth
      // limit; text that stops it (too deep, or invalid) is parsed again iteratively, which
      // has no depth limit and reports the error.
      PaddedInsituStream stream(buffer);
      result = BuildDocument<rapidjson::kParseInsituFlag>(document_, stream, kRecursionLimit);
      if (!result.IsError()) return true;
      std::memcpy(buffer, json_text.data(), json_text.size());  // The parse wrote into it.
      result = ParseIteratively(buffer);
    } else {
      // A NUL inside the text would end an in-situ parse early: such (invalid) text is read
      // with its length.
      result = ParseWithLength(json_text);
    }
    if (!result.IsError()) return true;
    issues.push_back(Issue{Severity::kFatal, std::string(base_path),
                           std::string("invalid JSON at byte ") + std::to_string(result.Offset()) +
                               ": " + rapidjson::GetParseError_En(result.Code())});
    return false;
  }

  [[nodiscard]] const rapidjson::Value& root() const noexcept { return document_; }

 private:
  /// Only for text the recursive parse does not accept (too deep, or invalid).
  [[gnu::cold]] rapidjson::ParseResult ParseIteratively(char* buffer) {
    PaddedInsituStream stream(buffer);
    return BuildDocument<rapidjson::kParseInsituFlag | kTextParseFlags>(document_, stream,
                                                                        kUnlimitedDepth);
  }

  [[gnu::cold]] rapidjson::ParseResult ParseWithLength(std::string_view json_text) {
    rapidjson::MemoryStream memory(json_text.data(), json_text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
    return BuildDocument<kTextParseFlags>(document_, stream, kUnlimitedDepth);
  }

  static constexpr std::size_t kMinChunk = 64 * 1024;
  /// Inputs up to this size parse in per-thread storage that is kept between calls: fresh
  /// multi-megabyte allocations are mmap'ed and page-faulted on every request otherwise
  /// (measured: ~15% of the parse). Costs at most ~2.5x this size per thread.
  static constexpr std::size_t kMaxRetained = 4 * 1024 * 1024;

  /// Storage for the in-situ copy of the text: per-thread and kept between calls for inputs
  /// up to kMaxRetained (not re-entrant: one TextDocument per thread at a time, which holds
  /// since the parse never recurses into another text parse), owned by this document above.
  /// Not initialised: CopyAndCheck writes it.
  char* Buffer(std::size_t size) {
    if (!retained_) {
      own_buffer_ = std::make_unique_for_overwrite<char[]>(size);
      return own_buffer_.get();
    }
    thread_local std::unique_ptr<char[]> buffer;
    thread_local std::size_t capacity = 0;
    if (capacity < size) {
      buffer = std::make_unique_for_overwrite<char[]>(size);
      capacity = size;
    }
    return buffer.get();
  }
  /// A pool whose first chunk is per-thread storage sized 1.5x the text (enough for a FHIR
  /// payload's in-situ DOM); further chunks, if any, are allocated and freed as usual.
  static rapidjson::MemoryPoolAllocator<> MakeRetainedPool(std::size_t text_size) {
    thread_local std::vector<char> scratch;
    const std::size_t wanted = std::max<std::size_t>(kMinChunk, text_size + text_size / 2);
    if (scratch.size() < wanted) scratch.resize(wanted);
    return rapidjson::MemoryPoolAllocator<>(scratch.data(), scratch.size(), kMinChunk);
  }

  bool retained_;
  std::unique_ptr<char[]> own_buffer_;
  rapidjson::MemoryPoolAllocator<> allocator_;
  rapidjson::Document document_;
};

}  // namespace

std::optional<JsonTextError> ParseJsonTextInSitu(std::string& text, rapidjson::Document& doc,
                                                 std::size_t max_depth) {
  const TextCheck check = ScanText<false>(text, nullptr);
  if (check.first_invalid != std::string_view::npos) {
    return JsonTextError{JsonTextError::Kind::kInvalidEncoding, check.first_invalid,
                         rapidjson::GetParseError_En(rapidjson::kParseErrorStringInvalidEncoding)};
  }
  if (check.has_nul) {
    return JsonTextError{JsonTextError::Kind::kNulByte, text.find('\0'), "NUL byte."};
  }
  const std::size_t size = text.size();
  text.append(kPadding, '\0');  // Before the parse: it may move the text.
  PaddedInsituStream stream(text.data());
  bool too_deep = false;
  const rapidjson::ParseResult result =
      max_depth <= kRecursionLimit
          ? BuildDocument<rapidjson::kParseInsituFlag>(doc, stream, max_depth, &too_deep)
          : BuildDocument<rapidjson::kParseInsituFlag | kTextParseFlags>(doc, stream, max_depth,
                                                                         &too_deep);
  text.resize(size);  // Keeps the storage the document points into.
  if (!result.IsError()) return std::nullopt;
  if (too_deep) return JsonTextError{JsonTextError::Kind::kTooDeep, 0, {}};
  return JsonTextError{JsonTextError::Kind::kSyntax, result.Offset(),
                       rapidjson::GetParseError_En(result.Code())};
}

ParseResult<Resource> ParseResource(const rapidjson::Value& json, std::string_view base_path,
                                    const ParseOptions& options) {
  ParseResult<Resource> result;
  Context ctx(result.issues, options);
  const Path root(base_path);
  Resource& resource = result.value.emplace();
  if (ParseResourceObject(ctx, json, root, resource) != internal::TypedParse::kParsed) {
    result.value.reset();
    return result;
  }
  ResolveAndReport(ctx, resource, root, options.external_medications, nullptr);
  return result;
}

template <typename T>
ParseResult<T> ParseResourceAs(const rapidjson::Value& json, std::string_view base_path,
                               const ParseOptions& options) {
  ParseResult<T> result;
  Context ctx(result.issues, options);
  const Path root(base_path);
  if (!json.IsObject()) {
    internal::WrongType(ctx, root, "a resource object", json);
    return result;
  }
  const std::optional<std::string_view> type =
      ReadResourceType(ctx, internal::FindField(json, "resourceType"), root);
  if (!type) return result;
  const std::string_view expected = ResourceTypeOf(Resource(std::in_place_type<T>));
  const bool accepted =
      *type == expected || (std::is_same_v<T, MedicationRequest> && *type == "MedicationOrder");
  if (!accepted) {
    ctx.Error(root.Field("resourceType"),
              "expected " + Quoted(expected) + ", got " + Quoted(*type) + "; resource rejected");
    return result;
  }
  Resource resource;
  if (ParseResourceObject(ctx, json, root, resource) != internal::TypedParse::kParsed) {
    return result;
  }
  ResolveAndReport(ctx, resource, root, options.external_medications, nullptr);
  result.value = std::get<T>(std::move(resource));
  return result;
}

#define CDS_FHIR_INSTANTIATE_PARSE_AS(T)                                                \
  template ParseResult<T> ParseResourceAs<T>(const rapidjson::Value&, std::string_view, \
                                             const ParseOptions&);
CDS_FHIR_INSTANTIATE_PARSE_AS(Patient)
CDS_FHIR_INSTANTIATE_PARSE_AS(Encounter)
CDS_FHIR_INSTANTIATE_PARSE_AS(Condition)
CDS_FHIR_INSTANTIATE_PARSE_AS(Observation)
CDS_FHIR_INSTANTIATE_PARSE_AS(DiagnosticReport)
CDS_FHIR_INSTANTIATE_PARSE_AS(Specimen)
CDS_FHIR_INSTANTIATE_PARSE_AS(Medication)
CDS_FHIR_INSTANTIATE_PARSE_AS(MedicationRequest)
CDS_FHIR_INSTANTIATE_PARSE_AS(MedicationStatement)
CDS_FHIR_INSTANTIATE_PARSE_AS(MedicationAdministration)
CDS_FHIR_INSTANTIATE_PARSE_AS(OperationOutcome)
#undef CDS_FHIR_INSTANTIATE_PARSE_AS

ParseResult<Bundle> ParseBundle(const rapidjson::Value& json, std::string_view base_path,
                                const ParseOptions& options) {
  const Path root(base_path);
  return ParseBundleAt(json, root, options);
}

ParseResult<Resource> ParseResource(std::string_view json_text, std::string_view base_path,
                                    const ParseOptions& options) {
  TextDocument document(json_text.size());
  ParseResult<Resource> result;
  if (!document.Parse(json_text, base_path, result.issues)) return result;
  return ParseResource(document.root(), base_path, options);
}

ParseResult<Bundle> ParseBundle(std::string_view json_text, std::string_view base_path,
                                const ParseOptions& options) {
  TextDocument document(json_text.size());
  ParseResult<Bundle> result;
  if (!document.Parse(json_text, base_path, result.issues)) return result;
  return ParseBundle(document.root(), base_path, options);
}

}  // namespace cds::fhir
