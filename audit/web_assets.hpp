// The review page (GET /admin/): index.html, app.js and app.css from audit/web/, embedded in
// the binary at build time (audit/web/embed.cmake), so a deployment has nothing to find at
// start-up and the page cannot drift from the server that serves it.
#pragma once

#include <span>
#include <string_view>

namespace cds::audit {

struct EmbeddedFile {
  std::string_view name;  // "app.js"
  std::string_view body;
};

/// Every embedded file.
[[nodiscard]] std::span<const EmbeddedFile> EmbeddedWebFiles();

struct WebAsset {
  std::string_view body;
  std::string_view content_type;  // with charset
};

/// The asset named `name` ("index.html", "app.js", "app.css"), or nullptr.
[[nodiscard]] const WebAsset* FindWebAsset(std::string_view name);

}  // namespace cds::audit
