// The CDS Hooks 2.0 response model (spec §5): cards, suggestions, actions, links.
// Built only from engine findings (cards/ builders) and rendered by response_json.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cds::cards {

enum class Indicator { kInfo, kWarning, kCritical };
enum class SelectionBehavior { kAtMostOne, kAny };
enum class ActionType { kCreate, kUpdate, kDelete };
enum class LinkType { kAbsolute, kSmart };

/// CDS Hooks' own trimmed Coding: system and code required, display required in overrideReasons.
struct Coding {
  std::string system;
  std::string code;
  std::string display;

  friend bool operator==(const Coding&, const Coding&) = default;
};

struct Source {
  std::string label;            // required
  std::string url;              // optional absolute URL
  std::string icon;             // optional absolute URL
  std::optional<Coding> topic;  // optional

  friend bool operator==(const Source&, const Source&) = default;
};

struct Action {
  ActionType type = ActionType::kCreate;
  std::string description;    // required
  std::string resource_json;  // create/update: the complete FHIR resource, serialised JSON
  std::string resource_id;    // delete: relative reference `Type/id`

  friend bool operator==(const Action&, const Action&) = default;
};

struct Suggestion {
  std::string label;  // required
  std::string uuid;
  std::optional<bool> is_recommended;
  std::vector<Action> actions;

  friend bool operator==(const Suggestion&, const Suggestion&) = default;
};

struct Link {
  std::string label;
  std::string url;
  LinkType type = LinkType::kAbsolute;
  std::string app_context;  // only with kSmart

  friend bool operator==(const Link&, const Link&) = default;
};

struct Card {
  std::string uuid;
  std::string summary;  // required, under 140 characters
  std::string detail;   // GitHub-flavoured Markdown
  Indicator indicator = Indicator::kInfo;
  Source source;
  std::vector<Suggestion> suggestions;
  std::optional<SelectionBehavior> selection_behavior;  // required when suggestions exist
  std::vector<Coding> override_reasons;
  std::vector<Link> links;

  friend bool operator==(const Card&, const Card&) = default;
};

}  // namespace cds::cards
