// The `server:` section: listener, edge limits, logs and routing knobs.
#include <charconv>
#include <limits>

#include "config/config_reader.hpp"

namespace switchyard::config::detail {
namespace {

constexpr std::int64_t kUnbounded = std::numeric_limits<std::int64_t>::max();

void read_size(Reader& reader, const YAML::Node& map, const std::string& path, const char* key,
               std::size_t& out) {
  std::uint64_t value = 0;
  if (reader.read_bytes(map, path, key, value, 1)) out = static_cast<std::size_t>(value);
}

void parse_limits(Reader& reader, const YAML::Node& map, const std::string& path, Limits& limits) {
  const YAML::Node node = map["limits"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "limits");
  if (!reader.check_map(node, field,
                        {"max_header_bytes", "max_body_bytes", "max_chat_body_bytes",
                         "max_upstream_body_bytes", "header_timeout", "idle_timeout",
                         "body_timeout", "send_timeout", "shutdown_grace", "max_connections"})) {
    return;
  }
  read_size(reader, node, field, "max_header_bytes", limits.max_header_bytes);
  read_size(reader, node, field, "max_body_bytes", limits.max_body_bytes);
  read_size(reader, node, field, "max_chat_body_bytes", limits.max_chat_body_bytes);
  read_size(reader, node, field, "max_upstream_body_bytes", limits.max_upstream_body_bytes);
  reader.read_duration(node, field, "header_timeout", limits.header_timeout);
  reader.read_duration(node, field, "idle_timeout", limits.idle_timeout);
  reader.read_duration(node, field, "body_timeout", limits.body_timeout);
  reader.read_duration(node, field, "send_timeout", limits.send_timeout);
  reader.read_duration(node, field, "shutdown_grace", limits.shutdown_grace);
  std::int64_t connections = 0;
  if (reader.read_int(node, field, "max_connections", connections, 1, 10'000'000)) {
    limits.max_connections = static_cast<std::size_t>(connections);
  }
}

void parse_usage_log(Reader& reader, const YAML::Node& map, const std::string& path,
                     UsageLog& log) {
  const YAML::Node node = map["usage_log"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "usage_log");
  if (!reader.check_map(node, field, {"path", "rotate_bytes", "fsync", "fsync_interval"})) return;
  reader.read_string(node, field, "path", log.path);
  // 0 means never rotate.
  reader.read_bytes(node, field, "rotate_bytes", log.rotate_bytes, 0);
  reader.read_enum(node, field, "fsync", log.fsync,
                   {{"never", FsyncPolicy::never},
                    {"interval", FsyncPolicy::interval},
                    {"always", FsyncPolicy::always}});
  reader.read_duration(node, field, "fsync_interval", log.fsync_interval);
}

void parse_routing(Reader& reader, const YAML::Node& map, const std::string& path,
                   Routing& routing) {
  const YAML::Node node = map["routing"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "routing");
  if (!reader.check_map(node, field,
                        {"max_attempts", "default_completion_tokens", "price_tie_ratio",
                         "breaker_failures", "breaker_cooldown", "retry_after_cap", "retry_budget",
                         "retry_budget_min", "retry_possibly_billed", "response_timeout"})) {
    return;
  }
  std::int64_t value = 0;
  if (reader.read_int(node, field, "max_attempts", value, 1, 100)) {
    routing.max_attempts = static_cast<std::size_t>(value);
  }
  reader.read_int(node, field, "default_completion_tokens", routing.default_completion_tokens, 1,
                  kUnbounded);
  reader.read_double(node, field, "price_tie_ratio", routing.price_tie_ratio, 0.0, 1.0);
  if (reader.read_int(node, field, "breaker_failures", value, 1, 1'000'000)) {
    routing.breaker_failures = static_cast<std::uint32_t>(value);
  }
  reader.read_duration(node, field, "breaker_cooldown", routing.breaker_cooldown);
  reader.read_duration(node, field, "retry_after_cap", routing.retry_after_cap);
  reader.read_double(node, field, "retry_budget", routing.retry_budget, 0.0, 1.0);
  reader.read_int(node, field, "retry_budget_min", routing.retry_budget_min, 0, 1'000'000);
  reader.read_bool(node, field, "retry_possibly_billed", routing.retry_possibly_billed);
  reader.read_duration(node, field, "response_timeout", routing.response_timeout);
}

void parse_tls(Reader& reader, const YAML::Node& map, const std::string& path, Server& server) {
  const YAML::Node node = map["tls"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "tls");
  if (!reader.check_map(node, field, {"cert", "key", "min_version"})) return;
  ServerTls tls;
  reader.read_string(node, field, "cert", tls.cert, Need::required);
  reader.read_string(node, field, "key", tls.key, Need::required);
  if (reader.read_string(node, field, "min_version", tls.min_version) && tls.min_version != "1.2" &&
      tls.min_version != "1.3") {
    reader.error(join(field, "min_version"), node["min_version"], "must be \"1.2\" or \"1.3\"");
  }
  server.tls = std::move(tls);
}

void parse_open_paths(Reader& reader, const YAML::Node& map, const std::string& path,
                      Server& server) {
  const YAML::Node node = map["open_paths"];
  if (!node.IsDefined()) return;
  const std::string field = join(path, "open_paths");
  if (!reader.check_list(node, field) || node.IsNull()) return;
  for (std::size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar() || node[i].Scalar().empty() || node[i].Scalar()[0] != '/') {
      reader.error(at_index(field, i), node[i], "must be a path such as /metrics");
      continue;
    }
    server.open_paths.push_back(node[i].Scalar());
  }
}

void parse_workers(Reader& reader, const YAML::Node& map, const std::string& path, Server& server) {
  const YAML::Node node = map["workers"];
  if (!node.IsDefined()) return;
  if (node.IsScalar() && node.Scalar() == "auto") {
    server.workers = 0;  // one per core
    return;
  }
  unsigned workers = 0;
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), workers);
    if (ec == std::errc() && end == text.data() + text.size() && workers >= 1 && workers <= 1024) {
      server.workers = workers;
      return;
    }
  }
  reader.error(join(path, "workers"), node, "must be auto or an integer from 1 to 1024");
}

}  // namespace

void parse_server(Reader& reader, const YAML::Node& node, Server& server) {
  const std::string path = "server";
  if (!reader.check_map(
          node, path,
          {"listen", "workers", "limits", "access_log", "log_level", "require_key", "usage_log",
           "routing", "explain", "admin_listen", "tls", "open_paths", "allow_unauthenticated"})) {
    return;
  }
  std::string listen;
  if (reader.read_string(node, path, "listen", listen) &&
      !parse_listen(listen, server.listen_host, server.listen_port)) {
    reader.error(join(path, "listen"), node["listen"],
                 "must be host:port such as 0.0.0.0:8080 or [::1]:8080");
  }
  std::string admin;
  if (reader.read_string(node, path, "admin_listen", admin)) {
    std::string host;
    if (parse_listen(admin, host, server.admin_port)) {
      server.admin_host = host;
    } else {
      reader.error(join(path, "admin_listen"), node["admin_listen"],
                   "must be host:port such as 127.0.0.1:9090");
    }
  }
  parse_tls(reader, node, path, server);
  parse_open_paths(reader, node, path, server);
  parse_workers(reader, node, path, server);
  parse_limits(reader, node, path, server.limits);
  reader.read_string(node, path, "access_log", server.access_log);
  reader.read_enum(node, path, "log_level", server.log_level,
                   {{"debug", LogLevel::debug},
                    {"info", LogLevel::info},
                    {"warn", LogLevel::warn},
                    {"error", LogLevel::error}});
  bool require_key = false;
  if (reader.read_bool(node, path, "require_key", require_key)) server.require_key = require_key;
  reader.read_bool(node, path, "allow_unauthenticated", server.allow_unauthenticated);
  parse_usage_log(reader, node, path, server.usage_log);
  parse_routing(reader, node, path, server.routing);
  reader.read_bool(node, path, "explain", server.expose_explain);
}

}  // namespace switchyard::config::detail
