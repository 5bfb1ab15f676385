// Test helper: checks a rendered CDS Hooks response against conformance points 16-22 of
// /work/shared/docs/cds-hooks-spec.md §13. Link `cds_test_conformance` from any test target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cds::testing {

/// Every violation found in `json`, each prefixed with its JSON path, e.g.
/// "$.cards[0].summary: 141 characters (must be < 140)". Empty = conformant. Checks:
/// 16 summary (non-empty, < 140 code points), indicator enum, source.label (topic, if present,
///    has system + code);
/// 17 suggestions => selectionBehavior in {at-most-one, any}; at-most-one => <= 1
///    isRecommended; every suggestion has a label;
/// 18 every action (also in systemActions) has type in {create, update, delete} and a
///    description; create/update carry `resource` with resourceType; delete carries resourceId
///    "Type/id" and no resource;
/// 19 overrideReasons Codings have system, code and display;
/// 20 links have label, absolute url (or any url for smart), type in {absolute, smart};
///    appContext only on smart;
/// 21 card and suggestion uuids are well-formed (8-4-4-4-12 hex) and unique in the response;
/// 22 no null, "", [] or {} anywhere except `cards: []`.
[[nodiscard]] std::vector<std::string> ConformanceViolations(std::string_view json);

/// EXPECTs that `json` has no violations (each violation is reported as a failure).
void ExpectConformantResponse(std::string_view json);

}  // namespace cds::testing
