#include "gateway/cli/options.hpp"

#include <string_view>

namespace switchyard {

bool parse_cli(int argc, char** argv, CliOptions& options, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value_of = [&](std::string_view name, std::string& out) {
      if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
          arg[name.size()] == '=') {
        out = std::string(arg.substr(name.size() + 1));
        return true;
      }
      if (arg == name) {
        if (i + 1 >= argc) {
          error = std::string(name) + " needs a value";
          return false;
        }
        out = argv[++i];
        return true;
      }
      return false;
    };
    std::string value;
    if (arg == "--check") {
      options.check = true;
    } else if (arg == "--version" || arg == "-V") {
      options.version = true;
    } else if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (value_of("--config", value) || value_of("-c", value)) {
      options.config_path = value;
    } else if (value_of("--listen", value)) {
      options.listen = value;
    } else {
      if (error.empty()) error = "unknown option '" + std::string(arg) + "'";
      return false;
    }
    if (!error.empty()) return false;
  }
  return true;
}

const char* usage_text() {
  return "Usage: switchyard [--config FILE] [--listen HOST:PORT] [--check]\n"
         "       switchyard usage [--log FILE] [--by DIMENSION] [--since T] [--until T] "
         "[--format table|json]\n"
         "       switchyard --version | --help\n"
         "\n"
         "An OpenAI-compatible inference routing gateway.\n"
         "\n"
         "  --config FILE       config file (default config/switchyard.yaml)\n"
         "  --listen HOST:PORT  listen address, overrides server.listen\n"
         "  --check             validate the config, print every problem, exit non-zero on any\n"
         "  --version           print the version\n"
         "  usage               summarise the usage log (see `switchyard usage --help`)\n"
         "\n"
         "Signals: SIGTERM/SIGINT drain and exit; SIGHUP reloads the config.\n";
}

const char* version_text() {
  return "switchyard 0.1.0";
}

}  // namespace switchyard
