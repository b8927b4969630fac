#pragma once
// Removes a provider's key from upstream text the gateway passes on (error
// messages, relayed answers and stream chunks): a hostile or buggy upstream
// may echo the credential it was sent.
#include <string>
#include <string_view>

namespace switchyard::providers {

// Replaces every occurrence of `secret` in `text` with "[redacted]", and also
// every fragment of it that starts like it (its first 8 bytes) and was cut
// short, as a message truncated to a length limit may cut it. Secrets under
// 4 bytes are not searched for. Returns whether anything was replaced; when
// nothing was, `text` is untouched and nothing is allocated.
bool redact_secret(std::string& text, std::string_view secret);

}  // namespace switchyard::providers
