// The gateway process: load the config, start the workers, serve until told
// to stop. SIGTERM/SIGINT drain gracefully; SIGHUP reloads the config
// atomically (a bad new config is reported and the old one stays).
#include "gateway/cli/serve.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>

#include <boost/asio.hpp>

#include "config/config_loader.hpp"
#include "config/exposure.hpp"
#include "config/snapshot.hpp"
#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/accounting.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/cli/health_reporter.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/tls_context.hpp"
#include "providers/upstream/health_probe.hpp"

namespace switchyard {

namespace net = boost::asio;

namespace {

void print_problems(const config::LoadResult& result, std::ostream& out) {
  for (const auto& error : result.errors) out << "error: " << error << "\n";
  for (const auto& warning : result.warnings) out << "warning: " << warning << "\n";
}

// The config for start-up, with --listen applied and held to the same rules
// as server.listen. An exit code when the process ends here (a bad config,
// or --check), nothing when it goes on to serve.
std::optional<int> load_startup_config(const CliOptions& options, config::LoadResult& loaded) {
  loaded = config::load_config_file(options.config_path);
  if (!loaded.config) {
    std::cerr << "switchyard: invalid config " << options.config_path << "\n";
    print_problems(loaded, std::cerr);
    return 2;
  }
  config::Config& cfg = *loaded.config;
  if (options.listen &&
      !config::parse_listen(*options.listen, cfg.server.listen_host, cfg.server.listen_port)) {
    std::cerr << "switchyard: --listen: expected HOST:PORT, got '" << *options.listen << "'\n";
    return 2;
  }
  if (options.listen) {
    // The override obeys the same rule as server.listen: no open relay.
    config::ExposureCheck exposure = config::check_unauthenticated_exposure(cfg);
    if (!exposure.error.empty()) {
      std::cerr << "switchyard: --listen: " << exposure.error << "\n";
      return 2;
    }
    auto& warnings = loaded.warnings;
    if (!exposure.warning.empty() &&
        std::find(warnings.begin(), warnings.end(), exposure.warning) == warnings.end()) {
      warnings.push_back(exposure.warning);
    }
  }
  if (options.check) {
    print_problems(loaded, std::cout);
    std::cout << "config ok: " << cfg.providers.size() << " providers, " << cfg.models.size()
              << " models, " << cfg.policies.size() << " policies, " << cfg.keys.size()
              << " keys\n";
    return 0;
  }
  return std::nullopt;
}

// What is fixed at start and survives every reload.
struct StartupSettings {
  std::string listen_host;
  std::uint16_t listen_port = 0;
  std::optional<std::string> admin_host;
  std::uint16_t admin_port = 0;
  bool tls = false;
};

// SIGHUP: the new config replaces the running one, or is reported and
// dropped; listeners, workers and the usage log stay as they started.
void reload_config(const CliOptions& options, const StartupSettings& fixed, Gateway& gateway,
                   Accounting& accounting) {
  config::LoadResult next = config::load_config_file(options.config_path);
  std::shared_ptr<net::ssl::context> next_tls;
  std::string tls_error;
  if (next.config && fixed.tls && next.config->server.tls &&
      !(next_tls = make_server_tls_context(*next.config->server.tls, tls_error))) {
    next.errors.push_back(tls_error);
    next.config.reset();
  } else if (next.config && fixed.tls != next.config->server.tls.has_value()) {
    log_warn("server.tls can only be turned on or off by a restart; keeping it " +
             std::string(fixed.tls ? "on" : "off"));
  }
  if (!next.config) {
    std::string joined;
    for (const auto& problem : next.errors) joined += (joined.empty() ? "" : "; ") + problem;
    log_error("config reload failed, keeping the running config: " + joined);
    accounting.metrics().config_reloaded(false);
    return;
  }
  for (const auto& warning : next.warnings) log_warn(warning);
  // The rest (providers, models, policies, keys, limits, the TLS
  // certificate) takes effect now, for connections accepted from now on.
  next.config->server.listen_host = fixed.listen_host;
  next.config->server.listen_port = fixed.listen_port;
  next.config->server.admin_host = fixed.admin_host;
  next.config->server.admin_port = fixed.admin_port;
  if (next_tls) gateway.set_tls_context(std::move(next_tls));
  // The endpoint table carries each endpoint's state over by key.
  gateway.replace_snapshot(config::Snapshot::build(std::move(*next.config)));
  accounting.metrics().config_reloaded(true);
  log_info("config reloaded from " + options.config_path);
}

// Signals and health checks on the control thread, off the request path,
// until SIGTERM or SIGINT.
void serve_until_stopped(const CliOptions& options, const StartupSettings& fixed, Gateway& gateway,
                         Accounting& accounting, net::io_context& control,
                         net::signal_set& signals) {
  HealthReporter reporter(gateway, accounting.metrics());
  providers::HealthChecker health(
      control, [&gateway] { return gateway.snapshot(); },
      [&reporter](const std::string& provider, const providers::HealthVerdict& verdict) {
        reporter.on_verdict(provider, verdict);
      });
  health.start();
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload_config(options, fixed, gateway, accounting);
      signals.async_wait(on_signal);
      return;
    }
    log_info(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
             ", draining connections");
    health.stop();
    control.stop();
  };
  signals.async_wait(on_signal);
  control.run();
}

}  // namespace

int run_gateway(const CliOptions& options) {
  config::LoadResult loaded;
  if (auto exit_code = load_startup_config(options, loaded)) return *exit_code;
  config::Config cfg = std::move(*loaded.config);

  std::string error;
  if (!Log::configure(cfg.server.access_log, cfg.server.log_level, error)) {
    std::cerr << "switchyard: " << error << "\n";
    return 2;
  }
  // Unusable endpoints (a provider whose key variable is unset) are among the
  // loader's warnings: reported, not fatal.
  for (const auto& warning : loaded.warnings) log_warn(warning);
  if (cfg.models.empty()) log_warn("the config declares no models");

  Accounting accounting;
  if (!accounting.open(cfg.server.usage_log, error)) {
    log_error("cannot open the usage log: " + error);
    return 2;
  }
  const StartupSettings fixed{cfg.server.listen_host, cfg.server.listen_port, cfg.server.admin_host,
                              cfg.server.admin_port, cfg.server.tls.has_value()};
  const unsigned workers = cfg.server.workers;
  const auto grace = cfg.server.limits.shutdown_grace;
  std::shared_ptr<net::ssl::context> tls_context;
  if (fixed.tls && !(tls_context = make_server_tls_context(*cfg.server.tls, error))) {
    log_error(error);
    return 2;
  }
  Gateway gateway(config::Snapshot::build(std::move(cfg)), accounting);
  gateway.set_tls_context(std::move(tls_context));
  Server server(gateway, workers);
  if (!server.listen(fixed.listen_host, fixed.listen_port, error) ||
      (fixed.admin_host && !server.listen_admin(*fixed.admin_host, fixed.admin_port, error))) {
    log_error(error);
    return 1;
  }
  // Signals are caught from here on, before anyone can learn the port.
  net::io_context control;
  net::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);
  server.start();
  if (fixed.admin_host) log_info("admin listener on " + server.admin_address());
  if (fixed.tls) log_info("the public listener speaks TLS (server.tls)");
  log_info("listening on " + server.address());
  serve_until_stopped(options, fixed, gateway, accounting, control, signals);

  server.stop(grace);
  accounting.flush();
  log_info("stopped");
  return 0;
}

}  // namespace switchyard
