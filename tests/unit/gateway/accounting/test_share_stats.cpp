#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <string>

#include "gateway/accounting/share_stats.hpp"
#include "gateway/accounting/usage_record.hpp"
#include "gateway/dashboard/dashboard.hpp"

using namespace switchyard;

namespace {

UsageRecord record(std::string provider, std::string family, std::string origin,
                   std::string hosting, std::int64_t prompt, std::int64_t completion,
                   Picousd cost) {
  UsageRecord r;
  r.request_id = "req-1";
  r.provider = std::move(provider);
  r.family = std::move(family);
  r.origin = std::move(origin);
  r.hosting = std::move(hosting);
  r.prompt_tokens = prompt;
  r.completion_tokens = completion;
  r.cost = cost;
  return r;
}

boost::json::object render_ok(const ShareStats& stats, std::string_view by,
                              std::string_view metric) {
  std::string body, error;
  REQUIRE(stats.render(by, metric, body, error));
  CHECK(error.empty());
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  REQUIRE_FALSE(ec);
  return parsed.as_object();
}

// A batch where CN models serve 3/4 of the tokens but US ones cost more:
// 2 CN records (deepseek local, qwen remote), 1 US remote, plus a failed
// attempt that still reached an endpoint and a denial that did not.
void observe_mixed_batch(ShareStats& stats) {
  stats.observe(record("local-vllm", "deepseek", "CN", "local", 1000, 500, 75'000'000));
  stats.observe(record("dashscope", "qwen", "CN", "remote", 2000, 1000, 3));
  stats.observe(record("openai", "gpt", "US", "remote", 1000, 500, 5'500'000'000'000));
  UsageRecord failed = record("openai", "gpt", "US", "remote", 0, 0, 0);
  failed.outcome = "upstream_error";
  stats.observe(failed);
  UsageRecord denied;  // never reached an endpoint: provider empty
  denied.outcome = "denied";
  denied.origin = "CN";
  denied.prompt_tokens = 999;
  stats.observe(denied);
}

}  // namespace

TEST_CASE("share stats: tokens by origin, largest first, exact shares") {
  ShareStats stats;
  observe_mixed_batch(stats);
  const auto out = render_ok(stats, "origin", "tokens");
  CHECK(out.at("by") == "origin");
  CHECK(out.at("metric") == "tokens");
  CHECK(out.at("total") == 6000);  // the denied record's 999 tokens do not count
  const auto& shares = out.at("shares").as_array();
  REQUIRE(shares.size() == 2);
  CHECK(shares[0].at("key") == "CN");
  CHECK(shares[0].at("value") == 4500);
  CHECK(shares[0].at("share").as_double() == 0.75);
  CHECK(shares[1].at("key") == "US");
  CHECK(shares[1].at("value") == 1500);
  CHECK(shares[1].at("share").as_double() == 0.25);
}

TEST_CASE("share stats: requests count every record that reached an endpoint") {
  ShareStats stats;
  observe_mixed_batch(stats);
  const auto by_provider = render_ok(stats, "provider", "requests");
  CHECK(by_provider.at("total") == 4);
  const auto& shares = by_provider.at("shares").as_array();
  REQUIRE(shares.size() == 3);
  CHECK(shares[0].at("key") == "openai");  // the failed attempt counts too
  CHECK(shares[0].at("value") == 2);
  CHECK(shares[0].at("share").as_double() == 0.5);
  // Ties keep key order.
  CHECK(shares[1].at("key") == "dashscope");
  CHECK(shares[2].at("key") == "local-vllm");

  const auto by_hosting = render_ok(stats, "hosting", "requests");
  CHECK(by_hosting.at("shares").as_array()[0].at("key") == "remote");
  CHECK(by_hosting.at("shares").as_array()[0].at("value") == 3);
}

TEST_CASE(
    "share stats: requests that never reached a model are counted apart, never as an origin") {
  ShareStats stats;
  observe_mixed_batch(stats);
  const auto out = render_ok(stats, "origin", "requests");
  CHECK(out.at("total") == 4);
  for (const auto& share : out.at("shares").as_array()) CHECK(share.at("key") != "other");
  CHECK(out.at("failed_before_routing").at("requests") == 1);

  ShareStats empty;
  CHECK(render_ok(empty, "origin", "requests").at("failed_before_routing").at("requests") == 0);
}

TEST_CASE("share stats: by model groups on the served catalog model") {
  ShareStats stats;
  UsageRecord a = record("openai", "gpt", "US", "remote", 10, 0, 0);
  a.served_model = "openai/gpt-4o";
  UsageRecord b = record("openai", "gpt", "US", "remote", 30, 0, 0);
  b.served_model = "openai/gpt-4o-mini";
  stats.observe(a);
  stats.observe(b);
  const auto out = render_ok(stats, "model", "tokens");
  const auto& shares = out.at("shares").as_array();
  REQUIRE(shares.size() == 2);
  CHECK(shares[0].at("key") == "openai/gpt-4o-mini");
  CHECK(shares[0].at("share").as_double() == 0.75);
}

TEST_CASE("share stats: cost is exact, as a decimal USD string and picodollars") {
  ShareStats stats;
  observe_mixed_batch(stats);
  const auto out = render_ok(stats, "family", "cost");
  CHECK(out.at("total") == "5.500075000003");
  CHECK(out.at("total_picousd") == 5'500'075'000'003);
  const auto& shares = out.at("shares").as_array();
  REQUIRE(shares.size() == 3);
  CHECK(shares[0].at("key") == "gpt");
  CHECK(shares[0].at("value") == "5.5");
  CHECK(shares[0].at("value_picousd") == 5'500'000'000'000);
  CHECK(shares[1].at("key") == "deepseek");
  CHECK(shares[1].at("value") == "0.000075");
  CHECK(shares[2].at("key") == "qwen");
  CHECK(shares[2].at("value") == "0.000000000003");
  CHECK(shares[2].at("value_picousd") == 3);
  double sum = 0;
  for (const auto& share : shares) sum += share.at("share").as_double();
  CHECK(sum == doctest::Approx(1.0));
}

TEST_CASE("share stats: empty statistics have zero shares, not NaN") {
  ShareStats stats;
  const auto out = render_ok(stats, "origin", "cost");
  CHECK(out.at("total") == "0");
  CHECK(out.at("total_picousd") == 0);
  CHECK(out.at("shares").as_array().empty());

  ShareStats zero_tokens;
  zero_tokens.observe(record("openai", "gpt", "US", "remote", 0, 0, 0));
  const auto tokens = render_ok(zero_tokens, "origin", "tokens");
  CHECK(tokens.at("total") == 0);
  CHECK(tokens.at("shares").as_array()[0].at("share").as_double() == 0.0);
}

TEST_CASE("share stats: bad parameters name the parameter and the allowed values") {
  ShareStats stats;
  observe_mixed_batch(stats);
  std::string body = "untouched", error;
  CHECK_FALSE(stats.render("country", "tokens", body, error));
  CHECK(error == "by: must be one of origin, family, provider, hosting, model");
  CHECK_FALSE(stats.render("", "tokens", body, error));
  CHECK(error.rfind("by: ", 0) == 0);
  CHECK_FALSE(stats.render("origin", "dollars", body, error));
  CHECK(error == "metric: must be one of tokens, requests, cost");
  CHECK_FALSE(stats.render("Origin", "tokens", body, error));  // case matters
  CHECK(body == "untouched");
}

TEST_CASE("share stats: keys are JSON-escaped") {
  ShareStats stats;
  stats.observe(record("we\"ird\\prov", "f", "o", "local", 1, 1, 1));
  const auto out = render_ok(stats, "provider", "requests");
  CHECK(out.at("shares").as_array()[0].at("key") == "we\"ird\\prov");
}

TEST_CASE("dashboard: self-contained page that polls the share route") {
  const std::string& page = dashboard_html();
  CHECK(page.rfind("<!doctype html>", 0) == 0);
  CHECK(&page == &dashboard_html());  // built once
  // Nothing is loaded from elsewhere; the only URL is the SVG namespace name.
  CHECK(page.find("<script src") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  std::string without_namespace = page;
  for (auto at = without_namespace.find("http://www.w3.org/2000/svg"); at != std::string::npos;
       at = without_namespace.find("http://www.w3.org/2000/svg"))
    without_namespace.erase(at, 26);
  CHECK(without_namespace.find("http://") == std::string::npos);

  CHECK(page.find("/v1/stats/share?by=") != std::string::npos);
  for (const char* name : {"\"origin\"", "\"family\"", "\"provider\"", "\"hosting\"", "\"model\"",
                           "failed_before_routing", "No request reached a model yet",
                           "value=\"tokens\"", "value=\"requests\"", "value=\"cost\""})
    CHECK_MESSAGE(page.find(name) != std::string::npos, name);
  CHECK(page.find("setInterval(refresh, REFRESH_MS)") != std::string::npos);
  CHECK(page.find("const REFRESH_MS = 5000;") != std::string::npos);
  // The key goes in a header and stays in memory.
  CHECK(page.find("\"Bearer \" + apiKey") != std::string::npos);
  CHECK(page.find("localStorage") == std::string::npos);
  CHECK(page.find("sessionStorage") == std::string::npos);
  CHECK(page.find("innerHTML") == std::string::npos);
}
