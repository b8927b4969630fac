// Entry points of the config loader: reads the main document and its
// includes, runs the section parsers in dependency order (providers before
// the models that reference them, policies before the keys that name them)
// and collects every error and warning.
#include "config/config_loader.hpp"
#include "config/exposure.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_reader.hpp"

namespace switchyard::config {
namespace {

using detail::at_index;
using detail::join;
using detail::line_of;
using detail::Need;
using detail::Reader;

struct Document {
  std::string label;  // "" for the main config, the include path otherwise
  YAML::Node root;
};

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

// yaml-cpp throws on syntax errors; this is the one place they are caught.
std::optional<YAML::Node> parse_yaml(const std::string& text, Reader& reader) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    reader.error("document", line, "syntax error: " + e.msg);
    return std::nullopt;
  }
}

// Loads each `include:` entry, relative to `base_dir`. Included files may hold
// only `providers:` and `models:`; they cannot include further files.
std::vector<Document> load_includes(Reader& main, const YAML::Node& root,
                                    const std::string& base_dir, LoadResult& result) {
  std::vector<Document> documents;
  const YAML::Node list = root["include"];
  if (!list.IsDefined() || list.IsNull() || (list.IsSequence() && list.size() == 0)) {
    return documents;
  }
  std::vector<std::string> paths;
  if (!main.read_string_list(root, "", "include", paths)) return documents;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const YAML::Node at = list.IsSequence() ? list[i] : list;
    const std::string path = list.IsSequence() ? at_index("include", i) : "include";
    std::filesystem::path file(paths[i]);
    if (file.is_relative()) file = std::filesystem::path(base_dir) / file;
    std::optional<std::string> text = read_file(file);
    if (!text) {
      main.error(path, at, "cannot read \"" + paths[i] + "\"");
      continue;
    }
    Reader reader(paths[i], result.errors, result.warnings);
    std::optional<YAML::Node> document = parse_yaml(*text, reader);
    if (!document) continue;
    if (document->IsNull()) continue;  // an empty file adds nothing
    if (!document->IsMap()) {
      reader.error("document", *document, "must be a mapping");
      continue;
    }
    reader.check_map(*document, "", {"providers", "models"});
    documents.push_back(Document{paths[i], *document});
  }
  return documents;
}

void parse_key(Reader& reader, const YAML::Node& node, const std::string& path,
               const std::vector<Policy>& policies, Key& key) {
  key.line = line_of(node);
  reader.read_string(node, path, "name", key.name, Need::required);
  std::string hex;
  if (reader.read_string(node, path, "key_sha256", hex, Need::required)) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    bool ok = hex.size() == 64;
    for (std::size_t i = 0; ok && i < 32; ++i) {
      int high = nibble(hex[2 * i]);
      int low = nibble(hex[2 * i + 1]);
      ok = high >= 0 && low >= 0;
      if (ok) key.sha256[i] = static_cast<unsigned char>(high * 16 + low);
    }
    if (!ok) {
      // The text is not echoed: a pasted bearer token must not reach a log.
      reader.error(join(path, "key_sha256"), node["key_sha256"],
                   "must be 64 hexadecimal characters (the SHA-256 of the bearer token)");
      key.sha256 = {};
    }
  }
  if (reader.read_string(node, path, "policy", key.policy) && !key.policy.empty()) {
    bool known = false;
    for (const Policy& policy : policies) known = known || policy.name == key.policy;
    if (!known) {
      reader.error(join(path, "policy"), node["policy"], "unknown policy \"" + key.policy + "\"");
    }
  }
  std::int64_t concurrent = 0;
  if (reader.read_int(node, path, "max_concurrent", concurrent, 1, 1'000'000)) {
    key.max_concurrent = static_cast<std::size_t>(concurrent);
  }
}

}  // namespace

namespace detail {

void parse_keys(Reader& reader, const YAML::Node& list, const std::vector<Policy>& policies,
                std::vector<Key>& out) {
  if (!list.IsDefined() || !reader.check_list(list, "keys") || list.IsNull()) return;
  const std::array<unsigned char, 32> unset{};
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string path = at_index("keys", i);
    if (!reader.check_map(node, path, {"name", "key_sha256", "policy", "max_concurrent"})) continue;
    Key key;
    parse_key(reader, node, path, policies, key);
    bool duplicate = false;
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (!key.name.empty() && out[j].name == key.name) {
        reader.error(join(path, "name"), node["name"],
                     "duplicate key name \"" + key.name + "\", first defined at " +
                         reader.where(out[j].line));
        duplicate = true;
      }
      if (key.sha256 != unset && out[j].sha256 == key.sha256) {
        reader.error(join(path, "key_sha256"), node["key_sha256"],
                     "same hash as key \"" + out[j].name + "\" at " + reader.where(out[j].line));
        duplicate = true;
      }
    }
    if (!duplicate) out.push_back(std::move(key));
  }
}

}  // namespace detail

LoadResult load_config_text(const std::string& yaml, const std::string& base_dir,
                            const EnvLookup& env) {
  LoadResult result;
  EnvLookup lookup = env ? env : [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  Reader main("", result.errors, result.warnings);
  std::optional<YAML::Node> parsed = parse_yaml(yaml, main);
  if (!parsed) return result;
  YAML::Node root = parsed->IsNull() ? YAML::Node(YAML::NodeType::Map) : *parsed;
  if (!root.IsMap()) {
    main.error("document", root, "must be a mapping");
    return result;
  }
  main.check_map(root, "", {"server", "providers", "models", "policies", "keys", "include"});

  try {
    Config config;
    std::vector<Document> includes = load_includes(main, root, base_dir, result);
    // Readers for the included files, made once so messages carry their labels.
    std::vector<Reader> readers;
    for (const Document& document : includes) {
      readers.emplace_back(document.label, result.errors, result.warnings);
    }
    detail::FirstSeen providers_seen;
    detail::parse_providers(main, root["providers"], base_dir, lookup, config.providers,
                            providers_seen);
    for (std::size_t i = 0; i < includes.size(); ++i) {
      detail::parse_providers(readers[i], includes[i].root["providers"], base_dir, lookup,
                              config.providers, providers_seen);
    }
    detail::FirstSeen models_seen;
    detail::parse_models(main, root["models"], config.providers, config.models, models_seen);
    for (std::size_t i = 0; i < includes.size(); ++i) {
      detail::parse_models(readers[i], includes[i].root["models"], config.providers, config.models,
                           models_seen);
    }
    detail::parse_policies(main, root["policies"], config, config.policies);
    detail::parse_keys(main, root["keys"], config.policies, config.keys);
    if (root["server"].IsDefined()) detail::parse_server(main, root["server"], config.server);

    if (config.models.empty()) {
      result.warnings.push_back("models: no models are configured");
    }
    if (config.server.require_key.value_or(false) && config.keys.empty()) {
      result.warnings.push_back(
          "server.require_key: keys are required but none are configured; every request "
          "will be refused");
    }
    ExposureCheck exposure = check_unauthenticated_exposure(config);
    if (!exposure.error.empty()) result.errors.push_back(exposure.error);
    if (!exposure.warning.empty()) result.warnings.push_back(exposure.warning);
    if (result.errors.empty()) result.config = std::move(config);
  } catch (const YAML::Exception& e) {
    // The readers check types before converting, so this is a loader bug;
    // still a message, never a crash.
    main.error("document", e.mark.is_null() ? 0 : e.mark.line + 1,
               "unexpected YAML error: " + e.msg);
  }
  return result;
}

LoadResult load_config_file(const std::string& path, const EnvLookup& env) {
  std::optional<std::string> text = read_file(path);
  if (!text) {
    LoadResult result;
    result.errors.push_back(path + ": cannot read file");
    return result;
  }
  std::filesystem::path base = std::filesystem::path(path).parent_path();
  LoadResult result = load_config_text(*text, base.empty() ? "." : base.string(), env);
  if (result.config) result.config->source_path = path;
  return result;
}

}  // namespace switchyard::config
