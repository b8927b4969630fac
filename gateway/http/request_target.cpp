#include "gateway/http/request_target.hpp"

#include <boost/beast/core/string.hpp>

namespace switchyard {

std::string_view target_path(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        boost::beast::iequals(target.substr(0, scheme.size()), scheme)) {
      std::string_view rest = target.substr(scheme.size());
      std::size_t slash = rest.find_first_of("/?");
      if (slash == std::string_view::npos || rest[slash] == '?') return "/";
      target = rest.substr(slash);
      break;
    }
  }
  return target.substr(0, target.find('?'));
}

std::string query_param(std::string_view target, std::string_view name) {
  auto question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string sanitized_request_id(std::string_view client_value) {
  constexpr std::size_t kMaxLength = 64;
  if (client_value.empty() || client_value.size() > kMaxLength) return {};
  for (char c : client_value) {
    bool safe = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                c == '.' || c == '_' || c == ':' || c == '-';
    if (!safe) return {};
  }
  return std::string(client_value);
}

}  // namespace switchyard
