#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "gateway/flow/record_guard.hpp"

using namespace switchyard;

namespace {

struct Sink {
  std::vector<UsageRecord> written;
  RecordSink function() {
    return [this](const UsageRecord& record) { written.push_back(record); };
  }
};

UsageRecord fresh(const char* id) {
  UsageRecord record;
  record.request_id = id;
  return record;
}

}  // namespace

TEST_SUITE("record guard") {
  TEST_CASE("an explicit write happens once, the destructor adds nothing") {
    Sink sink;
    {
      RecordGuard guard(sink.function(), fresh("r1"), RecordGuard::Clock::now());
      guard.settle(Outcome::ok, 200);
      guard.write();
      guard.write();
      CHECK(guard.written());
      CHECK(sink.written.size() == 1);
    }
    REQUIRE(sink.written.size() == 1);
    CHECK(sink.written[0].request_id == "r1");
    CHECK(sink.written[0].outcome == "ok");
    CHECK(sink.written[0].status == 200);
  }

  TEST_CASE("a settled but unwritten record is written by the destructor") {
    Sink sink;
    {
      RecordGuard guard(sink.function(), fresh("r2"), RecordGuard::Clock::now());
      guard.settle(Outcome::client_disconnect, 499);
      CHECK(sink.written.empty());
    }
    REQUIRE(sink.written.size() == 1);
    CHECK(sink.written[0].outcome == "client_disconnect");
    CHECK(sink.written[0].status == 499);
  }

  TEST_CASE("an abandoned request (frame destroyed) is recorded as shutdown") {
    Sink sink;
    { RecordGuard guard(sink.function(), fresh("r3"), RecordGuard::Clock::now()); }
    REQUIRE(sink.written.size() == 1);
    CHECK(sink.written[0].outcome == "shutdown");
    CHECK(sink.written[0].status == 503);
  }

  TEST_CASE("an abandoned stream keeps the status its client saw") {
    Sink sink;
    {
      RecordGuard guard(sink.function(), fresh("r4"), RecordGuard::Clock::now());
      guard.response_started();
    }
    REQUIRE(sink.written.size() == 1);
    CHECK(sink.written[0].outcome == "shutdown");
    CHECK(sink.written[0].status == 200);
  }

  TEST_CASE("the last settle before the write wins; after it nothing changes") {
    Sink sink;
    RecordGuard guard(sink.function(), fresh("r5"), RecordGuard::Clock::now());
    guard.settle(Outcome::ok, 200);
    guard.settle(Outcome::truncated, 200);
    guard.write();
    guard.settle(Outcome::shutdown, 503);
    guard.write();
    REQUIRE(sink.written.size() == 1);
    CHECK(sink.written[0].outcome == "truncated");
  }

  TEST_CASE("the duration is measured up to the write") {
    Sink sink;
    auto start = RecordGuard::Clock::now() - std::chrono::milliseconds(250);
    RecordGuard guard(sink.function(), fresh("r6"), start);
    guard.write();
    REQUIRE(sink.written.size() == 1);
    CHECK(sink.written[0].duration_ms >= 250);
  }

  TEST_CASE("the record is reachable and edited in place until written") {
    Sink sink;
    {
      RecordGuard guard(sink.function(), fresh("r7"), RecordGuard::Clock::now());
      guard.record().prompt_tokens = 12;
      guard.record().attempts.push_back({});
      guard.settle(Outcome::upstream_error, 502);
    }
    REQUIRE(sink.written.size() == 1);
    CHECK(sink.written[0].prompt_tokens == 12);
    CHECK(sink.written[0].attempts.size() == 1);
    CHECK(sink.written[0].outcome == "upstream_error");
  }
}

TEST_SUITE("outcome table") {
  TEST_CASE("every outcome has one row with its strings and status") {
    struct Row {
      Outcome outcome;
      const char* name;
      int status;
    };
    const Row rows[] = {{Outcome::ok, "ok", 200},
                        {Outcome::bad_request, "bad_request", 400},
                        {Outcome::unauthorized, "unauthorized", 401},
                        {Outcome::denied, "denied", 403},
                        {Outcome::not_found, "not_found", 404},
                        {Outcome::rate_limited, "rate_limited", 429},
                        {Outcome::no_endpoint, "no_endpoint", 503},
                        {Outcome::upstream_error, "upstream_error", 502},
                        {Outcome::truncated, "truncated", 502},
                        {Outcome::shutdown, "shutdown", 503},
                        {Outcome::client_disconnect, "client_disconnect", 499}};
    for (const Row& row : rows) {
      CAPTURE(row.name);
      const OutcomeInfo& info = outcome_info(row.outcome);
      CHECK(info.outcome == row.outcome);
      CHECK(std::string_view(info.record_name) == row.name);
      CHECK(std::string_view(info.metric_label) == row.name);
      CHECK(info.status == row.status);
      CHECK(outcome_named(row.name) == row.outcome);
      if (info.error) CHECK(http_status(make_error(*info.error, "x")) == row.status);
    }
    CHECK_FALSE(outcome_named("no-such-outcome"));
  }

  TEST_CASE("errors map to the outcome the usage log has always used") {
    CHECK(outcome_of(ErrorCode::invalid_json) == Outcome::bad_request);
    CHECK(outcome_of(ErrorCode::policy_denied) == Outcome::denied);
    CHECK(outcome_of(ErrorCode::upstream_rate_limited) == Outcome::rate_limited);
    CHECK(outcome_of(ErrorCode::upstream_timeout) == Outcome::upstream_error);
    CHECK(outcome_of(ErrorCode::shutting_down) == Outcome::shutdown);
    CHECK(outcome_of(ErrorCode::upstream_truncated) == Outcome::truncated);
  }

  TEST_CASE("the flow's own errors carry their code and body") {
    Error error = outcome_error(Outcome::shutdown, "the gateway is shutting down");
    CHECK(error.code == ErrorCode::shutting_down);
    CHECK(http_status(error) == 503);
    CHECK(error_body(error).find("\"code\":\"shutting_down\"") != std::string::npos);
    CHECK(outcome_error(Outcome::truncated, "cut").code == ErrorCode::upstream_truncated);
  }
}
