// Parsers for the textual values a config holds: listen addresses, base URLs,
// durations and byte sizes. Pure functions, no YAML.
#include <charconv>
#include <limits>

#include "config/config_loader.hpp"

namespace switchyard::config {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (!all_digits(text)) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parse_port(std::string_view text, std::uint16_t& port, bool allow_zero) {
  std::uint64_t value = 0;
  if (!parse_u64(text, value) || value > 65535 || (!allow_zero && value == 0)) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// Splits "host:port" or "[v6]:port"; port_text is empty when there is none.
bool split_host_port(std::string_view text, std::string_view& host, std::string_view& port_text,
                     bool& has_port) {
  has_port = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    has_port = true;
    port_text = rest.substr(1);
    return true;
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    host = text;
    return true;
  }
  host = text.substr(0, colon);
  // An unbracketed IPv6 address is ambiguous with a port: refuse it.
  if (host.find(':') != std::string_view::npos) return false;
  has_port = true;
  port_text = text.substr(colon + 1);
  return true;
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) return false;
  }
  return true;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool parse_listen(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string_view host_text;
  std::string_view port_text;
  bool has_port = false;
  if (!split_host_port(text, host_text, port_text, has_port) || !has_port) return false;
  if (!valid_host(host_text) || !parse_port(port_text, port, /*allow_zero=*/true)) return false;
  host = std::string(host_text);
  return true;
}

bool parse_base_url(std::string_view text, Url& out, std::string& error) {
  // Messages never echo the URL: it could carry credentials.
  Url url;
  std::string_view rest;
  if (starts_with_ignoring_case(text, "https://")) {
    url.tls = true;
    rest = text.substr(8);
  } else if (starts_with_ignoring_case(text, "http://")) {
    rest = text.substr(7);
  } else {
    error = "must start with http:// or https://";
    return false;
  }
  for (char c : rest) {
    if (c == '?' || c == '#' || c == '@') {
      error = "must not contain credentials, a query or a fragment";
      return false;
    }
    if (static_cast<unsigned char>(c) <= ' ') {
      error = "must not contain spaces or control characters";
      return false;
    }
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!split_host_port(authority, host, port_text, has_port) || !valid_host(host)) {
    error = "has no valid host";
    return false;
  }
  url.host = std::string(host);
  url.port = url.tls ? 443 : 80;
  if (has_port && !parse_port(port_text, url.port, /*allow_zero=*/false)) {
    error = "has an invalid port";
    return false;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.base_path = std::string(path);
  out = std::move(url);
  return true;
}

bool parse_duration(std::string_view text, Millis& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::uint64_t value = 0;
  if (!parse_u64(text.substr(0, digits), value)) return false;
  std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1'000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else {
    return false;
  }
  // Anything beyond a year is a typo, and keeps the product far from overflow.
  constexpr std::uint64_t kYearMs = 366ull * 24 * 3'600'000;
  if (value > kYearMs / scale) return false;
  out = Millis(static_cast<Millis::rep>(value * scale));
  return true;
}

bool parse_byte_size(std::string_view text, std::uint64_t& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::uint64_t value = 0;
  if (!parse_u64(text.substr(0, digits), value)) return false;
  std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "KiB") {
    scale = 1ull << 10;
  } else if (unit == "MiB") {
    scale = 1ull << 20;
  } else if (unit == "GiB") {
    scale = 1ull << 30;
  } else if (unit == "KB") {
    scale = 1'000;
  } else if (unit == "MB") {
    scale = 1'000'000;
  } else if (unit == "GB") {
    scale = 1'000'000'000;
  } else {
    return false;
  }
  if (value > std::numeric_limits<std::uint64_t>::max() / scale) return false;
  out = value * scale;
  return true;
}

}  // namespace switchyard::config
