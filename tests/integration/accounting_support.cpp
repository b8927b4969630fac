#include "tests/integration/accounting_support.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "tests/integration/prom_text.hpp"

extern char** environ;

namespace itest::acct {

namespace json = boost::json;

// ---- configs ---------------------------------------------------------------

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

EndpointSpec endpoint(std::string provider, std::string upstream_model,
                      const char* const price[2]) {
  return {std::move(provider), std::move(upstream_model), price[0], price[1]};
}

ModelSpec model(std::string id, std::string family, std::string origin, std::string weights,
                std::vector<EndpointSpec> endpoints) {
  ModelSpec m;
  m.id = std::move(id);
  m.family = std::move(family);
  m.author = m.family;
  m.origin = std::move(origin);
  m.weights = std::move(weights);
  m.endpoints = std::move(endpoints);
  return m;
}

ProviderSpec provider(std::string name, std::string kind, const FakeUpstream& fake,
                      std::string location, std::string jurisdiction) {
  ProviderSpec p;
  p.name = std::move(name);
  p.kind = std::move(kind);
  p.base_url = fake.base_url();
  p.location = std::move(location);
  p.jurisdiction = std::move(jurisdiction);
  p.first_byte = "3s";
  p.between_chunks = "3s";
  return p;
}

std::string render_with_keys(const ConfigSpec& spec, const std::vector<PolicySpec>& policies,
                             const std::vector<KeySpec>& keys) {
  std::ostringstream y;
  y << render_config(spec);
  if (!policies.empty()) {
    y << "policies:\n";
    for (const auto& p : policies) y << "  - name: " << p.name << "\n    " << p.rules << "\n";
  }
  if (!keys.empty()) {
    y << "keys:\n";
    for (const auto& k : keys) {
      y << "  - name: " << k.name << "\n    key_sha256: " << sha256_hex(k.token) << "\n";
      if (!k.policy.empty()) y << "    policy: " << k.policy << "\n";
    }
  }
  return y.str();
}

// Independent of the gateway's parser on purpose: the test's expected costs
// must not share a bug with the code under test.
namespace {
// A plain decimal ("12.5", "0.000025") scaled by 10^decimals, exactly.
std::int64_t scaled_decimal(std::string_view text, int decimals) {
  std::int64_t whole = 0;
  std::int64_t fraction = 0;
  int fraction_digits = 0;
  bool in_fraction = false;
  if (text.empty()) throw std::invalid_argument("decimal: empty");
  for (char c : text) {
    if (c == '.' && !in_fraction) {
      in_fraction = true;
    } else if (c >= '0' && c <= '9') {
      if (in_fraction) {
        if (++fraction_digits > decimals) throw std::invalid_argument("decimal: too many digits");
        fraction = fraction * 10 + (c - '0');
      } else {
        whole = whole * 10 + (c - '0');
      }
    } else {
      throw std::invalid_argument("decimal: not a plain decimal: " + std::string(text));
    }
  }
  std::int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  for (; fraction_digits < decimals; ++fraction_digits) fraction *= 10;
  return whole * scale + fraction;
}
}  // namespace

// Independent of the gateway's parser on purpose: the test's expected costs
// must not share a bug with the code under test.
std::int64_t picousd_per_token(std::string_view usd_per_million) {
  return scaled_decimal(usd_per_million, 6);
}

std::int64_t usd_to_picousd(std::string_view usd) {
  return scaled_decimal(usd, 12);
}

std::string chat_body_saying(std::string_view model, std::string_view content, bool stream,
                             bool include_usage) {
  json::object body{
      {"model", model},
      {"messages", json::array{json::object{{"role", "user"}, {"content", content}}}}};
  if (stream) body["stream"] = true;
  if (include_usage) body["stream_options"] = json::object{{"include_usage", true}};
  return json::serialize(body);
}

// ---- the usage log ---------------------------------------------------------

UsageLog read_usage_log(const std::string& path) {
  UsageLog log;
  for (const auto& line : read_lines(path)) {
    ++log.lines;
    switchyard::UsageRecord record;
    if (switchyard::from_json_line(line, record)) {
      log.records.push_back(std::move(record));
    } else {
      log.bad_lines.push_back(line);
    }
  }
  return log;
}

std::map<std::string, GroupTotals> totals_by_origin(
    const std::vector<switchyard::UsageRecord>& records, bool reached_endpoint_only) {
  std::map<std::string, GroupTotals> groups;
  for (const auto& r : records) {
    if (reached_endpoint_only && r.provider.empty()) continue;
    GroupTotals& g = groups[r.origin.empty() ? "other" : r.origin];
    g.requests += 1;
    g.prompt += r.prompt_tokens;
    g.completion += r.completion_tokens;
    g.cost_picousd += r.cost;
  }
  return groups;
}

// ---- /metrics and /v1/stats/share -------------------------------------------

std::map<std::string, double> sum_by_label(std::string_view exposition, std::string_view metric,
                                           std::string_view label) {
  std::map<std::string, double> sums;
  for (const auto& sample : parse_prometheus(exposition)) {
    if (sample.name != metric) continue;
    std::string value;
    for (const auto& [name, v] : sample.labels) {
      if (name == label) value = v;
    }
    sums[value] += sample.value;
  }
  return sums;
}

namespace {
std::int64_t as_int(const json::value& v) {
  return v.is_int64() ? v.as_int64() : static_cast<std::int64_t>(v.as_uint64());
}
}  // namespace

bool parse_share(const std::string& body, bool cost, ShareAnswer& out, std::string& error) {
  try {
    const json::object root = json::parse(body).as_object();
    const char* total_field = cost ? "total_picousd" : "total";
    const char* value_field = cost ? "value_picousd" : "value";
    out.total = as_int(root.at(total_field));
    // For cost the decimal USD string beside each integer must say the same.
    if (cost && usd_to_picousd(root.at("total").as_string()) != out.total) {
      error = "share body: total and total_picousd differ: " + body;
      return false;
    }
    for (const auto& item : root.at("shares").as_array()) {
      const auto& share = item.as_object();
      std::string key(share.at("key").as_string());
      out.values[key] = as_int(share.at(value_field));
      if (cost && usd_to_picousd(share.at("value").as_string()) != out.values[key]) {
        error = "share body: value and value_picousd differ for " + key + ": " + body;
        return false;
      }
      out.shares[key] = share.at("share").to_number<double>();
    }
    return true;
  } catch (const std::exception& e) {
    error = std::string("share body: ") + e.what() + ": " + body;
    return false;
  }
}

// ---- external tools ----------------------------------------------------------

std::optional<std::string> find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
      return candidate;
    }
  }
  return std::nullopt;
}

bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0';
}

namespace {

// argv built before fork: the child may only call async-signal-safe functions.
struct Argv {
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  explicit Argv(const std::vector<std::string>& args) : storage(args) {
    for (auto& s : storage) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
};

// Forks and execs argv with stdin from `in_path` and stdout+stderr to `out_path`.
pid_t spawn(const std::vector<std::string>& args, const std::string& in_path,
            const std::string& out_path) {
  if (args.empty()) throw std::invalid_argument("spawn: empty argv");
  Argv argv(args);
  const std::string in = in_path.empty() ? "/dev/null" : in_path;
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Dies with the test process, so a crashed test leaves no server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    int input = ::open(in.c_str(), O_RDONLY);
    int output = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (input < 0 || output < 0) ::_exit(126);
    ::dup2(input, 0);
    ::dup2(output, 1);
    ::dup2(output, 2);
    // Inherit none of the test's sockets (they would keep connections open).
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    ::execve(argv.pointers[0], argv.pointers.data(), environ);
    ::_exit(127);
  }
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_path,
                          Millis timeout) {
  TempDir dir;
  const std::string out_path = dir.file("output");
  pid_t pid = spawn(argv, stdin_path, out_path);
  int status = 0;
  if (!wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  return {decode_status(status), read_file(out_path)};
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path)
    : pid_(spawn(argv, "", log_path)) {}

ChildProcess::~ChildProcess() {
  stop();
}

bool ChildProcess::running() {
  if (reaped_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

void ChildProcess::stop() {
  if (pid_ <= 0 || !running()) return;
  ::kill(pid_, SIGTERM);
  if (!wait_until([&] { return !running(); }, 5s)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
  }
}

namespace {
// True when every thread of `pid` is in state T (stopped) or t (traced).
bool all_threads_stopped(pid_t pid) {
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    const std::string stat = read_file((task.path() / "stat").string());
    // "tid (comm) S ...": the state follows the last ')'.
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
    const char state = stat[paren + 2];
    if (state != 'T' && state != 't') return false;
  }
  return !ec;
}
}  // namespace

bool freeze(pid_t pid, Millis timeout) {
  if (::kill(pid, SIGSTOP) != 0) return false;
  return wait_until([&] { return all_threads_stopped(pid); }, timeout);
}

void thaw(pid_t pid) {
  ::kill(pid, SIGCONT);
}

std::optional<HttpResponse> try_get(std::uint16_t port, std::string_view target,
                                    const Headers& headers, Millis timeout) {
  try {
    TestClient client(port, timeout);
    return client.request("GET", target, {}, headers);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace itest::acct
