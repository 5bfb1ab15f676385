// Serialises a CDS Hooks response `{"cards": [...]}` following the wire rules of the spec:
// optional fields without a value are omitted (no null, "", [] or {} except `cards: []`).
#pragma once

#include <string>
#include <vector>

#include "cards/card.hpp"

namespace cds::cards {

/// Renders the response body for a service call. `resource_json` of actions must be a complete,
/// valid JSON object (it is embedded verbatim).
[[nodiscard]] std::string RenderCardsResponse(const std::vector<Card>& cards);

}  // namespace cds::cards
