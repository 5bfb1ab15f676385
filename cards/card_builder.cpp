#include "cards/card_builder.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cards/json_writer.hpp"
#include "cards/uuid.hpp"

namespace cds::cards {
namespace {

using Writer = JsonWriter;

void Str(Writer& w, std::string_view s) { w.String(s); }

void Number(Writer& w, double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    w.Int64(static_cast<std::int64_t>(v));
  } else {
    w.Double(v);
  }
}

bool IsAbsoluteUrl(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

Indicator ToCardIndicator(engine::Indicator i) {
  switch (i) {
    case engine::Indicator::kInfo:
      return Indicator::kInfo;
    case engine::Indicator::kWarning:
      return Indicator::kWarning;
    case engine::Indicator::kCritical:
      return Indicator::kCritical;
  }
  return Indicator::kWarning;
}

std::string Capitalize(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// Start byte of the code point after the one at `i`.
std::size_t NextCodePoint(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 1;
  if (c >= 0xF0 && c <= 0xF7) {
    len = 4;
  } else if (c >= 0xE0) {
    len = 3;
  } else if (c >= 0xC0) {
    len = 2;
  }
  if (c >= 0xF8) len = 1;
  // Only accept the length if the continuation bytes are there.
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i + 1;
  }
  return i + len;
}

// Markdown metacharacters: 1 = backslash-escape, 2 = replace by a space (line breaks).
constexpr std::array<std::uint8_t, 256> kMarkdownAction = [] {
  std::array<std::uint8_t, 256> t{};
  for (const char c : {'\\', '`', '*', '_', '[', ']', '<', '>', '#', '|'}) {
    t[static_cast<unsigned char>(c)] = 1;
  }
  t['\n'] = 2;
  t['\r'] = 2;
  return t;
}();

// Index of the first Markdown metacharacter or line break in text[i, end), or end: sixteen
// bytes at a time with SSE2 (part of x86-64), then byte by byte.
std::size_t FirstMarkdownSpecial(std::string_view text, std::size_t i) noexcept {
  const std::size_t n = text.size();
#if defined(__SSE2__)
  for (; n - i >= 16; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    __m128i hits = _mm_setzero_si128();
    for (const char c : {'\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '\n', '\r'}) {
      hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
    }
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    if (mask != 0) return i + static_cast<std::size_t>(std::countr_zero(mask));
  }
#endif
  for (; i < n; ++i) {
    if (kMarkdownAction[static_cast<unsigned char>(text[i])] != 0) return i;
  }
  return n;
}

// EscapeMarkdown appended to `out`: unescaped runs are copied whole.
void AppendEscapedMarkdown(std::string& out, std::string_view text) {
  std::size_t start = 0;
  for (std::size_t i = FirstMarkdownSpecial(text, 0); i < text.size();
       i = FirstMarkdownSpecial(text, start)) {
    out.append(text.data() + start, i - start);
    if (kMarkdownAction[static_cast<unsigned char>(text[i])] == 1) {
      out += '\\';
      out += text[i];
    } else {
      out += ' ';
    }
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

std::string Summary(const engine::Finding& f) {
  std::string s = Capitalize(f.problem.drug);
  s += ": ";
  s += f.problem.problem;
  if (!f.problem.organism.empty()) {
    s += " \u2014 ";
    s += f.problem.organism;
  }
  if (!f.problem.result.empty()) {
    s += " (";
    s += f.problem.result;
    s += ')';
  }
  return TruncateSummary(s);
}

void AppendRecommendationLine(std::string& d, const engine::ProposedMedication& m) {
  AppendEscapedMarkdown(d, m.text);
  d += ": ";
  AppendEscapedMarkdown(d, m.dosage_text);
  if (!m.rxnorm_code.empty()) {
    d += " (RxNorm ";
    d += m.rxnorm_code;
    d += ')';
  }
}

// "[label](url)" for an absolute URL, else the label alone.
void AppendCitation(std::string& d, const engine::Citation& c) {
  if (IsAbsoluteUrl(c.url)) {
    d += '[';
    AppendEscapedMarkdown(d, c.label);
    d += "](";
    d += c.url;
    d += ')';
  } else {
    AppendEscapedMarkdown(d, c.label);
  }
}

// Built by appends into one string reserved up front (no temporaries per piece).
std::string Detail(const engine::Finding& f) {
  std::string d;
  d.reserve(4096);
  d += "**";
  AppendEscapedMarkdown(d, Capitalize(f.problem.drug));
  d += ": ";
  AppendEscapedMarkdown(d, f.problem.problem);
  if (!f.problem.organism.empty()) {
    d += " \u2014 ";
    AppendEscapedMarkdown(d, f.problem.organism);
  }
  if (!f.problem.result.empty()) {
    d += " (";
    AppendEscapedMarkdown(d, f.problem.result);
    d += ')';
  }
  d += "**\n\n";
  if (!f.meta.rationale.empty()) {
    d += f.meta.rationale;
    d += "\n\n";
  }
  if (!f.evidence.empty()) {
    d += "**Evidence**\n\n";
    for (const engine::Evidence& e : f.evidence) {
      d += "- ";
      AppendEscapedMarkdown(d, e.value);
      if (!e.reference.empty()) {
        d += " \u2014 `";
        d += e.reference;
        d += '`';
        if (!e.path.empty()) {
          d += " (`";
          d += e.path;
          d += "`)";
        }
      }
      d += '\n';
    }
    d += '\n';
  }
  if (!f.recommendations.empty()) {
    d += "**Recommendation**\n\n";
    int n = 1;
    for (const engine::Recommendation& r : f.recommendations) {
      d += std::to_string(n++);
      d += ". **";
      AppendEscapedMarkdown(d, r.label);
      d += "**";
      if (r.recommended) d += " (recommended)";
      if (!r.text.empty()) {
        d += " \u2014 ";
        AppendEscapedMarkdown(d, r.text);
      }
      d += '\n';
      for (const engine::ProposedMedication& m : r.medications) {
        d += "   - ";
        AppendRecommendationLine(d, m);
        d += '\n';
      }
    }
    d += '\n';
  }
  bool first_uncoded = true;
  for (const engine::Recommendation& r : f.recommendations) {
    for (const engine::ProposedMedication& m : r.medications) {
      if (!m.rxnorm_code.empty()) continue;
      d += first_uncoded ? "**Note:** no verified RxNorm code for " : ", ";
      first_uncoded = false;
      AppendEscapedMarkdown(d, m.text);
    }
  }
  if (!first_uncoded) {
    d += "; the proposed order names the product in text only and must be completed by the "
         "prescriber or pharmacy (some EHRs cannot apply it automatically).\n\n";
  }
  if (!f.merged_rule_ids.empty()) {
    d += "**Also covers:** ";
    for (std::size_t i = 0; i < f.merged_rule_ids.size(); ++i) {
      d += i == 0 ? "`" : ", `";
      d += f.merged_rule_ids[i];
      d += '`';
    }
    d += "\n\n";
  }
  if (!f.missing_data.empty()) {
    d += "**Missing data**\n\n";
    for (const std::string& m : f.missing_data) {
      d += "- ";
      AppendEscapedMarkdown(d, m);
      d += '\n';
    }
    d += '\n';
  }
  d += "Source: ";
  AppendCitation(d, f.meta.citation);
  for (const engine::Citation& c : f.meta.further_citations) {
    d += "; ";
    AppendCitation(d, c);
  }
  d += ". Rule ";
  d += f.meta.catalogue_id;
  d += " `";
  d += f.meta.id;
  d += "` v";
  d += f.meta.version;
  d += '.';
  return d;
}

std::string NextUuid(const CardBuilderOptions& options) {
  return options.uuid_generator ? options.uuid_generator() : NewUuidV7();
}

}  // namespace

std::vector<Coding> DefaultOverrideReasons() {
  const std::string system(kDefaultOverrideReasonSystem);
  return {
      {system, "id-approved", "Approved by Infectious Diseases"},
      {system, "allergy-intolerance", "Allergy or intolerance to alternatives"},
      {system, "susceptibility-pending", "Susceptibility pending \u2014 will reassess"},
      {system, "palliative-care", "Palliative / comfort care"},
  };
}

std::vector<std::string> ValidateCardBuilderOptions(const CardBuilderOptions& options) {
  std::vector<std::string> problems;
  if (!IsAbsoluteUrl(options.topic_system) && !options.topic_system.starts_with("urn:")) {
    problems.push_back("topic_system: must be an absolute URI");
  }
  for (std::size_t i = 0; i < options.override_reasons.size(); ++i) {
    const Coding& c = options.override_reasons[i];
    const std::string at = "override_reasons[" + std::to_string(i) + "]: ";
    if (c.system.empty()) problems.push_back(at + "missing system");
    if (c.code.empty()) problems.push_back(at + "missing code");
    if (c.display.empty()) problems.push_back(at + "missing display");
  }
  return problems;
}

std::string BuildMedicationRequestJson(const engine::ProposedMedication& m,
                                       const RequestContext& request) {
  std::string out;
  out.reserve(640 + m.text.size() + m.rxnorm_display.size() + m.dosage_text.size() +
              request.patient_id.size() + request.encounter_id.size());
  Writer w(out);
  w.StartObject();
  w.Key("resourceType");
  Str(w, "MedicationRequest");
  w.Key("status");
  Str(w, "draft");
  w.Key("intent");
  Str(w, "order");
  w.Key("medicationCodeableConcept");
  w.StartObject();
  if (!m.rxnorm_code.empty()) {
    w.Key("coding");
    w.StartArray();
    w.StartObject();
    w.Key("system");
    Str(w, engine::kRxNormSystem);
    w.Key("code");
    Str(w, m.rxnorm_code);
    if (!m.rxnorm_display.empty()) {
      w.Key("display");
      Str(w, m.rxnorm_display);
    }
    w.EndObject();
    w.EndArray();
  }
  w.Key("text");
  Str(w, m.text.empty() ? std::string_view("medication") : std::string_view(m.text));
  w.EndObject();
  w.Key("subject");
  w.StartObject();
  w.Key("reference");
  std::string reference = "Patient/";
  reference += request.patient_id;
  Str(w, reference);
  w.EndObject();
  if (!request.encounter_id.empty()) {
    w.Key("encounter");
    w.StartObject();
    w.Key("reference");
    reference = "Encounter/";
    reference += request.encounter_id;
    Str(w, reference);
    w.EndObject();
  }
  w.Key("dosageInstruction");
  w.StartArray();
  w.StartObject();
  if (!m.dosage_text.empty()) {
    w.Key("text");
    Str(w, m.dosage_text);
  }
  const bool has_period = m.period.has_value() && !m.period_unit.empty();
  const bool has_duration = m.infusion_duration.has_value() && !m.infusion_duration_unit.empty();
  if (has_period || has_duration) {
    w.Key("timing");
    w.StartObject();
    w.Key("repeat");
    w.StartObject();
    if (has_duration) {
      w.Key("duration");
      Number(w, *m.infusion_duration);
      w.Key("durationUnit");
      Str(w, m.infusion_duration_unit);
    }
    if (has_period) {
      w.Key("frequency");
      w.Int64(1);
      w.Key("period");
      Number(w, *m.period);
      w.Key("periodUnit");
      Str(w, m.period_unit);
    }
    w.EndObject();
    w.EndObject();
  }
  if (m.route != engine::Route::kUnspecified) {
    const bool iv = m.route == engine::Route::kIntravenous;
    w.Key("route");
    w.StartObject();
    w.Key("coding");
    w.StartArray();
    w.StartObject();
    w.Key("system");
    Str(w, engine::kSnomedSystem);
    w.Key("code");
    Str(w, iv ? kSnomedIvRouteCode : kSnomedOralRouteCode);
    w.Key("display");
    Str(w, iv ? "Intravenous route" : "Oral route");
    w.EndObject();
    w.EndArray();
    w.Key("text");
    Str(w, iv ? "IV" : "PO");
    w.EndObject();
  }
  if (m.dose_value && !m.dose_unit.empty()) {
    w.Key("doseAndRate");
    w.StartArray();
    w.StartObject();
    w.Key("doseQuantity");
    w.StartObject();
    w.Key("value");
    Number(w, *m.dose_value);
    w.Key("unit");
    Str(w, m.dose_unit);
    w.Key("system");
    Str(w, kUcumSystem);
    w.Key("code");
    Str(w, m.dose_unit);
    w.EndObject();
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return out;
}

Card BuildCard(const engine::Finding& f, const RequestContext& request,
               const CardBuilderOptions& options) {
  Card card;
  card.uuid = NextUuid(options);
  card.summary = Summary(f);
  card.detail = Detail(f);
  card.indicator = ToCardIndicator(f.indicator);
  card.source.label = f.meta.citation.label.empty() ? f.meta.title : f.meta.citation.label;
  if (IsAbsoluteUrl(f.meta.citation.url)) card.source.url = f.meta.citation.url;
  if (!options.topic_system.empty() && !f.meta.id.empty()) {
    card.source.topic = Coding{options.topic_system, f.meta.id, f.meta.title};
  }

  const engine::OrderRef& order = f.primary_order();
  for (const engine::Recommendation& r : f.recommendations) {
    Suggestion s;
    s.label = r.label.empty() ? f.meta.title : r.label;
    if (r.cancel_problem_order && order.draft && !order.id.empty()) {
      Action del;
      del.type = ActionType::kDelete;
      del.description = "Remove the draft order for " +
                        (order.display.empty() ? f.problem.drug : order.display) + " (" +
                        order.Reference() + ")";
      del.resource_id = order.Reference();
      s.actions.push_back(std::move(del));
    }
    if (!request.patient_id.empty()) {
      for (const engine::ProposedMedication& m : r.medications) {
        Action create;
        create.type = ActionType::kCreate;
        create.description = "Order " + m.text + ": " + m.dosage_text;
        create.resource_json = BuildMedicationRequestJson(m, request);
        s.actions.push_back(std::move(create));
      }
    }
    if (s.actions.empty()) continue;  // advice only: it is in the detail
    s.uuid = NextUuid(options);
    s.is_recommended = r.recommended;
    card.suggestions.push_back(std::move(s));
  }
  if (!card.suggestions.empty()) card.selection_behavior = SelectionBehavior::kAny;
  for (const Coding& c : options.override_reasons) {
    if (!c.system.empty() && !c.code.empty() && !c.display.empty()) {
      card.override_reasons.push_back(c);
    }
  }
  auto add_link = [&](const engine::Citation& c) {
    if (IsAbsoluteUrl(c.url)) {
      card.links.push_back(Link{c.label.empty() ? c.key : c.label, c.url, LinkType::kAbsolute, ""});
    }
  };
  add_link(f.meta.citation);
  for (const engine::Citation& c : f.meta.further_citations) add_link(c);
  return card;
}

std::vector<Card> BuildCards(std::span<const engine::Finding> findings,
                             const RequestContext& request, const CardBuilderOptions& options) {
  std::vector<Card> cards;
  cards.reserve(findings.size());
  for (const engine::Finding& f : findings) cards.push_back(BuildCard(f, request, options));
  return cards;
}

std::size_t CountCodePoints(std::string_view text) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); i = NextCodePoint(text, i)) ++n;
  return n;
}

std::string TruncateSummary(std::string_view text, std::size_t max_code_points) {
  if (CountCodePoints(text) <= max_code_points) return std::string(text);
  if (max_code_points == 0) return "";
  // Byte offset after the first (max - 1) code points: room for the ellipsis.
  std::size_t end = 0;
  for (std::size_t n = 0; n + 1 < max_code_points && end < text.size(); ++n) {
    end = NextCodePoint(text, end);
  }
  std::size_t cut = end;
  // Prefer a word boundary: the last space at or before `end` (when the next char is a space
  // the whole last word fits).
  if (end < text.size() && text[end] != ' ') {
    std::size_t space = text.rfind(' ', end);
    if (space != std::string_view::npos && space > 0) cut = space;
  }
  std::string out(text.substr(0, cut));
  while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == ';' ||
                          out.back() == ':' || out.back() == '-' || out.back() == '(')) {
    out.pop_back();
  }
  // A lone em dash separator at the end reads badly.
  if (out.ends_with(" \u2014")) out.resize(out.size() - 4);
  out += "\u2026";
  return out;
}

std::string EscapeMarkdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscapedMarkdown(out, text);
  return out;
}

}  // namespace cds::cards
