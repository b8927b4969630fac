#pragma once
// Whether the public listener would be an open relay: reachable from other
// hosts with no key required, so anyone who reaches it spends the providers'
// keys. That needs an explicit server.allow_unauthenticated.
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace switchyard::config {

// 127.0.0.0/8, ::1 and the name localhost.
bool is_loopback_host(std::string_view host);

struct ExposureCheck {
  std::string error;    // non-empty: refuse to start, naming the fix
  std::string warning;  // non-empty: allowed, but say so at start
};

ExposureCheck check_unauthenticated_exposure(const Config& config);

}  // namespace switchyard::config
