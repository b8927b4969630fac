#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <string>

#include "gateway/accounting/request_tags.hpp"
#include "gateway/accounting/usage_record.hpp"
#include "providers/canonical/chat_request.hpp"

using namespace switchyard;

TEST_CASE("request tags: control characters are removed, invalid UTF-8 replaced") {
  CHECK(sanitize_tag("alice\n\r\t\x1b[31m\x7f", 256) == "alice[31m");
  CHECK(sanitize_tag("caf\xC3\xA9 \xC2\x85x", 256) == "caf\xC3\xA9 x");  // NEL (C1) dropped
  CHECK(sanitize_tag("a\xFFz", 256) == "a\xEF\xBF\xBDz");
}

TEST_CASE("request tags: cut to the bound on a character boundary") {
  CHECK(sanitize_tag(std::string(1000, 'x'), kMaxTagBytes).size() == kMaxTagBytes);
  // Three two-byte characters in five bytes: only two fit.
  CHECK(sanitize_tag("\xC3\xA9\xC3\xA9\xC3\xA9", 5) == "\xC3\xA9\xC3\xA9");
}

TEST_CASE("request tags: user and string metadata reach the record, bounded") {
  ChatRequest request;
  request.user = std::string("user-42\n") + std::string(400, 'u');
  boost::json::object metadata;
  metadata["team"] = "search";
  metadata["count"] = 3;  // not a string: skipped
  metadata["\n"] = "empty key after sanitising: skipped";
  // (append, not "k" + to_string: g++ 12 -O3 warns falsely there; -Wrestrict)
  for (int i = 0; i < 30; ++i) metadata[std::string("k").append(std::to_string(i))] = "v";
  request.body["metadata"] = std::move(metadata);

  UsageRecord record;
  record_request_tags(request, record);
  CHECK(record.user.size() == kMaxTagBytes);
  CHECK(record.user.rfind("user-42u", 0) == 0);
  REQUIRE(record.metadata.size() == kMaxMetadataKeys);
  CHECK(record.metadata[0] == std::pair<std::string, std::string>("team", "search"));
  CHECK(record.metadata[1].first == "k0");
}

TEST_CASE("request tags: user and metadata survive the usage log line") {
  UsageRecord record;
  record.time_unix_ms = 1714521600000;
  record.user = "alice \"quoted\"";
  record.metadata = {{"team", "search"}, {"app", "chat-ui"}};
  UsageRecord back;
  REQUIRE(from_json_line(to_json_line(record), back));
  CHECK(back.user == record.user);
  CHECK(back.metadata == record.metadata);

  UsageRecord plain;
  plain.time_unix_ms = 1714521600000;
  const std::string line = to_json_line(plain);
  CHECK(line.find("\"user\"") == std::string::npos);  // absent when the caller sent none
  CHECK(line.find("\"metadata\"") == std::string::npos);
}
