// Crash safety of the usage log: with fsync: always, a gateway killed with
// SIGKILL under traffic leaves only whole, parseable lines, at least one per
// acknowledged request, and no request twice; a restarted gateway appends to
// the same file cleanly. And "acknowledged" means "written": a gateway frozen
// the moment a client has its whole answer already has that answer's line.
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/accounting_support.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
using namespace itest::acct;

namespace {

// Sends requests one after another until told to stop, remembering the id of
// every response received whole (the client's acknowledgement).
class Sender {
 public:
  Sender(std::uint16_t port, std::atomic<bool>& stop)
      : stop_(stop), thread_([this, port] { run(port); }) {}
  ~Sender() { join(); }
  // Stops all sending first: a failed REQUIRE must not leave a thread spinning.
  void join() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> acknowledged() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }

 private:
  void run(std::uint16_t port) {
    while (!stop_) {
      try {
        TestClient client(port, 2s);
        while (!stop_) {
          auto res = client.post("/v1/chat/completions", chat_body());
          if (res.status != 200) continue;
          std::lock_guard lock(mutex_);
          acknowledged_.push_back(res.header("x-request-id"));
        }
      } catch (const std::exception&) {
        // The gateway died mid-request, or refuses connections now.
      }
    }
  }

  std::atomic<bool>& stop_;
  mutable std::mutex mutex_;
  std::vector<std::string> acknowledged_;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace

TEST_SUITE("accounting") {
  TEST_CASE("kill -9 under traffic leaves whole lines and loses no acknowledged request") {
    TempDir state;  // outlives both gateways: the log is reused by the second
    FakeUpstream fake(openai_handler({.pieces = {"ok"}, .usage = {21, 4}}));
    ConfigSpec spec = basic_spec(fake.base_url());
    spec.workers = 2;
    spec.usage_log = state.file("usage.jsonl");  // render_config sets fsync: always
    const std::string log_path = spec.usage_log;

    std::vector<std::string> acknowledged;
    {
      GatewayProcess gateway(render_config(spec));
      std::atomic<bool> stop{false};
      Sender first(gateway.port(), stop);
      Sender second(gateway.port(), stop);
      // Mid-traffic: both senders are busy when the signal lands.
      REQUIRE(wait_until(
          [&] { return first.acknowledged().size() + second.acknowledged().size() >= 60; }, 15s));
      gateway.send_signal(SIGKILL);
      REQUIRE(gateway.wait_exit(5s) == 128 + SIGKILL);
      first.join();
      second.join();
      for (const Sender* s : {&first, &second}) {
        auto ids = s->acknowledged();
        acknowledged.insert(acknowledged.end(), ids.begin(), ids.end());
      }
    }

    const std::string text = read_file(log_path);
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() == '\n');  // no torn tail
    UsageLog log = read_usage_log(log_path);
    for (const auto& line : log.bad_lines) FAIL_CHECK("line does not parse: " << line);
    std::size_t json_ok = 0;
    for (const auto& line : read_lines(log_path)) {
      boost::system::error_code ec;
      boost::json::parse(line, ec);
      json_ok += ec ? 0 : 1;
    }
    CHECK(json_ok == log.lines);
    CHECK(log.lines >= acknowledged.size());

    std::set<std::string> ids;
    for (const auto& r : log.records) {
      INFO("request " << r.request_id);
      CHECK(ids.insert(r.request_id).second);  // never written twice
      CHECK(r.prompt_tokens == 21);
      CHECK(r.completion_tokens == 4);
    }
    // Acknowledged means durable: every answered request has its line.
    std::size_t missing = 0;
    for (const auto& id : acknowledged) missing += ids.contains(id) ? 0 : 1;
    CHECK_MESSAGE(missing == 0, missing << " acknowledged requests have no usage record");

    // A new gateway appends to the same file without spoiling it.
    GatewayProcess again(render_config(spec));
    auto res = TestClient(again.port()).post("/v1/chat/completions", chat_body());
    REQUIRE(res.status == 200);
    REQUIRE(wait_until([&] { return read_lines(log_path).size() == log.lines + 1; }, 5s));
    UsageLog after = read_usage_log(log_path);
    CHECK(after.bad_lines.empty());
    REQUIRE_FALSE(after.records.empty());
    CHECK(after.records.back().request_id == res.header("x-request-id"));
    CHECK_FALSE(ids.contains(res.header("x-request-id")));  // ids do not repeat across restarts
  }

  TEST_CASE("a request's usage line is written before its response is complete") {
    // The kill -9 test above catches a late line only when the signal lands in
    // the gap; freezing the gateway right after each answer probes every gap.
    FakeUpstream fake(openai_handler());
    ConfigSpec spec = basic_spec(fake.base_url());
    GatewayProcess gateway(render_config(spec));
    const std::string log_path = gateway.usage_log_path();
    TestClient client(gateway.port());
    int late = 0;
    for (int i = 0; i < 150; ++i) {
      client.send_request("POST", "/v1/chat/completions",
                          chat_body("test/alpha", i % 2 == 1, i % 2 == 1));
      std::string id;
      if (i % 2 == 1) {  // streamed: acknowledged by the final chunk
        id = client.read_response_head().header("x-request-id");
        while (client.next_event()) {
        }
        REQUIRE(client.body_complete());
      } else {
        auto res = client.read_response();
        REQUIRE(res.status == 200);
        id = res.header("x-request-id");
      }
      REQUIRE(freeze(gateway.pid()));
      const bool written = read_file(log_path).find("\"" + id + "\"") != std::string::npos;
      thaw(gateway.pid());
      late += written ? 0 : 1;
    }
    CHECK_MESSAGE(late == 0, late << " of 150 acknowledged requests had no usage line yet: "
                                     "a kill -9 at that moment loses their billing record");
  }
}
