// A provider's `model_defaults:`: the provenance of the models it serves that
// do not state their own, so a self-hosted model's entry can be only an id and
// its endpoints, and a wildcard entry (`ollama/*`) has facts to route and
// account by.
#include "config/config_reader.hpp"

namespace switchyard::config::detail {

constexpr std::int64_t kMaxContextTokens = 100'000'000;

bool valid_country_code(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

void read_model_defaults(Reader& reader, const YAML::Node& map, const std::string& path,
                         Provider& provider) {
  const YAML::Node node = map["model_defaults"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "model_defaults");
  if (!reader.check_map(node, field,
                        {"family", "author", "origin", "weights", "license", "context_length"})) {
    return;
  }
  ModelDefaults& defaults = provider.model_defaults;
  reader.read_string(node, field, "family", defaults.family);
  reader.read_string(node, field, "author", defaults.author);
  if (reader.read_string(node, field, "origin", defaults.origin) &&
      !valid_country_code(defaults.origin)) {
    reader.error(join(field, "origin"), node["origin"], kCountryCodeMessage);
    defaults.origin.clear();
  }
  Weights weights{};
  if (reader.read_enum(node, field, "weights", weights,
                       {{"open", Weights::open}, {"closed", Weights::closed}})) {
    defaults.weights = weights;
  }
  reader.read_string(node, field, "license", defaults.license);
  reader.read_int(node, field, "context_length", defaults.context_length, 1, kMaxContextTokens);
}

}  // namespace switchyard::config::detail
