#include "gateway/cli/subcommands.hpp"

#include <array>

#include "gateway/cli/usage_report.hpp"

namespace switchyard {

namespace {
constexpr std::array kSubcommands{
    Subcommand{"usage", "summarise the usage log (see `switchyard usage --help`)",
               &run_usage_report},
};
}  // namespace

std::span<const Subcommand> subcommands() {
  return kSubcommands;
}

const Subcommand* find_subcommand(std::string_view name) {
  for (const Subcommand& subcommand : kSubcommands) {
    if (subcommand.name == name) return &subcommand;
  }
  return nullptr;
}

}  // namespace switchyard
