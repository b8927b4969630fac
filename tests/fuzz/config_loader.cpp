// The config loader on arbitrary YAML text. Invariants: it never throws
// (yaml-cpp's exceptions stay inside the loader), a result is either a config
// or a non-empty list of errors, loading is deterministic, and no message
// carries a resolved provider key.
#include <optional>
#include <string>

#include "config/config_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

constexpr std::string_view kCanaryKey = "sk-fuzz-canary-0123456789";

std::optional<std::string> fake_env(const std::string& name) {
  if (name.empty()) return std::nullopt;
  return std::string(kCanaryKey);
}

bool mentions_key(const std::vector<std::string>& messages) {
  for (const std::string& message : messages) {
    if (message.find(kCanaryKey) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string yaml(switchyard::fuzz::as_text(bytes, size));
  // `include:` reads files; with a path in it (or an escape that could spell
  // one) a run could read /dev/zero or the machine's files. Relative includes
  // under the missing base directory below fail either way.
  if (yaml.find("include") != std::string::npos && yaml.find_first_of("/\\") != std::string::npos) {
    return 0;
  }
  // Includes resolve against a directory that does not exist: a fuzz run
  // must not read the machine's files.
  const std::string base_dir = "/nonexistent-switchyard-fuzz";
  switchyard::config::LoadResult first =
      switchyard::config::load_config_text(yaml, base_dir, fake_env);
  SWITCHYARD_FUZZ_CHECK(first.config.has_value() == first.errors.empty());
  // The key lives in the environment; an error may quote the YAML text, so
  // only a YAML that does not itself spell the key tells a leak apart.
  if (!mentions_key({yaml})) {
    SWITCHYARD_FUZZ_CHECK(!mentions_key(first.errors));
    SWITCHYARD_FUZZ_CHECK(!mentions_key(first.warnings));
  }
  switchyard::config::LoadResult again =
      switchyard::config::load_config_text(yaml, base_dir, fake_env);
  SWITCHYARD_FUZZ_CHECK(again.errors == first.errors);
  SWITCHYARD_FUZZ_CHECK(again.warnings == first.warnings);
  return 0;
}
