#pragma once
// Retry-After (RFC 9110 §10.2.3): delay seconds or an HTTP date.
#include <chrono>
#include <optional>
#include <string_view>

namespace switchyard::providers {

// The wait the header asks for, from `now`; nullopt when it is unreadable.
// A date in the past is zero; absurd delays are capped at ~31 years.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace switchyard::providers
