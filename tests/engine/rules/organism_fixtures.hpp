// The organism classification the terminology would give, for hand-built snapshots in the
// rule tests of every group.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "engine/terminology/terminology.hpp"

namespace cds::engine::rules::fixtures {

inline OrganismClass Organism(std::string id, std::string name,
                              std::initializer_list<OrganismGroup> groups) {
  OrganismClass o;
  o.id = std::move(id);
  o.canonical_name = std::move(name);
  o.groups = OrganismGroupSet(groups);
  o.source = MatchSource::kCode;
  return o;
}

}  // namespace cds::engine::rules::fixtures
