#include "audit/web_assets.hpp"

#include <map>
#include <string>

namespace cds::audit {
namespace {

std::string_view ContentType(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

const WebAsset* FindWebAsset(std::string_view name) {
  static const std::map<std::string, WebAsset, std::less<>> kAssets = [] {
    std::map<std::string, WebAsset, std::less<>> assets;
    for (const EmbeddedFile& file : EmbeddedWebFiles()) {
      assets.emplace(std::string(file.name), WebAsset{file.body, ContentType(file.name)});
    }
    return assets;
  }();
  const auto it = kAssets.find(name);
  return it == kAssets.end() ? nullptr : &it->second;
}

}  // namespace cds::audit
