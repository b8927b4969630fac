#include "tests/integration/harness.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace itest {

namespace {

// Closes every descriptor above stderr in a freshly forked child, so the
// gateway does not inherit the test's sockets (which would keep connections
// of the fake upstreams open). Async-signal-safe.
// In a freshly forked child: die with the test process, so a crashed or
// killed test run leaves no gateway behind. Async-signal-safe.
void die_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(125);  // the parent is already gone
}

void close_inherited_fds() {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
  for (int fd = 3; fd < 4096; ++fd) ::close(fd);
}

// The binary of this build, unless SWITCHYARD_TEST_BINARY names another: the
// sanitized run drives its ASan + UBSan gateway with this (release) harness,
// so the harness is compiled once, not once per build.
std::string gateway_binary() {
  const char* chosen = std::getenv("SWITCHYARD_TEST_BINARY");
  return chosen != nullptr && *chosen != '\0' ? chosen : SWITCHYARD_BINARY;
}

// argv / envp built before fork: the child may only call async-signal-safe
// functions.
struct ExecArgs {
  std::vector<std::string> storage;
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;

  ExecArgs(const std::vector<std::string>& args, const EnvVars& env) {
    const std::string binary = gateway_binary();
    if (::access(binary.c_str(), X_OK) != 0) {
      throw std::runtime_error("gateway binary not executable: " + binary);
    }
    storage.push_back(binary);
    storage.insert(storage.end(), args.begin(), args.end());
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view entry(*e);
      bool overridden = false;
      for (const auto& [name, value] : env) {
        if (entry.starts_with(name + "=")) overridden = true;
      }
      if (!overridden) env_storage.emplace_back(entry);
    }
    for (const auto& [name, value] : env) env_storage.push_back(name + "=" + value);
    for (auto& s : env_storage) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
};

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string expand_tmp(std::string text, const std::string& dir) {
  const std::string placeholder = "@TMP@";
  for (auto pos = text.find(placeholder); pos != std::string::npos;
       pos = text.find(placeholder, pos + dir.size())) {
    text.replace(pos, placeholder.size(), dir);
  }
  return text;
}

}  // namespace

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "switchyard-itest-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(std::string_view name, std::string_view content) const {
  std::string full = file(name);
  std::string tmp = full + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  std::filesystem::rename(tmp, full);  // atomic: a reader never sees half a file
  return full;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool wait_until(const std::function<bool()>& condition, Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("closed_port: bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

RunResult run_binary(const std::vector<std::string>& args, const EnvVars& env, Millis timeout) {
  TempDir dir;
  std::string out_path = dir.file("stdout");
  std::string err_path = dir.file("stderr");
  ExecArgs exec(args, env);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    die_with_parent(parent);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || null < 0) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    close_inherited_fds();
    ::execve(exec.argv[0], exec.argv.data(), exec.envp.data());
    ::_exit(127);
  }
  RunResult result;
  int status = 0;
  bool done = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  result.exit_code = decode_status(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

std::optional<std::uint16_t> find_listening_port(std::string_view log) {
  const std::string_view marker = "listening on 127.0.0.1:";
  for (auto pos = log.find(marker); pos != std::string_view::npos;
       pos = log.find(marker, pos + 1)) {
    auto line_start = log.rfind('\n', pos);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    if (log.substr(line_start, pos - line_start).find("\"msg\"") == std::string_view::npos) {
      continue;  // not in the msg field of a JSON log line
    }
    std::size_t i = pos + marker.size();
    unsigned value = 0;
    std::size_t digits = 0;
    while (i < log.size() && log[i] >= '0' && log[i] <= '9' && digits < 6) {
      value = value * 10 + static_cast<unsigned>(log[i] - '0');
      ++i;
      ++digits;
    }
    if (digits > 0 && i < log.size() && log[i] == '"' && value > 0 && value < 65536) {
      return static_cast<std::uint16_t>(value);
    }
  }
  return std::nullopt;
}

GatewayProcess::GatewayProcess(const std::string& config_yaml, GatewayOptions options) {
  write_config(config_yaml);
  std::vector<std::string> args{"--config", config_path(), "--listen", "127.0.0.1:0"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::string log_path = dir_.file("gateway.log");
  ExecArgs exec(args, options.env);
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    die_with_parent(parent);
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    if (log < 0 || null < 0) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    close_inherited_fds();
    ::execve(exec.argv[0], exec.argv.data(), exec.envp.data());
    ::_exit(127);
  }
  if (!options.wait_ready) return;
  bool ready = wait_until(
      [&] {
        if (auto port = find_listening_port(log_text())) {
          port_ = *port;
          return true;
        }
        return !running();
      },
      15s);
  if (!ready || port_ == 0) {
    std::string log = log_text();
    std::string why = running() ? "did not report its port within 15 s"
                                : "exited with status " + std::to_string(status_.value_or(-1));
    throw std::runtime_error("gateway " + why + "; log:\n" + log);
  }
}

GatewayProcess::~GatewayProcess() {
  if (pid_ <= 0 || status_) return;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(5s)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string GatewayProcess::log_text() const {
  return read_file(dir_.file("gateway.log"));
}

void GatewayProcess::write_config(const std::string& config_yaml) const {
  dir_.write("config.yaml", expand_tmp(config_yaml, dir_.path()));
}

void GatewayProcess::send_signal(int sig) const {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> GatewayProcess::wait_exit(Millis timeout) {
  wait_until([&] { return !running(); }, timeout);
  return status_;
}

bool GatewayProcess::running() {
  if (status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = decode_status(status);
    return false;
  }
  return true;
}

}  // namespace itest
