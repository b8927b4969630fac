#pragma once
// Helpers for the request-flow tests: config lines the standard builder does
// not write, usage records read back, and a streamed response read whole.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/stack.hpp"

namespace itest {

// Adds lines under `server.limits` and a `server.routing` block to a
// rendered config.
std::string with_server_lines(std::string yaml, const std::string& limits_lines,
                              const std::string& routing_lines = {});

// Every usage record in the log, parsed.
std::vector<boost::json::object> usage_records(const std::string& path);

struct StreamRead {
  HttpResponse head;
  std::vector<SseEvent> events;
  bool complete = false;  // the body ended with its final chunk
  bool has_done() const;
  // The last event's data as JSON (null when there is none or it is not JSON).
  boost::json::value last_json() const;
};

// Reads the rest of a stream whose head was read already.
StreamRead read_rest(TestClient& client, HttpResponse head);

}  // namespace itest
