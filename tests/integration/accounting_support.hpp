#pragma once
// Helpers for the accounting tests: configs with keys and policies, reading
// the usage log back, grouping /metrics samples and /v1/stats/share answers by
// a label, exact prices, and the external tools (prometheus, promtool) run as
// child processes of the test.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/accounting/usage_record.hpp"
#include "tests/integration/config_builder.hpp"
#include "tests/integration/fake_upstream.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"

namespace itest::acct {

// ---- configs ---------------------------------------------------------------

// Lowercase hex SHA-256, for key_sha256 in configs.
std::string sha256_hex(std::string_view text);

struct PolicySpec {
  std::string name;
  std::string rules;  // YAML flow text of the policy body, e.g. "deny: [ { origin: CN } ]"
};

struct KeySpec {
  std::string name;
  std::string token;   // the bearer token the test sends; only its hash goes in the config
  std::string policy;  // "" for none
};

// Spec shorthands. A price is {prompt, completion} in USD per million tokens.
EndpointSpec endpoint(std::string provider, std::string upstream_model, const char* const price[2]);
ModelSpec model(std::string id, std::string family, std::string origin, std::string weights,
                std::vector<EndpointSpec> endpoints);
// A provider at `fake`, with timeouts long enough for slow test streams.
ProviderSpec provider(std::string name, std::string kind, const FakeUpstream& fake,
                      std::string location, std::string jurisdiction);

// render_config(spec) followed by `policies:` and `keys:` sections.
std::string render_with_keys(const ConfigSpec& spec, const std::vector<PolicySpec>& policies,
                             const std::vector<KeySpec>& keys);

// A price in USD per million tokens ("0.123456") as integer picodollars per
// token, parsed by the test itself (not by the gateway's money code).
std::int64_t picousd_per_token(std::string_view usd_per_million);
// A decimal USD string ("0.000025") as integer picodollars, exactly.
std::int64_t usd_to_picousd(std::string_view usd);

// A chat body whose single user message is `content` (fakes dispatch on it).
std::string chat_body_saying(std::string_view model, std::string_view content, bool stream,
                             bool include_usage = false);

// ---- the usage log ---------------------------------------------------------

struct UsageLog {
  std::vector<switchyard::UsageRecord> records;  // lines that parsed
  std::vector<std::string> bad_lines;            // lines that did not
  std::size_t lines = 0;                         // non-empty lines in the file
};
UsageLog read_usage_log(const std::string& path);

// Per-group sums of records (group: origin, or "other" when empty).
struct GroupTotals {
  std::int64_t requests = 0;
  std::int64_t prompt = 0;
  std::int64_t completion = 0;
  std::int64_t cost_picousd = 0;
  bool operator==(const GroupTotals&) const = default;
};
// Sums by origin; with `reached_endpoint_only`, records without a provider
// (bad requests, denials) are left out, as the share route does.
std::map<std::string, GroupTotals> totals_by_origin(
    const std::vector<switchyard::UsageRecord>& records, bool reached_endpoint_only);

// ---- /metrics and /v1/stats/share -------------------------------------------

// Sum of every sample of `metric`, grouped by the value of `label`.
std::map<std::string, double> sum_by_label(std::string_view exposition, std::string_view metric,
                                           std::string_view label);

// One answer of /v1/stats/share: value per key (integers; picodollars for cost).
struct ShareAnswer {
  std::int64_t total = 0;
  std::map<std::string, std::int64_t> values;
  std::map<std::string, double> shares;
};
// Parses the body; for metric=cost reads total_picousd and value_picousd, and
// checks each decimal string against its integer (false when they differ).
bool parse_share(const std::string& body, bool cost, ShareAnswer& out, std::string& error);

// ---- external tools ----------------------------------------------------------

// The full path of an executable found on PATH.
std::optional<std::string> find_on_path(std::string_view name);
// True when the environment variable CI is set to a non-empty value.
bool under_ci();

struct CommandResult {
  int exit_code = -1;  // exit status, or 128 + signal
  std::string output;  // stdout and stderr together
};
// Runs argv[0] (a full path) to completion with stdin from `stdin_path`
// ("" for /dev/null); killed after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_path,
                          Millis timeout = 20s);

// A long-running child (Prometheus): stdout and stderr go to `log_path`.
// Stopped by PID: SIGTERM, then SIGKILL after 5 s; never by name.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void stop();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// SIGSTOP to `pid`, returning once every thread of it is stopped (false after
// `timeout`). A frozen process is one killed at that instant, except that it
// can be resumed: what it has not written yet, a SIGKILL now would lose.
bool freeze(pid_t pid, Millis timeout = 2s);
void thaw(pid_t pid);  // SIGCONT

// A GET on 127.0.0.1:port; nullopt when nothing listens or the exchange fails.
std::optional<HttpResponse> try_get(std::uint16_t port, std::string_view target,
                                    const Headers& headers = {}, Millis timeout = 3s);

// Percent-encoding for a query parameter value (PromQL in a URL).
std::string url_encode(std::string_view text);

}  // namespace itest::acct
