// Endpoint state lives in the process's endpoint table, not in the config
// snapshot: a SIGHUP reload keeps what traffic taught about every endpoint
// that still exists (here an open circuit), and starts a new one fresh.
#include <signal.h>

#include "tests/integration/routing_support.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
using namespace itest::routing;
namespace json = boost::json;

namespace {

// The explain trace entry of `provider` for `model`; empty when not planned.
json::object explained(Fleet& fleet, const std::string& model, const std::string& provider) {
  auto res = post_route(fleet.port(), chat_json(model));
  if (res.status != 200) return {};
  json::value plan = res.json();
  const json::object* item = trace_item(plan, provider);
  return item ? *item : json::object{};
}

std::string removed_by(const json::object& item) {
  const json::value* value = item.if_contains("removed_by");
  return value && value->is_string() ? std::string(value->get_string()) : "";
}

bool kept(const json::object& item) {
  const json::value* value = item.if_contains("kept");
  return value && value->is_bool() && value->get_bool();
}

Setup flaky_and_backup() {
  Setup s;
  s.providers = {{.name = "flaky"}, {.name = "backup"}};
  s.models = {
      {.id = "test/keep",
       .endpoints = {{.provider = "flaky", .prompt_price = "0.1", .completion_price = "0.1"},
                     {.provider = "backup", .prompt_price = "1", .completion_price = "1"}}}};
  s.breaker_failures = 1;
  s.breaker_cooldown = "1h";  // open for the whole test unless the state is lost
  return s;
}

}  // namespace

TEST_SUITE("reload state") {
  TEST_CASE("a SIGHUP reload keeps the open circuit of an endpoint that still exists") {
    Setup setup = flaky_and_backup();
    Fleet fleet(setup);
    fleet.fake("flaky").set_handler(error_handler(500));
    // Far apart in price, so no load spread: flaky is always tried first.
    auto first = post_chat(fleet.port(), chat_json("test/keep"));
    REQUIRE(first.status == 200);
    CHECK(first.header("x-switchyard-provider") == "backup");
    CHECK(fleet.fake("flaky").hits() == 1);
    REQUIRE(removed_by(explained(fleet, "test/keep", "flaky")) == "circuit");

    // A new config: one more model served by the flaky provider.
    std::map<std::string, std::string> urls = {{"flaky", fleet.fake("flaky").base_url()},
                                               {"backup", fleet.fake("backup").base_url()}};
    setup.models.push_back({.id = "test/new", .endpoints = {{.provider = "flaky"}}});
    fleet.gateway().write_config(render(setup, urls));
    fleet.gateway().send_signal(SIGHUP);
    bool reloaded = wait_until([&] { return kept(explained(fleet, "test/new", "flaky")); }, 5s);
    INFO("gateway log:\n" << fleet.gateway().log_text());
    REQUIRE(reloaded);

    // The old endpoint's circuit is still open; the new endpoint of the same
    // provider has a state of its own.
    CHECK(removed_by(explained(fleet, "test/keep", "flaky")) == "circuit");
    std::size_t hits = fleet.fake("flaky").hits();
    auto after = post_chat(fleet.port(), chat_json("test/keep"));
    REQUIRE(after.status == 200);
    CHECK(after.header("x-switchyard-provider") == "backup");
    CHECK(fleet.fake("flaky").hits() == hits);
  }
}
