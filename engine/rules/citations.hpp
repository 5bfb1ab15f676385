// The guideline and label citations of clinical-rules.md §1, with the absolute URLs cards link
// to. Keys are the §1 short keys ("IDSA24", "TYGACIL", ...).
//
// URLs: clinical-rules.md gives no URLs, so these were chosen as stable landing pages: the DOI
// of each journal article, IDSA's own guidance page, the DailyMed label search for US labels
// (labels are revised and re-numbered; the search stays valid) and the GOV.UK Drug Safety
// Update page. Review them with the clinical owner before release.
#pragma once

#include <span>
#include <string_view>

#include "engine/rule.hpp"

namespace cds::engine::rules {

/// Every known citation, in §1 order.
[[nodiscard]] std::span<const Citation> AllCitations();

/// The citation for `key`. Unknown keys yield {key, key, ""} (no link is rendered then); the
/// test suite checks that every rule uses known keys.
[[nodiscard]] Citation Cite(std::string_view key);

}  // namespace cds::engine::rules
