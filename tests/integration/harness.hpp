#pragma once
// The process side of the integration harness: temp directories, polling with
// a deadline, running the gateway binary (to completion, or as a server whose
// port is read from its JSON log line "listening on 127.0.0.1:<port>").
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace itest {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;
using EnvVars = std::vector<std::pair<std::string, std::string>>;

// The provider key every test config names (api_key_env: TEST_PROVIDER_KEY).
inline constexpr const char* kProviderKeyEnv = "TEST_PROVIDER_KEY";
inline constexpr const char* kProviderKey = "sk-test-secret-123";
// The authorization header the fakes expect for kProviderKey.
inline constexpr const char* kProviderBearer = "Bearer sk-test-secret-123";

// A fresh directory from mkdtemp in the system temp dir, removed with its
// contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes `content` to <dir>/<name> and returns the full path.
  std::string write(std::string_view name, std::string_view content) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);                // "" when missing
std::vector<std::string> read_lines(const std::string& path);  // non-empty lines

// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, Millis timeout);

// A port on 127.0.0.1 that was bound and then closed: connecting is refused.
std::uint16_t closed_port();

struct RunResult {
  int exit_code = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};
// Runs SWITCHYARD_BINARY with `args` to completion (killed after `timeout`).
RunResult run_binary(const std::vector<std::string>& args, const EnvVars& env = {},
                     Millis timeout = 15s);

struct GatewayOptions {
  std::vector<std::string> extra_args;
  EnvVars env{{kProviderKeyEnv, kProviderKey}};
  bool wait_ready = true;  // false: do not wait for the listening line
};

// One gateway process. The config text may use the placeholder @TMP@ for the
// process's temp directory (e.g. the usage log path). stdout and stderr go to
// <tmp>/gateway.log. Throws std::runtime_error (with the log) when the
// gateway does not report its port within 15 s.
class GatewayProcess {
 public:
  explicit GatewayProcess(const std::string& config_yaml, GatewayOptions options = {});
  ~GatewayProcess();  // SIGTERM, then SIGKILL after 5 s
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const TempDir& dir() const { return dir_; }
  std::string config_path() const { return dir_.file("config.yaml"); }
  std::string usage_log_path() const { return dir_.file("usage.jsonl"); }
  std::string log_text() const;
  // Replaces the config file (with @TMP@ expanded), e.g. before a SIGHUP.
  void write_config(const std::string& config_yaml) const;

  void send_signal(int sig) const;
  // The exit status (or 128 + signal), or nullopt if still running.
  std::optional<int> wait_exit(Millis timeout);
  bool running();

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::uint16_t port_ = 0;
};

// The port from a log line whose msg is "listening on 127.0.0.1:<port>".
std::optional<std::uint16_t> find_listening_port(std::string_view log);

}  // namespace itest
