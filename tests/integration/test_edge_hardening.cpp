// The hardened edge: body deadline, 100 Continue only after authentication,
// per-key concurrency, the admin listener and key-guarded routes, client
// request ids, downstream TLS reloaded on SIGHUP.
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <csignal>
#include <thread>

#include "tests/integration/routing_support.hpp"
#include "tests/integration/stack.hpp"
#include "tests/integration/tls_support.hpp"

using namespace itest;
using routing::bearer;
using routing::sha256_hex;

namespace {
using Clock = std::chrono::steady_clock;
constexpr const char* kToken = "sk-client-token-edge";

std::string keys_yaml(const std::string& extra = "") {
  return "keys:\n  - name: team-a\n    key_sha256: " + sha256_hex(kToken) + "\n" + extra;
}

std::uint16_t admin_port(const GatewayProcess& gateway) {
  std::string log = gateway.log_text();
  const std::string marker = "admin listener on 127.0.0.1:";
  auto at = log.find(marker);
  REQUIRE(at != std::string::npos);
  return static_cast<std::uint16_t>(std::stoi(log.substr(at + marker.size(), 6)));
}

// A TLS client trusting `ca_pem`: GET /healthz on a fresh connection; returns
// the status and the PEM of the certificate the gateway presented.
std::pair<int, std::string> tls_get_healthz(std::uint16_t port, const std::string& ca_pem) {
  namespace ssl = boost::asio::ssl;
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  context.add_certificate_authority(boost::asio::buffer(ca_pem));
  context.set_verify_mode(ssl::verify_peer);
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, context);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  SSL_set1_host(stream.native_handle(), "localhost");
  boost::beast::get_lowest_layer(stream).expires_after(5s);
  boost::beast::get_lowest_layer(stream).connect(
      {boost::asio::ip::make_address("127.0.0.1"), port});
  stream.handshake(ssl::stream_base::client);
  X509* peer = SSL_get1_peer_certificate(stream.native_handle());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, peer);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  X509_free(peer);
  http::request<http::empty_body> request{http::verb::get, "/healthz", 11};
  request.set(http::field::host, "localhost");
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return {response.result_int(), pem};
}
}  // namespace

TEST_SUITE("edge hardening") {
  TEST_CASE("a request body gets body_timeout, not the idle timeout") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) {
      spec.body_timeout = "1s";
      spec.idle_timeout = "20s";
    });
    auto client = stack.client();
    auto start = Clock::now();
    client.send_raw(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
    auto raw = client.read_until_close(10s);
    CHECK(raw.eof);
    CHECK(raw_statuses(raw.data).empty());
    CHECK(Clock::now() - start >= 800ms);
    CHECK(Clock::now() - start < 6s);  // the idle timeout is 20 s
    CHECK(stack.upstream.hits() == 0);
  }

  TEST_CASE("100 Continue is sent only after authentication") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) { spec.server_extra = keys_yaml(); });
    auto request = [](std::string_view auth) {
      return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n" +
             std::string(auth) + "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n";
    };
    auto refused = stack.client();
    refused.send_raw(request(""));
    auto raw = refused.read_until_close(5s);
    CHECK(raw_statuses(raw.data) == std::vector<int>{401});  // no 100 before it
    CHECK(raw.eof);

    auto admitted = stack.client();
    admitted.send_raw(request("Authorization: Bearer " + std::string(kToken) + "\r\n"));
    CHECK(wait_until(
        [&] {
          return admitted.read_until_close(100ms).data.find("100 Continue") != std::string::npos;
        },
        5s));
  }

  TEST_CASE("a key's max_concurrent limit answers 429 beyond it, others are unaffected") {
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    auto slow = [&, inner = openai_handler()](const RecordedRequest& r) {
      std::unique_lock lock(mutex);
      cv.wait_for(lock, 10s, [&] { return release; });
      return inner(r);
    };
    Stack stack(slow, [](ConfigSpec& spec) {
      spec.providers[0].first_byte = "15s";
      spec.server_extra = keys_yaml("    max_concurrent: 1\n") +
                          "  - name: team-b\n    key_sha256: " + sha256_hex("sk-other") + "\n";
    });
    auto first = stack.client(20s);
    first.send_request("POST", "/v1/chat/completions", chat_body(), bearer(kToken));
    REQUIRE(wait_until([&] { return stack.upstream.hits() == 1; }, 5s));
    auto second = stack.client().post("/v1/chat/completions", chat_body(), bearer(kToken));
    check_error(second, 429, "too_many_concurrent_requests");
    CHECK(second.header("retry-after") == "1");
    auto other = stack.client(20s);
    other.send_request("POST", "/v1/chat/completions", chat_body(), bearer("sk-other"));
    REQUIRE(wait_until([&] { return stack.upstream.hits() == 2; }, 5s));
    {
      std::lock_guard lock(mutex);
      release = true;
    }
    cv.notify_all();
    CHECK(first.read_response().status == 200);
    CHECK(other.read_response().status == 200);
    // The slot came back.
    CHECK(stack.client().post("/v1/chat/completions", chat_body(), bearer(kToken)).status == 200);
  }

  TEST_CASE("routes that reveal traffic or configuration need a key once keys exist") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) {
      spec.server_extra = "  open_paths: [/readyz]\n" + keys_yaml();
    });
    for (const char* path : {"/metrics", "/v1/models", "/dashboard", "/v1/stats/share"}) {
      INFO(path);
      check_error(stack.client().get(path), 401, "invalid_api_key");
      CHECK(stack.client().request("GET", path, {}, bearer(kToken)).status == 200);
    }
    CHECK(stack.client().get("/healthz").status == 200);
    CHECK(stack.client().get("/readyz").status == 200);  // listed in open_paths
  }

  TEST_CASE("with admin_listen, metrics and dashboard move to the admin listener") {
    Stack stack(openai_handler(),
                [](ConfigSpec& spec) { spec.server_extra = "  admin_listen: 127.0.0.1:0\n"; });
    std::uint16_t admin = admin_port(stack.gateway);
    for (const char* path : {"/metrics", "/dashboard", "/v1/stats/share", "/readyz"}) {
      INFO(path);
      check_error(stack.client().get(path), 404, "not_found");
      CHECK(TestClient(admin).get(path).status == 200);
    }
    CHECK(stack.client().post("/v1/chat/completions", chat_body()).status == 200);
    check_error(TestClient(admin).post("/v1/chat/completions", chat_body()), 404, "not_found");
    CHECK(TestClient(admin).get("/healthz").status == 200);
    CHECK(stack.client().get("/healthz").status == 200);
  }

  TEST_CASE("client request ids are kept when safe, replaced when not") {
    Stack stack;
    auto client = stack.client();
    auto kept = client.request("GET", "/healthz", {}, {{"X-Request-Id", "trace-42.a:b_c"}});
    CHECK(kept.header("x-request-id") == "trace-42.a:b_c");
    auto forged = client.request("GET", "/healthz", {}, {{"X-Request-Id", "a\",\"level\":\"x"}});
    CHECK(forged.header("x-request-id").starts_with("req-"));
    auto huge = client.request("GET", "/healthz", {}, {{"X-Request-Id", std::string(200, 'a')}});
    CHECK(huge.header("x-request-id").starts_with("req-"));
    CHECK(stack.gateway.log_text().find("\"level\":\"x") == std::string::npos);
  }

  TEST_CASE("downstream TLS with a test CA; SIGHUP loads a new certificate for new connections") {
    TestCa ca;
    TlsIdentity first = ca.issue();
    TlsIdentity second = ca.issue();
    FakeUpstream upstream(openai_handler());
    TempDir files;
    std::string cert = files.write("cert.pem", first.cert_pem);
    std::string key = files.write("key.pem", first.key_pem);
    auto config = [&] {
      ConfigSpec spec = basic_spec(upstream.base_url());
      spec.server_extra =
          "  tls: { cert: \"" + cert + "\", key: \"" + key + "\", min_version: \"1.2\" }\n";
      return render_config(spec);
    };
    GatewayProcess gateway(config());
    auto [status, pem] = tls_get_healthz(gateway.port(), ca.cert_pem());
    CHECK(status == 200);
    CHECK(pem == first.cert_pem);
    // A plain-text request on the TLS port does not get an HTTP answer.
    auto plain = TestClient(gateway.port(), 5s);
    plain.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(raw_statuses(plain.read_until_close(4s).data).empty());

    files.write("cert.pem", second.cert_pem);
    files.write("key.pem", second.key_pem);
    gateway.send_signal(SIGHUP);
    CHECK(wait_until(
        [&] { return tls_get_healthz(gateway.port(), ca.cert_pem()).second == second.cert_pem; },
        5s));
    // A broken key on reload keeps the running certificate.
    files.write("key.pem", "not a key");
    gateway.send_signal(SIGHUP);
    CHECK(wait_until(
        [&] { return gateway.log_text().find("config reload failed") != std::string::npos; }, 5s));
    CHECK(tls_get_healthz(gateway.port(), ca.cert_pem()).second == second.cert_pem);
  }
}
