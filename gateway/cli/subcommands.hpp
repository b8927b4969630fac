#pragma once
// The binary's subcommands (`switchyard NAME ...`), one table: a new one
// (demo, audit, replay, catalog) is a row here and a file of its own beside
// this one. Without a subcommand the binary runs the gateway.
#include <iosfwd>
#include <span>
#include <string_view>

namespace switchyard {

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  // argv from the subcommand's name on; the process's exit code.
  int (*run)(int argc, char** argv, std::ostream& out, std::ostream& err);
};

std::span<const Subcommand> subcommands();
const Subcommand* find_subcommand(std::string_view name);

}  // namespace switchyard
