#pragma once
// A fake upstream plus a gateway configured against it: the usual setup of a
// gateway test. Also the shared assertion on OpenAI-style error bodies.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <functional>
#include <string_view>

#include "tests/integration/config_builder.hpp"
#include "tests/integration/fake_upstream.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/wire_formats.hpp"

namespace itest {

struct Stack {
  FakeUpstream upstream;
  GatewayProcess gateway;

  // `tweak` edits the standard config (provider fake-a at the fake) first.
  explicit Stack(Handler handler = openai_handler(),
                 const std::function<void(ConfigSpec&)>& tweak = {}, GatewayOptions options = {})
      : upstream(std::move(handler)), gateway(config(upstream, tweak), std::move(options)) {}

  TestClient client(Millis timeout = 10s) const { return TestClient(gateway.port(), timeout); }

 private:
  static std::string config(const FakeUpstream& fake,
                            const std::function<void(ConfigSpec&)>& tweak) {
    ConfigSpec spec = basic_spec(fake.base_url());
    if (tweak) tweak(spec);
    return render_config(spec);
  }
};

// The string in `v`, or its JSON text when it is not a string (for messages).
inline std::string str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

// {"error":{"message":<non-empty string>,"type":<string>,"param":...,"code":<code>}}
// with the given HTTP status; returns the error object for further checks.
inline boost::json::object check_error(const HttpResponse& res, int status, std::string_view code) {
  CHECK(res.status == status);
  CHECK(res.header("content-type").starts_with("application/json"));
  boost::system::error_code ec;
  auto body = boost::json::parse(res.body, ec);
  INFO("body: " << res.body);
  REQUIRE_FALSE(ec);
  REQUIRE(body.is_object());
  auto* error = body.as_object().if_contains("error");
  REQUIRE(error != nullptr);
  REQUIRE(error->is_object());
  const auto& e = error->as_object();
  REQUIRE(e.contains("message"));
  CHECK(e.at("message").is_string());
  CHECK_FALSE(e.at("message").as_string().empty());
  CHECK(e.contains("type"));
  CHECK(e.contains("param"));
  REQUIRE(e.contains("code"));
  if (!code.empty()) CHECK(str(e.at("code")) == code);
  return e;
}

}  // namespace itest
