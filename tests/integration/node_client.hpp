#pragma once
// Runs one official-client scenario (tests/clients/<name>.mjs) under node
// against a running gateway and parses the single JSON line it prints.
// Add a scenario by writing the .mjs (import ./common.mjs) and calling
// run_node_scenario from a test.
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "tests/integration/harness.hpp"

namespace itest {

struct NodeResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  boost::json::object json;  // the last stdout line parsed; empty when none
  bool ok() const;           // exit 0 and "ok": true
};

// The node binary on PATH, or nullopt.
std::optional<std::string> find_node();
// True where node_modules under tests/clients is installed.
bool node_clients_installed();
// Node and the clients are missing and SWITCHYARD_SKIP_NODE_CLIENTS=1 says
// that is expected: the only case the official-client tests skip.
bool node_clients_skipped();

// Runs `node tests/clients/<scenario>.mjs` with SWITCHYARD_BASE_URL
// (http://127.0.0.1:<port>), SWITCHYARD_API_KEY, SWITCHYARD_MODEL and `extra`
// env, killed after `timeout`.
NodeResult run_node_scenario(const std::string& scenario, std::uint16_t gateway_port,
                             const EnvVars& extra = {}, Millis timeout = 60s);

}  // namespace itest
