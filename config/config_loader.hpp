#pragma once
// Loads and validates the YAML config into the plain structs of config.hpp.
//
// Strict by design: an unknown key, a wrong type, a dangling reference or a
// bad value is an error, and every problem found is reported, each as
// "<yaml path>: <message> (line N)" (prefixed with the file name for included
// files), so an operator fixes a config in one pass. Exceptions stay inside
// the yaml-cpp boundary; callers get a LoadResult.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace switchyard::config {

struct LoadResult {
  std::optional<Config> config;       // set only when errors is empty
  std::vector<std::string> errors;    // each "<path>: <message> (line N)"
  std::vector<std::string> warnings;  // e.g. a provider disabled for a missing key
};

// Looks up an environment variable; an empty function means std::getenv.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Reads `path`; `include:` entries are relative to its directory.
LoadResult load_config_file(const std::string& path, const EnvLookup& env = {});

// Parses `yaml` as a config whose includes are relative to `base_dir`.
LoadResult load_config_text(const std::string& yaml, const std::string& base_dir,
                            const EnvLookup& env = {});

// "0.0.0.0:8080", "127.0.0.1:0", "[::1]:0", "localhost:80". False when the
// text has no port, a bad port or an empty host.
bool parse_listen(std::string_view text, std::string& host, std::uint16_t& port);

// "http://host[:port][/base/path]" or https. Fills default ports (80/443) and
// keeps the base path without a trailing slash ("/v1", or "" for none).
// Rejects other schemes, credentials, queries and fragments.
bool parse_base_url(std::string_view text, Url& out, std::string& error);

// "500ms", "10s", "2m", "1h" (an integer and a unit). False otherwise.
bool parse_duration(std::string_view text, Millis& out);

// "1048576", "512KiB", "256MiB", "1GiB" (also KB/MB/GB as powers of 1000).
bool parse_byte_size(std::string_view text, std::uint64_t& out);

}  // namespace switchyard::config
