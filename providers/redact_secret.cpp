#include "providers/redact_secret.hpp"

#include <algorithm>

namespace switchyard::providers {

bool redact_secret(std::string& text, std::string_view secret) {
  constexpr std::size_t kMinSecret = 4;
  // Eight bytes of a key are far past its public prefix ("sk-proj-" is the
  // longest common one) and never occur in ordinary text by chance.
  constexpr std::size_t kProbe = 8;
  constexpr std::string_view kMark = "[redacted]";
  if (secret.size() < kMinSecret) return false;
  std::string_view probe = secret.substr(0, std::min(secret.size(), kProbe));
  bool replaced = false;
  for (std::size_t at = text.find(probe); at != std::string::npos;
       at = text.find(probe, at + kMark.size())) {
    std::size_t length = probe.size();
    while (length < secret.size() && at + length < text.size() &&
           text[at + length] == secret[length]) {
      ++length;
    }
    text.replace(at, length, kMark);
    replaced = true;
  }
  return replaced;
}

}  // namespace switchyard::providers
