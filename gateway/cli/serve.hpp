#pragma once
// `switchyard [options]`: the gateway process itself.
#include "gateway/cli/options.hpp"

namespace switchyard {

// Serves until SIGTERM or SIGINT; the process's exit code.
int run_gateway(const CliOptions& options);

}  // namespace switchyard
