#include <doctest/doctest.h>

#include <limits>
#include <random>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/accounting/usage_log.hpp"
#include "gateway/accounting/usage_record.hpp"

using namespace switchyard;

namespace {

UsageRecord full_record() {
  UsageRecord r;
  r.request_id = "req-7f3a";
  r.time_unix_ms = 1714566896789;  // 2024-05-01T12:34:56.789Z
  r.route = "chat";
  r.key_name = "team-a";
  r.requested_model = "qwen/通义千问-max:floor";
  r.stream = true;
  r.served_model = "qwen/qwen-max";
  r.provider = "dashscope";
  r.upstream_model = "qwen-max-2025-01-25 🚀";
  r.family = "qwen";
  r.origin = "CN";
  r.weights = "closed";
  r.hosting = "remote";
  r.jurisdiction = "CN";
  r.prompt_tokens = 1234;
  r.completion_tokens = 567;
  r.cached_prompt_tokens = 1000;
  r.cache_creation_tokens = 12;
  r.usage_estimated = true;
  r.cost = 5'500'000;  // 0.0000055 USD
  r.ttft_ms = 123.456;
  r.duration_ms = 4567.891;
  r.upstream_wait_ms = 4400.5;
  r.attempts.push_back(
      {"deepseek/deepseek-r1", "deepseek", "deepseek-reasoner", "timeout", 0, 30000.25, true});
  r.attempts.push_back({"qwen/qwen-max", "dashscope", "qwen-max", "ok", 200, 4400.5, false});
  r.policy_decisions = {"policy no-us removed openai/gpt-4o@openai: origin US",
                        "request only=[dashscope] removed qwen/qwen-max@local-vllm"};
  r.denied_by = "";
  r.outcome = "ok";
  r.status = 200;
  return r;
}

void check_same(const UsageRecord& a, const UsageRecord& b) {
  CHECK(a.request_id == b.request_id);
  CHECK(a.time_unix_ms == b.time_unix_ms);
  CHECK(a.route == b.route);
  CHECK(a.key_name == b.key_name);
  CHECK(a.requested_model == b.requested_model);
  CHECK(a.stream == b.stream);
  CHECK(a.served_model == b.served_model);
  CHECK(a.provider == b.provider);
  CHECK(a.upstream_model == b.upstream_model);
  CHECK(a.family == b.family);
  CHECK(a.origin == b.origin);
  CHECK(a.weights == b.weights);
  CHECK(a.hosting == b.hosting);
  CHECK(a.jurisdiction == b.jurisdiction);
  CHECK(a.prompt_tokens == b.prompt_tokens);
  CHECK(a.completion_tokens == b.completion_tokens);
  CHECK(a.cached_prompt_tokens == b.cached_prompt_tokens);
  CHECK(a.cache_creation_tokens == b.cache_creation_tokens);
  CHECK(a.usage_estimated == b.usage_estimated);
  CHECK(a.cost == b.cost);
  CHECK(a.ttft_ms == b.ttft_ms);
  CHECK(a.duration_ms == b.duration_ms);
  CHECK(a.upstream_wait_ms == b.upstream_wait_ms);
  REQUIRE(a.attempts.size() == b.attempts.size());
  for (std::size_t i = 0; i < a.attempts.size(); ++i) {
    CHECK(a.attempts[i].model == b.attempts[i].model);
    CHECK(a.attempts[i].provider == b.attempts[i].provider);
    CHECK(a.attempts[i].upstream_model == b.attempts[i].upstream_model);
    CHECK(a.attempts[i].outcome == b.attempts[i].outcome);
    CHECK(a.attempts[i].status == b.attempts[i].status);
    CHECK(a.attempts[i].duration_ms == b.attempts[i].duration_ms);
    CHECK(a.attempts[i].may_have_billed == b.attempts[i].may_have_billed);
  }
  CHECK(a.policy_decisions == b.policy_decisions);
  CHECK(a.denied_by == b.denied_by);
  CHECK(a.outcome == b.outcome);
  CHECK(a.status == b.status);
}

}  // namespace

TEST_CASE("usage record: every field round-trips exactly") {
  UsageRecord original = full_record();
  std::string line = to_json_line(original);
  CHECK(line.find('\n') == std::string::npos);
  UsageRecord parsed;
  REQUIRE(from_json_line(line, parsed));
  check_same(original, parsed);
}

TEST_CASE("usage record: stable field names and exact money") {
  std::string line = to_json_line(full_record());
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  REQUIRE(!ec);
  const boost::json::object& o = value.as_object();
  CHECK(o.at("time").as_string() == "2024-05-01T12:34:56.789Z");
  CHECK(o.at("key").as_string() == "team-a");
  CHECK(o.at("cost_usd").as_string() == "0.0000055");
  CHECK(o.at("cost_picousd").as_int64() == 5'500'000);
  CHECK(o.at("requested_model").as_string() == "qwen/通义千问-max:floor");
  CHECK(o.at("attempts").as_array().at(0).as_object().at("may_have_billed").as_bool());
  CHECK(o.at("policy_decisions").as_array().size() == 2);
  // Fixed notation, not Boost's "4.567891E3".
  CHECK(line.find("\"duration_ms\":4567.891,") != std::string::npos);
  CHECK(line.find("\"upstream_wait_ms\":4400.5,") != std::string::npos);
  const char* names[] = {"request_id",
                         "time",
                         "route",
                         "key",
                         "requested_model",
                         "stream",
                         "served_model",
                         "provider",
                         "upstream_model",
                         "family",
                         "origin",
                         "weights",
                         "hosting",
                         "jurisdiction",
                         "prompt_tokens",
                         "completion_tokens",
                         "cached_prompt_tokens",
                         "cache_creation_tokens",
                         "usage_estimated",
                         "cost_usd",
                         "cost_picousd",
                         "ttft_ms",
                         "duration_ms",
                         "upstream_wait_ms",
                         "attempts",
                         "policy_decisions",
                         "denied_by",
                         "outcome",
                         "status"};
  CHECK(o.size() == std::size(names));
  for (const char* name : names) CHECK_MESSAGE(o.contains(name), name);
}

TEST_CASE("usage record: no token reached the client writes ttft null") {
  UsageRecord original = full_record();
  original.ttft_ms = -1;
  std::string line = to_json_line(original);
  CHECK(line.find("\"ttft_ms\":null") != std::string::npos);
  UsageRecord parsed;
  parsed.ttft_ms = 5;
  REQUIRE(from_json_line(line, parsed));
  CHECK(parsed.ttft_ms == -1);
}

TEST_CASE("usage record: extreme costs and an empty record") {
  UsageRecord original;
  original.cost = std::numeric_limits<Picousd>::max();
  UsageRecord parsed;
  REQUIRE(from_json_line(to_json_line(original), parsed));
  CHECK(parsed.cost == std::numeric_limits<Picousd>::max());
  CHECK(parsed.attempts.empty());
  CHECK(parsed.family == "other");
  CHECK(to_json_line(original).find("\"cost_usd\":\"9223372.036854775807\"") != std::string::npos);
}

TEST_CASE("usage record: durations keep microseconds exactly") {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::int64_t> micros(0, 10'000'000'000);
  for (int i = 0; i < 20'000; ++i) {
    UsageRecord original;
    original.duration_ms = static_cast<double>(micros(random)) / 1000.0;
    original.ttft_ms = static_cast<double>(micros(random)) / 1000.0;
    UsageRecord parsed;
    REQUIRE(from_json_line(to_json_line(original), parsed));
    REQUIRE(parsed.duration_ms == original.duration_ms);
    REQUIRE(parsed.ttft_ms == original.ttft_ms);
  }
  UsageRecord odd;
  odd.duration_ms = std::numeric_limits<double>::quiet_NaN();
  odd.upstream_wait_ms = std::numeric_limits<double>::infinity();
  odd.ttft_ms = std::numeric_limits<double>::quiet_NaN();
  UsageRecord parsed;
  REQUIRE(from_json_line(to_json_line(odd), parsed));  // still valid JSON
  CHECK(parsed.duration_ms == 0);
  CHECK(parsed.ttft_ms == -1);
}

TEST_CASE("usage record: hostile strings stay on one valid line") {
  UsageRecord original;
  original.request_id = std::string("line\nbreak \"quoted\" back\\slash tab\t nul") + '\0' + "end";
  original.requested_model = "bad \xC3\x28 utf8 \xED\xA0\x80 surrogate \xF5\x80\x80\x80";
  std::string line = to_json_line(original);
  CHECK(line.find('\n') == std::string::npos);
  UsageRecord parsed;
  REQUIRE(from_json_line(line, parsed));
  CHECK(parsed.request_id == original.request_id);
  CHECK(parsed.requested_model.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
  CHECK(parsed.requested_model.find("\xC3\x28") == std::string::npos);
}

TEST_CASE("usage record: malformed lines are rejected") {
  std::string good = to_json_line(full_record());
  UsageRecord parsed;
  CHECK(from_json_line(good, parsed));
  CHECK_FALSE(from_json_line("", parsed));
  CHECK_FALSE(from_json_line("{not json", parsed));
  CHECK_FALSE(from_json_line(good.substr(0, good.size() / 2), parsed));  // torn line
  CHECK_FALSE(from_json_line("[1,2]", parsed));
  CHECK_FALSE(from_json_line(R"({"cost_picousd":1})", parsed));                   // no time
  CHECK_FALSE(from_json_line(R"({"time":"2024-05-01T00:00:00.000Z"})", parsed));  // no cost
  CHECK_FALSE(from_json_line(R"({"time":"2024-02-30T00:00:00Z","cost_picousd":1})", parsed));
  CHECK_FALSE(from_json_line(
      R"({"time":"2024-05-01T00:00:00Z","cost_picousd":1,"prompt_tokens":"12"})", parsed));
  CHECK_FALSE(from_json_line(R"({"time":"2024-05-01T00:00:00Z","cost_picousd":1.5})", parsed));
  CHECK_FALSE(from_json_line(
      R"({"time":"2024-05-01T00:00:00Z","cost_picousd":1,"attempts":[{"status":"x"}]})", parsed));
  CHECK_FALSE(
      from_json_line(R"({"time":"2024-05-01T00:00:00Z","cost_picousd":1,"status":1e12})", parsed));
}

TEST_CASE("usage record: a minimal line from an older writer reads with defaults") {
  UsageRecord parsed;
  parsed.prompt_tokens = 99;  // must not leak from a previous parse
  REQUIRE(from_json_line(R"({"time":"2024-05-01T12:00:00+02:00","cost_picousd":42,"origin":"US"})",
                         parsed));
  CHECK(parsed.time_unix_ms == 1714557600000);  // 10:00 UTC
  CHECK(parsed.cost == 42);
  CHECK(parsed.origin == "US");
  CHECK(parsed.prompt_tokens == 0);
  CHECK(parsed.family == "other");
  CHECK(parsed.outcome == "ok");
  CHECK(parsed.ttft_ms == -1);
}

TEST_CASE("rfc 3339 time stamps") {
  CHECK(format_rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339_ms(1709251199999) == "2024-02-29T23:59:59.999Z");
  std::int64_t ms = 0;
  REQUIRE(parse_rfc3339_ms("2024-02-29T23:59:59.999Z", ms));
  CHECK(ms == 1709251199999);
  REQUIRE(parse_rfc3339_ms("2024-03-01T01:59:59.999+02:00", ms));
  CHECK(ms == 1709251199999);
  REQUIRE(parse_rfc3339_ms("1970-01-01t00:00:00.123456z", ms));
  CHECK(ms == 123);  // fraction truncated to milliseconds
  REQUIRE(parse_rfc3339_ms("1969-12-31T23:59:59.999Z", ms));
  CHECK(ms == -1);
  CHECK_FALSE(parse_rfc3339_ms("2023-02-29T00:00:00Z", ms));
  CHECK_FALSE(parse_rfc3339_ms("2024-05-01T24:00:00Z", ms));
  CHECK_FALSE(parse_rfc3339_ms("2024-05-01T12:00:00", ms));  // no offset
  CHECK_FALSE(parse_rfc3339_ms("2024-05-01T12:00:00.Z", ms));
  CHECK_FALSE(parse_rfc3339_ms("2024-05-01T12:00:00Zjunk", ms));
  CHECK_FALSE(parse_rfc3339_ms("2024-5-01T12:00:00Z", ms));
  for (std::int64_t t : {0LL, 1714566896789LL, 951782400000LL, 4102444800001LL}) {
    REQUIRE(parse_rfc3339_ms(format_rfc3339_ms(t), ms));
    CHECK(ms == t);
  }
}
