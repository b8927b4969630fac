// Verified TLS to upstreams: the provider trusts a private CA through
// ca_file; a certificate from that CA naming the dialled host is accepted,
// and a self-signed, expired or wrong-host certificate is a 502 that says
// it was TLS and names no secret. Certificates are made here, per run.
#include "tests/integration/provider_fixtures.hpp"
#include "tests/integration/tls_support.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

struct TlsStack {
  TempDir dir;
  TlsFakeUpstream upstream;
  GatewayProcess gateway;

  TlsStack(const TestCa& ca, const TlsIdentity& identity)
      : upstream(identity, openai_handler()), gateway(config(ca)) {}

  std::string config(const TestCa& ca) const {
    std::string ca_path = dir.write("test-ca.pem", ca.cert_pem());
    return with_provider_extras(render_config(basic_spec(upstream.base_url("localhost"))), "fake-a",
                                {.ca_file = ca_path});
  }
};

// Returns the last error message.
std::string check_tls_refused(TlsStack& stack) {
  TestClient client(stack.gateway.port());
  std::string message;
  for (bool stream : {false, true}) {
    CAPTURE(stream);
    auto res = client.post("/v1/chat/completions", chat_body("test/alpha", stream));
    INFO("body: " << res.body);
    CHECK(res.status == 502);
    CHECK(res.header("content-type").starts_with("application/json"));
    CHECK(res.body.find(kProviderKey) == std::string::npos);
    message = str(res.json().at("error").at("message"));
    bool names_tls = message.find("TLS") != std::string::npos ||
                     message.find("certificate") != std::string::npos;
    CHECK_MESSAGE(names_tls, "message: " << message);
    CHECK(str(res.json().at("error").at("code")) == "upstream_tls_error");
  }
  // The request never reached the server: the handshake was refused.
  CHECK(stack.upstream.hits() == 0);
  CHECK(stack.upstream.handshakes() == 0);
  CHECK(stack.upstream.failed_handshakes() >= 1);
  CHECK(stack.gateway.log_text().find(kProviderKey) == std::string::npos);
  return message;
}

}  // namespace

TEST_SUITE("tls") {
  TEST_CASE("a certificate from the configured CA for localhost is accepted") {
    TestCa ca;
    TlsStack stack(ca, ca.issue());
    TestClient client(stack.gateway.port());
    auto res = client.post("/v1/chat/completions", chat_body());
    REQUIRE(res.status == 200);
    CHECK(res.json().at("choices").at(0).at("message").at("content") == "Hello");
    auto stream = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true));
    REQUIRE(stream.head.status == 200);
    CHECK(has_done(stream));
    CHECK(delta_text(sse_json(stream)) == "Hello");
    REQUIRE(stack.upstream.hits() == 2);
    auto up = stack.upstream.requests().back();
    CHECK(up.target == "/v1/chat/completions");
    CHECK(up.header("authorization") == std::string(kProviderBearer));
    CHECK(up.header("host") == "localhost:" + std::to_string(stack.upstream.port()));
    // SNI names the host we dialled.
    CHECK(stack.upstream.last_server_name() == "localhost");
  }

  TEST_CASE("a self-signed certificate is refused") {
    TestCa ca;
    TlsStack stack(ca, TestCa::self_signed());
    CHECK(check_tls_refused(stack).find("self-signed") != std::string::npos);
  }

  TEST_CASE("an expired certificate is refused") {
    TestCa ca;
    CertOptions expired;
    expired.not_before = -std::chrono::hours(48);
    expired.not_after = -std::chrono::hours(24);
    TlsStack stack(ca, ca.issue(expired));
    CHECK(check_tls_refused(stack).find("expired") != std::string::npos);
  }

  TEST_CASE("a certificate for another host is refused") {
    TestCa ca;
    CertOptions other;
    other.dns_names = {"other.example"};
    TlsStack stack(ca, ca.issue(other));
    CHECK(check_tls_refused(stack).find("hostname mismatch") != std::string::npos);
  }
}
