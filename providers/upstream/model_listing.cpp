#include "providers/upstream/model_listing.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace switchyard::providers {

namespace json = boost::json;

namespace {

// The string fields `names` of each object in `list`, deduplicated later.
void collect(const json::array& list, std::initializer_list<std::string_view> names,
             std::vector<std::string>& out) {
  for (const json::value& item : list) {
    const json::object* object = item.if_object();
    if (object == nullptr) continue;
    for (std::string_view name : names) {
      const json::value* field = object->if_contains(name);
      if (field != nullptr && field->is_string()) out.emplace_back(field->as_string());
    }
  }
}

}  // namespace

std::optional<std::string> model_list_path(const config::Provider& provider) {
  if (provider.kind != config::ProviderKind::openai) return std::nullopt;
  if (provider.flavor == "ollama") return "/api/tags";
  if (provider.flavor == "vllm") return provider.url.base_path + "/models";
  return std::nullopt;
}

std::optional<std::vector<std::string>> parse_model_listing(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object& root = parsed.get_object();
  std::vector<std::string> names;
  if (const json::value* models = root.if_contains("models"); models && models->is_array()) {
    collect(models->get_array(), {"name", "model"}, names);
  } else if (const json::value* data = root.if_contains("data"); data && data->is_array()) {
    collect(data->get_array(), {"id"}, names);
  } else {
    return std::nullopt;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool listing_serves(const std::vector<std::string>& listed, std::string_view upstream_model) {
  auto has = [&](std::string_view name) {
    return std::find(listed.begin(), listed.end(), name) != listed.end();
  };
  if (has(upstream_model)) return true;
  if (upstream_model.find(':') != std::string_view::npos) return false;
  std::string tagged(upstream_model);
  tagged.append(":latest");
  return has(tagged);
}

}  // namespace switchyard::providers
