#include "tests/integration/flow_support.hpp"

namespace itest {

namespace json = boost::json;

std::string with_server_lines(std::string yaml, const std::string& limits_lines,
                              const std::string& routing_lines) {
  const std::string limits = "  limits:\n";
  if (!limits_lines.empty()) yaml.insert(yaml.find(limits) + limits.size(), limits_lines);
  if (!routing_lines.empty())
    yaml.insert(yaml.find("providers:\n"), "  routing:\n" + routing_lines);
  return yaml;
}

std::vector<json::object> usage_records(const std::string& path) {
  std::vector<json::object> records;
  for (const std::string& line : read_lines(path)) records.push_back(json::parse(line).as_object());
  return records;
}

bool StreamRead::has_done() const {
  for (const SseEvent& event : events) {
    if (event.data == "[DONE]") return true;
  }
  return false;
}

json::value StreamRead::last_json() const {
  if (events.empty()) return nullptr;
  boost::system::error_code ec;
  json::value value = json::parse(events.back().data, ec);
  return ec ? json::value(nullptr) : value;
}

StreamRead read_rest(TestClient& client, HttpResponse head) {
  StreamRead read;
  read.head = std::move(head);
  while (auto event = client.next_event()) read.events.push_back(*event);
  read.complete = client.body_complete();
  return read;
}

}  // namespace itest
