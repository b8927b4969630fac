// Chunked trailer fields are not header fields: Beast 1.81 merges them into
// the request's fields, so a trailer Authorization would authenticate a
// request whose header section (what a front proxy checks) had none.
#include "tests/integration/routing_support.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;

namespace {

constexpr std::string_view kToken = "trailer-test-token";

std::string keyed_config(const FakeUpstream& upstream) {
  return render_config(basic_spec(upstream.base_url())) +
         "keys:\n  - name: only\n    key_sha256: " + routing::sha256_hex(kToken) + "\n";
}

// A chunked chat request with `headers` in the header section and `trailer`
// after the last chunk.
std::string chunked_request(std::string_view headers, std::string_view trailer) {
  const std::string body = chat_body();
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n" +
         std::string(headers) + "\r\n" + size + body + "\r\n0\r\n" + std::string(trailer) + "\r\n";
}

}  // namespace

TEST_SUITE("smuggling") {
  TEST_CASE("a trailer Authorization does not authenticate a request") {
    FakeUpstream upstream(openai_handler());
    GatewayProcess gateway(keyed_config(upstream));
    const std::string bearer = "Authorization: Bearer " + std::string(kToken) + "\r\n";

    SUBCASE("in the header section it does") {
      TestClient client(gateway.port());
      client.send_raw(chunked_request(bearer, ""));
      CHECK(client.read_response().status == 200);
      CHECK(upstream.hits() == 1);
    }
    SUBCASE("in the trailer it does not") {
      TestClient client(gateway.port());
      client.send_raw(chunked_request("", bearer));
      CHECK(client.read_response().status == 401);
      CHECK(upstream.hits() == 0);
    }
  }
}
