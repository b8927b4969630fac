// The `models:` and `policies:` sections: the catalog of models with their
// endpoints and prices, and the provenance rules keys are held to.
#include "config/config_reader.hpp"

namespace switchyard::config::detail {
namespace {

constexpr std::int64_t kMaxTokens = 100'000'000;

std::optional<std::size_t> find_provider(const std::vector<Provider>& providers,
                                         std::string_view name) {
  for (std::size_t i = 0; i < providers.size(); ++i) {
    if (providers[i].name == name) return i;
  }
  return std::nullopt;
}

void parse_price(Reader& reader, const YAML::Node& map, const std::string& path, Price& price) {
  if (!reader.require(map, path, "price")) return;
  const YAML::Node node = map["price"];
  const std::string field = join(path, "price");
  if (!reader.check_map(node, field, {"prompt", "completion", "cached_prompt", "cache_write"}))
    return;
  reader.read_price(node, field, "prompt", price.prompt, Need::required);
  reader.read_price(node, field, "completion", price.completion, Need::required);
  price.cached_prompt = price.prompt;
  reader.read_price(node, field, "cached_prompt", price.cached_prompt);
  Picousd cache_write = 0;
  if (reader.read_price(node, field, "cache_write", cache_write)) price.cache_write = cache_write;
}

void parse_endpoints(Reader& reader, const YAML::Node& map, const std::string& path,
                     const std::vector<Provider>& providers, Model& model) {
  if (!reader.require(map, path, "endpoints")) return;
  const YAML::Node list = map["endpoints"];
  const std::string list_path = join(path, "endpoints");
  if (!list.IsSequence()) {
    reader.error(list_path, list, "must be a list");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string item = at_index(list_path, i);
    if (!reader.check_map(
            node, item,
            {"provider", "upstream_model", "price", "quantization", "context_length"})) {
      continue;
    }
    Endpoint endpoint;
    if (reader.read_string(node, item, "provider", endpoint.provider, Need::required)) {
      if (auto index = find_provider(providers, endpoint.provider)) {
        endpoint.provider_index = *index;
      } else {
        reader.error(join(item, "provider"), node["provider"],
                     "unknown provider \"" + endpoint.provider + "\"");
      }
      for (const Endpoint& earlier : model.endpoints) {
        // Endpoint state is keyed "model@provider": two would share one circuit.
        if (earlier.provider == endpoint.provider) {
          reader.error(join(item, "provider"), node["provider"],
                       "model already has an endpoint on provider \"" + endpoint.provider + "\"");
        }
      }
    }
    // A self-hosted model is usually served under the name after the '/'.
    if (!reader.read_string(node, item, "upstream_model", endpoint.upstream_model)) {
      endpoint.upstream_model = model.id.substr(model.id.rfind('/') + 1);
    }
    // A local server costs nothing per token unless the operator amortises
    // hardware into a price; a remote one must say what it charges.
    bool local = endpoint.provider_index < providers.size() &&
                 providers[endpoint.provider_index].location == HostingLocation::local &&
                 find_provider(providers, endpoint.provider).has_value();
    if (!local || node["price"].IsDefined()) parse_price(reader, node, item, endpoint.price);
    reader.read_string(node, item, "quantization", endpoint.quantization);
    std::int64_t context = 0;
    if (reader.read_int(node, item, "context_length", context, 1, kMaxTokens)) {
      endpoint.context_length = context;
    }
    model.endpoints.push_back(std::move(endpoint));
  }
}

constexpr std::string_view kUnknown = "unknown";

// Fills what the entry left unset from the first of its providers with
// model_defaults, then with "unknown": a self-hosted model may be written as
// only an id and its endpoints. Records where the facts came from.
void apply_provider_defaults(const std::vector<Provider>& providers, bool weights_set,
                             Model& model) {
  const ModelDefaults* defaults = nullptr;
  for (const Endpoint& endpoint : model.endpoints) {
    if (endpoint.provider_index < providers.size()) {
      defaults = &providers[endpoint.provider_index].model_defaults;
      break;
    }
  }
  bool from_default = false;
  bool unknown = false;
  auto fill = [&](std::string& field, const std::string* fallback) {
    if (!field.empty()) {
      unknown = unknown || field == kUnknown;
      return;
    }
    if (fallback != nullptr && !fallback->empty()) {
      field = *fallback;
      from_default = true;
    } else {
      field = std::string(kUnknown);
      unknown = true;
    }
  };
  fill(model.family, defaults ? &defaults->family : nullptr);
  fill(model.author, defaults ? &defaults->author : nullptr);
  fill(model.origin, defaults ? &defaults->origin : nullptr);
  fill(model.license, defaults ? &defaults->license : nullptr);
  if (!weights_set) {
    bool defaulted = defaults != nullptr && defaults->weights.has_value();
    model.weights = defaulted ? *defaults->weights : Weights::unknown;
    from_default = from_default || defaulted;
  }
  unknown = unknown || model.weights == Weights::unknown;
  if (model.context_length == 0 && defaults) model.context_length = defaults->context_length;
  if (unknown) {
    model.provenance_source = "unknown";
  } else if (from_default) {
    model.provenance_source = "provider_default";
  }
}

// "PREFIX/*" is the only place a '*' may stand; a wildcard has no aliases and
// sends the requested name upstream, so its endpoints name no upstream model.
void check_wildcard(Reader& reader, const YAML::Node& node, const std::string& path,
                    const Model& model) {
  std::size_t star = model.id.find('*');
  if (star == std::string::npos) return;
  if (!model.is_wildcard() || star != model.id.size() - 1) {
    reader.error(join(path, "id"), node["id"],
                 "'*' may only end a wildcard id written PREFIX/* (e.g. ollama/*)");
    return;
  }
  if (node["aliases"].IsDefined()) {
    reader.error(join(path, "aliases"), node["aliases"], "a wildcard entry takes no aliases");
  }
  const YAML::Node endpoints = node["endpoints"];
  for (std::size_t i = 0; endpoints.IsSequence() && i < endpoints.size(); ++i) {
    if (!endpoints[i].IsMap() || !endpoints[i]["upstream_model"].IsDefined()) continue;
    reader.error(join(at_index(join(path, "endpoints"), i), "upstream_model"),
                 endpoints[i]["upstream_model"],
                 "a wildcard entry sends the requested name upstream: leave upstream_model out");
  }
}

void parse_model(Reader& reader, const YAML::Node& node, const std::string& path,
                 const std::vector<Provider>& providers, Model& model) {
  reader.read_string(node, path, "id", model.id, Need::required);
  model.name = model.id;
  reader.read_string(node, path, "name", model.name);
  reader.read_string_list(node, path, "aliases", model.aliases);
  reader.read_string(node, path, "family", model.family);
  reader.read_string(node, path, "author", model.author);
  if (reader.read_string(node, path, "origin", model.origin) && model.origin != kUnknown &&
      !valid_country_code(model.origin)) {
    reader.error(join(path, "origin"), node["origin"], kCountryCodeMessage);
  }
  bool weights_set = reader.read_enum(
      node, path, "weights", model.weights,
      {{"open", Weights::open}, {"closed", Weights::closed}, {"unknown", Weights::unknown}});
  reader.read_string(node, path, "license", model.license);
  reader.read_int(node, path, "context_length", model.context_length, 1, kMaxTokens);
  reader.read_int(node, path, "max_output_tokens", model.max_output_tokens, 1, kMaxTokens);
  check_wildcard(reader, node, path, model);
  parse_endpoints(reader, node, path, providers, model);
  apply_provider_defaults(providers, weights_set, model);
}

// Reports names in a rule that match nothing configured: a typo in a deny
// rule would otherwise silently let traffic through.
void check_known_names(Reader& reader, const YAML::Node& node, const std::string& field,
                       const std::vector<std::string>& names, std::string_view kind,
                       const auto& exists) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (exists(names[i])) continue;
    const YAML::Node at = node.IsSequence() ? node[i] : node;
    std::string path = node.IsSequence() ? at_index(field, i) : field;
    reader.error(path, at, "unknown " + std::string(kind) + " \"" + names[i] + "\"");
  }
}

void parse_rule(Reader& reader, const YAML::Node& node, const std::string& path,
                const Config& config, Rule& rule) {
  rule.line = line_of(node);
  reader.read_string_list(node, path, "origin", rule.origin);
  for (std::size_t i = 0; i < rule.origin.size(); ++i) {
    // `unknown` names the models whose origin nothing states.
    if (valid_country_code(rule.origin[i]) || rule.origin[i] == kUnknown) continue;
    const YAML::Node field = node["origin"];
    bool list = field.IsSequence();
    reader.error(list ? at_index(join(path, "origin"), i) : join(path, "origin"),
                 list ? field[i] : field, kCountryCodeMessage);
  }
  reader.read_string_list(node, path, "family", rule.family);
  reader.read_string_list(node, path, "author", rule.author);
  reader.read_string_list(node, path, "license", rule.license);
  reader.read_string_list(node, path, "jurisdiction", rule.jurisdiction);
  if (reader.read_string_list(node, path, "model", rule.model)) {
    check_known_names(reader, node["model"], join(path, "model"), rule.model, "model",
                      [&](const std::string& id) {
                        for (const Model& model : config.models) {
                          if (model.id == id) return true;
                        }
                        return false;
                      });
  }
  if (reader.read_string_list(node, path, "provider", rule.provider)) {
    check_known_names(
        reader, node["provider"], join(path, "provider"), rule.provider, "provider",
        [&](const std::string& name) { return find_provider(config.providers, name).has_value(); });
  }
  Weights weights{};
  if (reader.read_enum(
          node, path, "weights", weights,
          {{"open", Weights::open}, {"closed", Weights::closed}, {"unknown", Weights::unknown}})) {
    rule.weights = weights;
  }
  HostingLocation hosting{};
  if (reader.read_enum(node, path, "hosting", hosting,
                       {{"local", HostingLocation::local}, {"remote", HostingLocation::remote}})) {
    rule.hosting = hosting;
  }
  bool flag = false;
  if (reader.read_bool(node, path, "retains_prompts", flag)) rule.retains_prompts = flag;
  if (reader.read_bool(node, path, "trains_on_prompts", flag)) rule.trains_on_prompts = flag;
}

void parse_rules(Reader& reader, const YAML::Node& map, const std::string& path, const char* key,
                 const Config& config, std::vector<Rule>& out) {
  const YAML::Node list = map[key];
  if (!list.IsDefined()) return;
  const std::string list_path = join(path, key);
  if (!list.IsSequence()) {
    reader.error(list_path, list, "must be a list of rules");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string item = at_index(list_path, i);
    if (!reader.check_map(
            node, item,
            {"origin", "family", "author", "license", "jurisdiction", "model", "provider",
             "weights", "hosting", "retains_prompts", "trains_on_prompts"})) {
      continue;
    }
    if (node.size() == 0) {
      // A rule is a conjunction of its conditions; with none it matches every
      // candidate, which in a deny list blocks everything and in an allow
      // list permits everything. Neither is what someone meant.
      reader.error(item, node, "empty rule would match everything");
      continue;
    }
    Rule rule;
    parse_rule(reader, node, item, config, rule);
    out.push_back(std::move(rule));
  }
}

void parse_max_price(Reader& reader, const YAML::Node& map, const std::string& path,
                     Policy& policy) {
  const YAML::Node node = map["max_price"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "max_price");
  if (!reader.check_map(node, field, {"prompt", "completion"})) return;
  Picousd price = 0;
  if (reader.read_price(node, field, "prompt", price)) policy.max_prompt_price = price;
  if (reader.read_price(node, field, "completion", price)) policy.max_completion_price = price;
}

// Ids and aliases share one namespace: a name must lead to one model only.
void claim_aliases(Reader& reader, const YAML::Node& node, const std::string& path, Model& model,
                   FirstSeen& seen) {
  std::vector<std::string> kept;
  const YAML::Node list = node["aliases"];
  for (std::size_t i = 0; i < model.aliases.size(); ++i) {
    const std::string& alias = model.aliases[i];
    const YAML::Node at = list.IsSequence() ? list[i] : list;
    const std::string where =
        list.IsSequence() ? at_index(join(path, "aliases"), i) : join(path, "aliases");
    if (alias.empty()) {
      reader.error(where, at, "alias must not be empty");
      continue;
    }
    auto [it, inserted] = seen.emplace(alias, reader.where(line_of(at)));
    if (!inserted) {
      reader.error(where, at,
                   "alias \"" + alias + "\" already names a model, first defined at " + it->second);
      continue;
    }
    kept.push_back(alias);
  }
  model.aliases = std::move(kept);
}

}  // namespace

void parse_models(Reader& reader, const YAML::Node& list, const std::vector<Provider>& providers,
                  std::vector<Model>& out, FirstSeen& seen) {
  if (!list.IsDefined() || !reader.check_list(list, "models") || list.IsNull()) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string path = at_index("models", i);
    if (!reader.check_map(node, path,
                          {"id", "aliases", "name", "family", "author", "origin", "weights",
                           "license", "context_length", "max_output_tokens", "endpoints"})) {
      continue;
    }
    Model model;
    parse_model(reader, node, path, providers, model);
    if (model.id.empty()) continue;
    auto [it, inserted] = seen.emplace(model.id, reader.where(line_of(node)));
    if (!inserted) {
      reader.error(join(path, "id"), node["id"],
                   "duplicate model id \"" + model.id + "\", first defined at " + it->second);
      continue;
    }
    claim_aliases(reader, node, path, model, seen);
    out.push_back(std::move(model));
  }
}

void parse_policies(Reader& reader, const YAML::Node& list, const Config& config,
                    std::vector<Policy>& out) {
  if (!list.IsDefined() || !reader.check_list(list, "policies") || list.IsNull()) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string path = at_index("policies", i);
    if (!reader.check_map(node, path, {"name", "allow", "deny", "max_price"})) continue;
    Policy policy;
    policy.line = line_of(node);
    reader.read_string(node, path, "name", policy.name, Need::required);
    parse_rules(reader, node, path, "allow", config, policy.allow);
    parse_rules(reader, node, path, "deny", config, policy.deny);
    parse_max_price(reader, node, path, policy);
    if (policy.name.empty()) continue;
    bool duplicate = false;
    for (const Policy& earlier : out) {
      if (earlier.name != policy.name) continue;
      reader.error(join(path, "name"), node["name"],
                   "duplicate policy name \"" + policy.name + "\", first defined at " +
                       reader.where(earlier.line));
      duplicate = true;
    }
    if (!duplicate) out.push_back(std::move(policy));
  }
}

}  // namespace switchyard::config::detail
