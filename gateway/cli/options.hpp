#pragma once
// Command-line options of the switchyard binary.
#include <optional>
#include <string>

namespace switchyard {

struct CliOptions {
  std::string config_path = "config/switchyard.yaml";
  std::optional<std::string> listen;  // overrides server.listen
  bool check = false;
  bool version = false;
  bool help = false;
};

// Parses argv (after any subcommand). False and `error` on a bad option.
bool parse_cli(int argc, char** argv, CliOptions& options, std::string& error);

const char* usage_text();
const char* version_text();

}  // namespace switchyard
