#pragma once
// Upstream error text is shown to clients and written to logs; an upstream
// may echo the credential it was sent (a misconfigured proxy, a hostile
// server), so anything shaped like an API key is cut out first.
#include <string>
#include <string_view>

namespace switchyard::providers {

// Replaces each "sk-..." token (up to whitespace, a quote, ',' or ';') with
// "[redacted]".
std::string redact_keys(std::string_view text);

}  // namespace switchyard::providers
