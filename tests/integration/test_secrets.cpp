// The provider key (from TEST_PROVIDER_KEY) reaches the upstream and nothing
// else: not the log (even at debug level), not a response, not an error.
#include "tests/integration/stack.hpp"

using namespace itest;

namespace {
void check_no_secret(const HttpResponse& res) {
  INFO("status " << res.status << " body: " << res.body);
  CHECK(res.body.find(kProviderKey) == std::string::npos);
  for (const auto& [name, value] : res.headers)
    CHECK(value.find(kProviderKey) == std::string::npos);
}
}  // namespace

TEST_SUITE("secrets") {
  TEST_CASE("the provider key never appears in logs or responses") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) { spec.log_level = "debug"; });
    auto client = stack.client();

    auto ok = client.post("/v1/chat/completions", chat_body());
    CHECK(ok.status == 200);
    check_no_secret(ok);
    CHECK(stack.upstream.last_request()->header("authorization") ==
          std::string(kProviderBearer));

    client.send_request("POST", "/v1/chat/completions", chat_body("test/alpha", true, true));
    auto head = client.read_response_head();
    CHECK(head.status == 200);
    while (client.next_event()) {
    }
    check_no_secret(head);
    CHECK(client.streamed_body().find(kProviderKey) == std::string::npos);

    // An upstream that rejects the key and echoes it back in its error.
    stack.upstream.set_handler([](const RecordedRequest& r) {
      return Response::json(openai_error("Incorrect API key provided: " + r.header("authorization"),
                                         "invalid_request_error", "invalid_api_key"),
                            401);
    });
    auto denied = client.post("/v1/chat/completions", chat_body());
    CHECK(denied.status >= 400);
    check_error(denied, denied.status, "");
    check_no_secret(denied);

    for (const char* route : {"/v1/models", "/metrics", "/healthz", "/readyz"}) {
      check_no_secret(client.get(route));
    }
    auto bad = client.post("/v1/chat/completions", "{bad json");
    check_no_secret(bad);

    // All three chat requests are finished and accounted once the usage log
    // has their lines; the log has been written by then.
    CHECK(wait_until([&] { return read_lines(stack.gateway.usage_log_path()).size() >= 4; }, 3s));
    std::string log = stack.gateway.log_text();
    CHECK(log.find("listening on") != std::string::npos);
    CHECK(log.find(kProviderKey) == std::string::npos);
    CHECK(read_file(stack.gateway.usage_log_path()).find(kProviderKey) == std::string::npos);
  }
}
