#include "providers/canonical/redact.hpp"

namespace switchyard::providers {

std::string redact_keys(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t at = text.find("sk-", i);
    if (at == std::string_view::npos) break;
    out.append(text.substr(i, at - i));
    std::size_t end = text.find_first_of(" \t\r\n\"',;", at);
    if (end == std::string_view::npos) end = text.size();
    out.append("[redacted]");
    i = end;
  }
  if (i < text.size()) out.append(text.substr(i));
  return out;
}

}  // namespace switchyard::providers
