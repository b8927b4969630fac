#pragma once
// What a health check means for the gateway, on the control thread: it sets
// each endpoint's health (per model where the server lists its models), the
// provider's switchyard_endpoint_up gauge, and logs. The log says, once per
// server, whether it answered and how many catalog models it serves; after
// that, only changes: a server that stops or starts answering, a model that
// appears in or leaves its listing. Never a line per probe.
#include <string>
#include <unordered_map>

#include "providers/upstream/health_probe.hpp"

namespace switchyard {

class Gateway;
class Metrics;

class HealthReporter {
 public:
  HealthReporter(Gateway& gateway, Metrics& metrics) : gateway_(gateway), metrics_(metrics) {}
  void on_verdict(const std::string& provider, const providers::HealthVerdict& verdict);

 private:
  Gateway& gateway_;
  Metrics& metrics_;
  std::unordered_map<std::string, bool> answered_;  // provider -> last verdict, once seen
};

}  // namespace switchyard
