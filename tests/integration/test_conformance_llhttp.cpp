// Node.js llhttp's request cases (tests/conformance/llhttp_requests.json)
// against the real gateway over a socket: an `error` case gets a 4xx and a
// close, or a close, within the header timeout, never a 2xx or a hang; no
// `valid` case gets a 5xx; the process survives all of them.
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "tests/integration/stack.hpp"

using namespace itest;

namespace {
struct Case {
  std::string name;
  std::string verdict;
  std::string raw;  // bytes
};

// The file stores bytes as latin-1 code points; JSON text holds them as UTF-8.
std::string latin1_bytes(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0xc0 && i + 1 < utf8.size()) {
      out.push_back(
          static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3f)));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// A 4xx, or the 501 the gateway gives a method token it does not implement
// (QUERY, SOURCE, ANNOUNCE): a deliberate answer, not a failure of the server.
bool refusal(int status) {
  return (status >= 400 && status < 500) || status == 501;
}

std::vector<Case> load_cases() {
  std::ifstream in(std::string(SWITCHYARD_SOURCE_DIR "/tests/conformance/llhttp_requests.json"));
  std::stringstream text;
  text << in.rdbuf();
  auto root = boost::json::parse(text.str()).as_object();
  std::vector<Case> cases;
  for (const auto& item : root.at("cases").as_array()) {
    const auto& object = item.as_object();
    cases.push_back({std::string(object.at("name").as_string()),
                     std::string(object.at("verdict").as_string()),
                     latin1_bytes(object.at("raw").as_string())});
  }
  return cases;
}
}  // namespace

TEST_SUITE("llhttp conformance") {
  TEST_CASE("every llhttp request case: errors refused quickly, valid ones never a 5xx") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) {
      spec.header_timeout = "1s";
      spec.idle_timeout = "500ms";
      spec.body_timeout = "1s";
    });
    auto cases = load_cases();
    REQUIRE(cases.size() > 100);
    std::size_t errors = 0;
    for (const Case& c : cases) {
      INFO(c.name << " (" << c.verdict << ")");
      TestClient client(stack.gateway.port(), 5s);
      auto start = std::chrono::steady_clock::now();
      try {
        client.send_raw(c.raw);
      } catch (const std::exception&) {
        // Refused and closed before every byte went out: a close is an answer.
      }
      auto raw = client.read_until_close(4s);
      auto elapsed = std::chrono::steady_clock::now() - start;
      auto statuses = raw_statuses(raw.data);
      CHECK(raw.eof);           // never a hang past the timeouts
      CHECK(elapsed < 3500ms);  // header, body and idle timeouts are 1 s
      if (c.verdict == "error") {
        ++errors;
        // No answer at all, or the last answer a 4xx (a case may hold a valid
        // request before the broken one).
        if (!statuses.empty()) CHECK(refusal(statuses.back()));
        if (statuses.size() == 1) CHECK(statuses.front() >= 400);
      }
      for (int status : statuses) CHECK((status < 500 || status == 501));
      REQUIRE(stack.gateway.wait_exit(0ms) == std::nullopt);
    }
    CHECK(errors > 50);
    CHECK(TestClient(stack.gateway.port()).get("/healthz").status == 200);
  }
}
