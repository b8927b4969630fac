#include "gateway/accounting/endpoint_state_metrics.hpp"

#include "policies/endpoint_condition.hpp"

namespace switchyard {

namespace {

// A label value as the text format wants it: backslash, quote and newline
// escaped.
void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string render_endpoint_states(const config::Snapshot& snapshot,
                                   const policies::EndpointTable& table,
                                   policies::Clock::time_point now) {
  std::string out;
  out.append(
      "# HELP switchyard_endpoint_state State of each catalog endpoint: 1 for the state it is in "
      "(healthy, circuit_open, cooling_down, unhealthy, disabled), 0 for the others.\n");
  out.append("# TYPE switchyard_endpoint_state gauge\n");
  for (const config::EndpointRef& ref : snapshot.endpoints()) {
    policies::EndpointCondition condition = policies::endpoint_condition(ref, table.find(ref), now);
    for (policies::EndpointCondition candidate : policies::kEndpointConditions) {
      out.append("switchyard_endpoint_state{provider=\"");
      append_label_value(out, ref.provider->name);
      out.append("\",model=\"");
      append_label_value(out, ref.model->id);
      out.append("\",state=\"");
      out.append(policies::to_string(candidate));
      out.append(candidate == condition ? "\"} 1\n" : "\"} 0\n");
    }
  }
  return out;
}

}  // namespace switchyard
