// The `providers:` section: where requests go, how they are authenticated,
// where inference runs and what the provider does with prompts.
#include <filesystem>

#include "config/config_reader.hpp"

namespace switchyard::config::detail {
namespace {

constexpr std::string_view kFlavors[] = {"vllm",      "llamacpp", "ollama",    "sglang", "openai",
                                         "anthropic", "deepseek", "dashscope", "gemini", "generic"};

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The health-check path is absolute from the host root, not relative to the
// base URL's path: Ollama's OpenAI-compatible API lives under /v1 while its
// liveness route is /api/version, and vLLM and llama.cpp serve /health at the
// root beside /v1. Servers without a dedicated route (SGLang, generic
// OpenAI-compatible hosts, remote APIs) are probed with GET <base>/models.
std::string default_health_path(const Provider& provider) {
  if (provider.flavor == "vllm" || provider.flavor == "llamacpp") return "/health";
  if (provider.flavor == "ollama") return "/api/version";
  return provider.url.base_path + "/models";
}

void read_hosting(Reader& reader, const YAML::Node& map, const std::string& path,
                  Provider& provider) {
  const YAML::Node node = map["hosting"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "hosting");
  if (!reader.check_map(node, field, {"location", "jurisdiction"})) return;
  reader.read_enum(node, field, "location", provider.location,
                   {{"local", HostingLocation::local}, {"remote", HostingLocation::remote}});
  reader.read_string(node, field, "jurisdiction", provider.jurisdiction);
}

void read_data_policy(Reader& reader, const YAML::Node& map, const std::string& path,
                      Provider& provider) {
  const YAML::Node node = map["data_policy"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "data_policy");
  if (!reader.check_map(node, field, {"retains_prompts", "trains_on_prompts"})) return;
  reader.read_bool(node, field, "retains_prompts", provider.data_policy.retains_prompts);
  reader.read_bool(node, field, "trains_on_prompts", provider.data_policy.trains_on_prompts);
}

// Returns whether `enabled` was written, so the local/remote default applies otherwise.
bool read_health(Reader& reader, const YAML::Node& map, const std::string& path,
                 Provider& provider) {
  const YAML::Node node = map["health"];
  if (!node.IsDefined()) return false;
  const std::string field = join(path, "health");
  if (!reader.check_map(node, field, {"enabled", "path", "interval", "timeout"})) return false;
  bool enabled_written = reader.read_bool(node, field, "enabled", provider.health.enabled);
  std::string health_path;
  if (reader.read_string(node, field, "path", health_path)) {
    if (health_path.empty() || health_path.front() != '/') {
      reader.error(join(field, "path"), node["path"], "must start with /");
    } else {
      provider.health.path = health_path;
    }
  }
  reader.read_duration(node, field, "interval", provider.health.interval);
  reader.read_duration(node, field, "timeout", provider.health.timeout);
  return enabled_written;
}

void read_timeouts(Reader& reader, const YAML::Node& map, const std::string& path,
                   Provider& provider) {
  const YAML::Node node = map["timeouts"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "timeouts");
  if (!reader.check_map(node, field, {"connect", "first_byte", "response", "between_chunks"}))
    return;
  reader.read_duration(node, field, "connect", provider.timeouts.connect);
  reader.read_duration(node, field, "first_byte", provider.timeouts.first_byte);
  config::Millis response{0};
  if (reader.read_duration(node, field, "response", response))
    provider.timeouts.response = response;
  reader.read_duration(node, field, "between_chunks", provider.timeouts.between_chunks);
}

// Resolves the API key from the environment. A missing key disables the
// provider with a warning rather than failing the load: a gateway with only
// local models must start without any cloud key. The key itself never
// reaches a message.
void resolve_api_key(Reader& reader, const YAML::Node& map, const std::string& path,
                     const EnvLookup& env, Provider& provider) {
  if (!reader.read_string(map, path, "api_key_env", provider.api_key_env)) return;
  const std::string field = join(path, "api_key_env");
  if (!valid_env_name(provider.api_key_env)) {
    reader.error(field, map["api_key_env"], "must be an environment variable name");
    return;
  }
  std::optional<std::string> value = env(provider.api_key_env);
  if (value && !value->empty()) {
    provider.api_key = std::move(*value);
    return;
  }
  provider.enabled = false;
  provider.disabled_reason = "environment variable " + provider.api_key_env + " is not set";
  reader.warn(field, line_of(map["api_key_env"]),
              provider.disabled_reason + "; provider \"" + provider.name + "\" is disabled");
}

void parse_provider(Reader& reader, const YAML::Node& node, const std::string& path,
                    const std::string& base_dir, const EnvLookup& env, Provider& provider) {
  provider.line = line_of(node);
  reader.read_string(node, path, "name", provider.name, Need::required);
  reader.read_enum(node, path, "kind", provider.kind,
                   {{"openai", ProviderKind::openai}, {"anthropic", ProviderKind::anthropic}});
  provider.flavor = provider.kind == ProviderKind::anthropic ? "anthropic" : "generic";
  std::string flavor;
  if (reader.read_string(node, path, "flavor", flavor)) {
    bool known = false;
    for (std::string_view candidate : kFlavors) known = known || candidate == flavor;
    if (known) {
      provider.flavor = flavor;
    } else {
      reader.error(join(path, "flavor"), node["flavor"],
                   "must be one of vllm, llamacpp, ollama, sglang, openai, anthropic, deepseek, "
                   "dashscope, gemini, generic");
    }
  }
  if (reader.read_string(node, path, "base_url", provider.base_url, Need::required)) {
    std::string url_error;
    if (!parse_base_url(provider.base_url, provider.url, url_error)) {
      reader.error(join(path, "base_url"), node["base_url"], url_error);
    } else if (provider.kind == ProviderKind::anthropic && provider.url.base_path.empty()) {
      // The Anthropic SDKs take the bare host (https://api.anthropic.com)
      // and add /v1 themselves; accept the same spelling here.
      provider.url.base_path = "/v1";
    }
  }
  read_hosting(reader, node, path, provider);
  read_data_policy(reader, node, path, provider);
  read_model_defaults(reader, node, path, provider);
  if (reader.read_string(node, path, "ca_file", provider.ca_file) && !provider.ca_file.empty()) {
    std::filesystem::path ca_path(provider.ca_file);
    if (ca_path.is_relative()) ca_path = std::filesystem::path(base_dir) / ca_path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(ca_path, ec)) {
      reader.error(join(path, "ca_file"), node["ca_file"],
                   "cannot read \"" + provider.ca_file + "\"");
    }
    provider.ca_file = ca_path.string();
  }
  reader.read_string(node, path, "anthropic_version", provider.anthropic_version);
  bool health_enabled_written = read_health(reader, node, path, provider);
  read_timeouts(reader, node, path, provider);
  std::int64_t max_connections = 0;
  if (reader.read_int(node, path, "max_connections", max_connections, 1, 100'000)) {
    provider.max_connections = static_cast<std::size_t>(max_connections);
  }
  reader.read_duration(node, path, "pool_idle", provider.pool_idle);
  std::int64_t max_queued = 0;
  if (reader.read_int(node, path, "max_queued", max_queued, 0, 1'000'000)) {
    provider.max_queued = static_cast<std::size_t>(max_queued);
  }
  reader.read_duration(node, path, "queue_timeout", provider.queue_timeout);

  if (!health_enabled_written)
    provider.health.enabled = provider.location == HostingLocation::local;
  if (provider.health.path.empty()) provider.health.path = default_health_path(provider);
  // Last: the warning names the provider.
  resolve_api_key(reader, node, path, env, provider);
}

}  // namespace

void parse_providers(Reader& reader, const YAML::Node& list, const std::string& base_dir,
                     const EnvLookup& env, std::vector<Provider>& out, FirstSeen& seen) {
  if (!list.IsDefined() || !reader.check_list(list, "providers") || list.IsNull()) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string path = at_index("providers", i);
    if (!reader.check_map(
            node, path,
            {"name", "kind", "flavor", "base_url", "api_key_env", "hosting", "data_policy",
             "ca_file", "anthropic_version", "health", "timeouts", "max_connections", "pool_idle",
             "max_queued", "queue_timeout", "model_defaults"})) {
      continue;
    }
    Provider provider;
    parse_provider(reader, node, path, base_dir, env, provider);
    if (provider.name.empty()) continue;
    auto [it, inserted] = seen.emplace(provider.name, reader.where(provider.line));
    if (!inserted) {
      reader.error(
          join(path, "name"), node["name"],
          "duplicate provider name \"" + provider.name + "\", first defined at " + it->second);
      continue;
    }
    out.push_back(std::move(provider));
  }
}

}  // namespace switchyard::config::detail
