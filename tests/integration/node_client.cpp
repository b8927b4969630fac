#include "tests/integration/node_client.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <vector>

extern char** environ;

namespace itest {
namespace {

const std::string kClientsDir = std::string(SWITCHYARD_SOURCE_DIR "/tests/clients");

// The parent's environment with `overrides` replacing or adding entries.
std::vector<std::string> child_environment(const EnvVars& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    bool replaced = false;
    for (const auto& [name, value] : overrides) {
      if (entry.starts_with(name + "=")) replaced = true;
    }
    if (!replaced) env.push_back(std::move(entry));
  }
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

boost::json::object last_json_line(const std::string& out) {
  auto end = out.find_last_not_of("\r\n");
  if (end == std::string::npos) return {};
  auto start = out.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  boost::system::error_code ec;
  auto value = boost::json::parse(out.substr(start, end + 1 - start), ec);
  if (ec || !value.is_object()) return {};
  return value.as_object();
}

}  // namespace

bool NodeResult::ok() const {
  auto* flag = json.if_contains("ok");
  return exit_code == 0 && flag != nullptr && flag->is_bool() && flag->as_bool();
}

std::optional<std::string> find_node() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    auto next = dirs.find(':', pos);
    if (next == std::string::npos) next = dirs.size();
    std::string candidate = dirs.substr(pos, next - pos) + "/node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    pos = next + 1;
  }
  return std::nullopt;
}

bool node_clients_installed() {
  return std::filesystem::exists(kClientsDir + "/node_modules/openai/package.json");
}

bool node_clients_skipped() {
  const char* skip = std::getenv("SWITCHYARD_SKIP_NODE_CLIENTS");
  bool allowed = skip != nullptr && std::string(skip) == "1";
  return allowed && (!find_node() || !node_clients_installed());
}

NodeResult run_node_scenario(const std::string& scenario, std::uint16_t gateway_port,
                             const EnvVars& extra, Millis timeout) {
  NodeResult result;
  auto node = find_node();
  if (!node) {
    result.err = "node not found on PATH";
    return result;
  }
  TempDir dir;
  std::string out_path = dir.file("stdout");
  std::string err_path = dir.file("stderr");
  EnvVars overrides{{"SWITCHYARD_BASE_URL", "http://127.0.0.1:" + std::to_string(gateway_port)},
                    {"SWITCHYARD_API_KEY", "sk-client-test"},
                    {"SWITCHYARD_MODEL", "test/alpha"}};
  for (const auto& entry : extra) overrides.push_back(entry);
  auto env_strings = child_environment(overrides);
  auto envp = pointers(env_strings);
  std::vector<std::string> arg_strings{*node, kClientsDir + "/" + scenario + ".mjs"};
  auto argv = pointers(arg_strings);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addchdir_np(&actions, kClientsDir.c_str());
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, node->c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.err = "posix_spawn failed";
    return result;
  }
  int status = 0;
  if (!wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  result.exit_code = decode(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  result.json = last_json_line(result.out);
  return result;
}

}  // namespace itest
