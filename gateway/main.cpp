// switchyard: load the config, start the workers, serve until told to stop.
// SIGTERM/SIGINT drain gracefully; SIGHUP reloads the config atomically (a bad
// new config is reported and the old one stays).
#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>

#include <boost/asio.hpp>

#include "config/config_loader.hpp"
#include "config/exposure.hpp"
#include "config/snapshot.hpp"
#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/accounting.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/cli/options.hpp"
#include "gateway/cli/usage_report.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/tls_context.hpp"
#include "providers/upstream/health_probe.hpp"

namespace {

using namespace switchyard;
namespace net = boost::asio;

void print_problems(const config::LoadResult& result, std::ostream& out) {
  for (const auto& error : result.errors) out << "error: " << error << "\n";
  for (const auto& warning : result.warnings) out << "warning: " << warning << "\n";
}

int run_gateway(const CliOptions& options) {
  config::LoadResult loaded = config::load_config_file(options.config_path);
  if (!loaded.config) {
    std::cerr << "switchyard: invalid config " << options.config_path << "\n";
    print_problems(loaded, std::cerr);
    return 2;
  }
  config::Config cfg = std::move(*loaded.config);
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
  const std::string listen_host = cfg.server.listen_host;
  const std::uint16_t listen_port = cfg.server.listen_port;
  const std::optional<std::string> admin_host = cfg.server.admin_host;
  const std::uint16_t admin_port = cfg.server.admin_port;
  const bool tls = cfg.server.tls.has_value();
  const unsigned workers = cfg.server.workers;
  const auto grace = cfg.server.limits.shutdown_grace;
  std::shared_ptr<net::ssl::context> tls_context;
  if (tls && !(tls_context = make_server_tls_context(*cfg.server.tls, error))) {
    log_error(error);
    return 2;
  }
  Gateway gateway(config::Snapshot::build(std::move(cfg)), accounting);
  gateway.set_tls_context(std::move(tls_context));
  Server server(gateway, workers);
  if (!server.listen(listen_host, listen_port, error) ||
      (admin_host && !server.listen_admin(*admin_host, admin_port, error))) {
    log_error(error);
    return 1;
  }
  // The control thread: signals and health checks, off the request path.
  // Signals are caught from here on, before anyone can learn the port.
  net::io_context control;
  net::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);
  server.start();
  if (admin_host) log_info("admin listener on " + server.admin_address());
  if (tls) log_info("the public listener speaks TLS (server.tls)");
  log_info("listening on " + server.address());

  providers::HealthChecker health(
      control, [&gateway] { return gateway.snapshot(); },
      [&gateway, &accounting](const std::string& provider, bool up) {
        auto verdict = up ? policies::Health::healthy : policies::Health::unhealthy;
        gateway.endpoints().set_provider_health(*gateway.snapshot(), provider, verdict);
        accounting.metrics().set_endpoint_up(provider, up);
      });
  health.start();
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      config::LoadResult next = config::load_config_file(options.config_path);
      std::shared_ptr<net::ssl::context> next_tls;
      std::string tls_error;
      if (next.config && tls && next.config->server.tls &&
          !(next_tls = make_server_tls_context(*next.config->server.tls, tls_error))) {
        next.errors.push_back(tls_error);
        next.config.reset();
      } else if (next.config && tls != next.config->server.tls.has_value()) {
        log_warn("server.tls can only be turned on or off by a restart; keeping it " +
                 std::string(tls ? "on" : "off"));
      }
      if (!next.config) {
        std::string joined;
        for (const auto& problem : next.errors) joined += (joined.empty() ? "" : "; ") + problem;
        log_error("config reload failed, keeping the running config: " + joined);
        accounting.metrics().config_reloaded(false);
      } else {
        for (const auto& warning : next.warnings) log_warn(warning);
        // Listeners, workers and the usage log are fixed at start; the rest
        // (providers, models, policies, keys, limits, the TLS certificate)
        // takes effect now, for connections accepted from now on.
        next.config->server.listen_host = listen_host;
        next.config->server.listen_port = listen_port;
        next.config->server.admin_host = admin_host;
        next.config->server.admin_port = admin_port;
        if (next_tls) gateway.set_tls_context(std::move(next_tls));
        // The endpoint table carries each endpoint's state over by key.
        gateway.replace_snapshot(config::Snapshot::build(std::move(*next.config)));
        accounting.metrics().config_reloaded(true);
        log_info("config reloaded from " + options.config_path);
      }
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

  server.stop(grace);
  accounting.flush();
  log_info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 1 && std::strcmp(argv[1], "usage") == 0) {
    return run_usage_report(argc - 1, argv + 1, std::cout, std::cerr);
  }
  CliOptions options;
  std::string error;
  if (!parse_cli(argc, argv, options, error)) {
    std::cerr << "switchyard: " << error << "\n" << usage_text();
    return 2;
  }
  if (options.help) {
    std::cout << usage_text();
    return 0;
  }
  if (options.version) {
    std::cout << version_text() << "\n";
    return 0;
  }
  return run_gateway(options);
}
