// The SSE decoder against the WHATWG framing rules, fed at every split point.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "providers/sse/sse.hpp"

using switchyard::providers::SseDecoder;
using switchyard::providers::SseEvent;

namespace {

std::vector<SseEvent> decode_in_pieces(std::string_view bytes, std::vector<std::size_t> cuts) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  auto collect = [&](const SseEvent& event) { events.push_back(event); };
  std::size_t start = 0;
  cuts.push_back(bytes.size());
  for (std::size_t cut : cuts) {
    REQUIRE(decoder.feed(bytes.substr(start, cut - start), collect));
    start = cut;
  }
  return events;
}

void check_same(const std::vector<SseEvent>& got, const std::vector<SseEvent>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].event == want[i].event);
    CHECK(got[i].data == want[i].data);
    CHECK(got[i].id == want[i].id);
  }
}

}  // namespace

TEST_CASE("sse: OpenAI-style stream decodes identically at every split point and byte by byte") {
  const std::string stream =
      "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"H\\u00e9\"}}]}\n\n"
      ": keep-alive comment\n\n"
      "data: {\"id\":\"c1\",\"choices\":[]}\n\n"
      "data: [DONE]\n\n";
  const std::vector<SseEvent> want = {
      {"message", "{\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"H\\u00e9\"}}]}", ""},
      {"message", "{\"id\":\"c1\",\"choices\":[]}", ""},
      {"message", "[DONE]", ""}};
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    CAPTURE(split);
    check_same(decode_in_pieces(stream, {split}), want);
  }
  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
  check_same(decode_in_pieces(stream, every_byte), want);
}

TEST_CASE("sse: CRLF, lone CR and LF line ends are all line ends, even split between CR and LF") {
  const std::string crlf = "event: ping\r\ndata: a\r\n\r\ndata: b\r\n\r\n";
  const std::string cr = "event: ping\rdata: a\r\rdata: b\r\r";
  const std::vector<SseEvent> want = {{"ping", "a", ""}, {"message", "b", ""}};
  for (const std::string& stream : {crlf, cr}) {
    for (std::size_t split = 0; split <= stream.size(); ++split) {
      CAPTURE(split);
      check_same(decode_in_pieces(stream, {split}), want);
    }
  }
}

TEST_CASE("sse: multi-line data, fields without a space, id, unknown fields and a BOM") {
  const std::string stream =
      "\xEF\xBB\xBF"
      "event:message_start\n"
      "id: 7\n"
      "retry: 100\n"
      "unknown: x\n"
      "data: line one\n"
      "data:line two\n"
      "\n"
      "event: no-data-is-no-event\n"
      "\n";
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    CAPTURE(split);
    check_same(decode_in_pieces(stream, {split}), {{"message_start", "line one\nline two", "7"}});
  }
}

TEST_CASE("sse: an event larger than the limit is refused") {
  SseDecoder decoder(64);
  int events = 0;
  std::string huge = "data: " + std::string(200, 'x');
  CHECK_FALSE(decoder.feed(huge, [&](const SseEvent&) { ++events; }));
  CHECK(events == 0);
}

TEST_CASE("sse: the encoders frame what the decoder reads back") {
  std::string out;
  switchyard::providers::append_sse_data(out, "{\"a\":1}");
  switchyard::providers::append_sse_event(out, "message_stop", "{\"type\":\"message_stop\"}");
  CHECK(out == "data: {\"a\":1}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  check_same(decode_in_pieces(out, {}),
             {{"message", "{\"a\":1}", ""}, {"message_stop", "{\"type\":\"message_stop\"}", ""}});
}
