// switchyard: a subcommand from the table in gateway/cli/subcommands.cpp, or
// the gateway itself (gateway/cli/serve.cpp).
#include <csignal>
#include <iostream>

#include "gateway/cli/options.hpp"
#include "gateway/cli/serve.hpp"
#include "gateway/cli/subcommands.hpp"

using namespace switchyard;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 1) {
    if (const Subcommand* subcommand = find_subcommand(argv[1])) {
      return subcommand->run(argc - 1, argv + 1, std::cout, std::cerr);
    }
  }
  CliOptions options;
  std::string error;
  if (!parse_cli(argc, argv, options, error)) {
    std::cerr << "switchyard: " << error << "\n" << usage_text();
    return 2;
  }
  if (options.help) {
    std::cout << usage_text();
    return 0;
  }
  if (options.version) {
    std::cout << version_text() << "\n";
    return 0;
  }
  return run_gateway(options);
}
