#pragma once
// Internal to the config loader: typed, strict access to yaml-cpp nodes that
// collects every problem as "<file: ><yaml path>: <message> (line N)" instead
// of throwing. Not part of the public API; include config_loader.hpp instead.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/config_loader.hpp"

namespace switchyard::config::detail {

enum class Need { optional, required };

// "models" + 3 -> "models[3]"; "models[3]" + "price" -> "models[3].price".
std::string join(std::string_view path, std::string_view key);
std::string at_index(std::string_view path, std::size_t index);

// 1-based line of a node, 0 when it has none (absent nodes).
int line_of(const YAML::Node& node);

// Accepts only true/false (any case): YAML 1.1's yes/no/on/off are the kind
// of accident ("NO" for Norway) a strict loader should not guess about.
bool parse_bool(std::string_view text, bool& out);

class Reader {
 public:
  // `file_label` is empty for the main config and the include path otherwise.
  Reader(std::string file_label, std::vector<std::string>& errors,
         std::vector<std::string>& warnings)
      : file_label_(std::move(file_label)), errors_(errors), warnings_(warnings) {}

  const std::string& file_label() const { return file_label_; }
  void error(std::string_view path, int line, std::string_view message);
  void error(std::string_view path, const YAML::Node& at, std::string_view message) {
    error(path, line_of(at), message);
  }
  void warn(std::string_view path, int line, std::string_view message);
  std::size_t error_count() const { return errors_.size(); }
  // "line 12" in this file, or "catalog.yaml line 12" for an included one.
  std::string where(int line) const;

  // Reports (and returns false) when `node` is not a mapping; reports each
  // key not in `allowed`, each repeated key and each non-string key.
  bool check_map(const YAML::Node& node, std::string_view path,
                 std::initializer_list<std::string_view> allowed);
  // Reports (and returns false) when `node` is neither a sequence nor null.
  bool check_list(const YAML::Node& node, std::string_view path);

  // Typed readers for `map[key]`. Each does nothing when the key is absent
  // (reporting "is required" when `need` says so), reports a wrong type or
  // value, leaves `out` untouched on any problem, and returns whether it
  // assigned `out`. Required strings must also be non-empty.
  bool read_string(const YAML::Node& map, std::string_view path, const char* key, std::string& out,
                   Need need = Need::optional);
  bool read_bool(const YAML::Node& map, std::string_view path, const char* key, bool& out);
  bool read_int(const YAML::Node& map, std::string_view path, const char* key, std::int64_t& out,
                std::int64_t min, std::int64_t max, Need need = Need::optional);
  bool read_double(const YAML::Node& map, std::string_view path, const char* key, double& out,
                   double min, double max);
  bool read_duration(const YAML::Node& map, std::string_view path, const char* key, Millis& out);
  bool read_bytes(const YAML::Node& map, std::string_view path, const char* key, std::uint64_t& out,
                  std::uint64_t min);
  // Prices come from the scalar's text, never through a float, so "0.55" is exact.
  bool read_price(const YAML::Node& map, std::string_view path, const char* key, Picousd& out,
                  Need need = Need::optional);
  // A string or a non-empty list of strings.
  bool read_string_list(const YAML::Node& map, std::string_view path, const char* key,
                        std::vector<std::string>& out);

  template <class Enum>
  bool read_enum(const YAML::Node& map, std::string_view path, const char* key, Enum& out,
                 std::initializer_list<std::pair<std::string_view, Enum>> names,
                 Need need = Need::optional) {
    std::string text;
    if (!read_string(map, path, key, text, need)) return false;
    for (const auto& [name, value] : names) {
      if (name == text) {
        out = value;
        return true;
      }
    }
    std::string message = "must be one of ";
    bool first = true;
    for (const auto& entry : names) {
      if (!first) message += ", ";
      message += entry.first;
      first = false;
    }
    error(join(path, key), map[key], message);
    return false;
  }

  // Requires `map[key]` to be present; reports "is required" at the map's line.
  bool require(const YAML::Node& map, std::string_view path, const char* key);

 private:
  std::string format(std::string_view path, int line, std::string_view message) const;

  std::string file_label_;
  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
};

// Where each name was first defined, to report duplicates across files.
using FirstSeen = std::unordered_map<std::string, std::string>;

// Section parsers. Each appends to `out` and reports through `reader`; the
// `path` is the section's own YAML path ("providers", "models", ...).
void parse_providers(Reader& reader, const YAML::Node& list, const std::string& base_dir,
                     const EnvLookup& env, std::vector<Provider>& out, FirstSeen& seen);
void parse_models(Reader& reader, const YAML::Node& list, const std::vector<Provider>& providers,
                  std::vector<Model>& out, FirstSeen& seen);
void parse_policies(Reader& reader, const YAML::Node& list, const Config& config,
                    std::vector<Policy>& out);
void parse_keys(Reader& reader, const YAML::Node& list, const std::vector<Policy>& policies,
                std::vector<Key>& out);
void parse_server(Reader& reader, const YAML::Node& node, Server& out);
// A provider's `model_defaults:` (config_model_defaults.cpp).
void read_model_defaults(Reader& reader, const YAML::Node& map, const std::string& path,
                         Provider& provider);

// Origins are compared exactly by policies, so "cn" would silently escape a
// rule written as "CN": insist on the canonical two upper-case letters.
bool valid_country_code(std::string_view code);
inline constexpr std::string_view kCountryCodeMessage =
    "must be an ISO 3166 country code such as CN, US or FR";

}  // namespace switchyard::config::detail
