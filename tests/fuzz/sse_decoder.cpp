// The SSE decoder on arbitrary upstream bytes. Invariants: the events (and
// whether the stream broke the size limit) do not depend on where the bytes
// were split, and events we encode ourselves decode back unchanged.
#include <string>
#include <vector>

#include "providers/sse/sse.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using switchyard::providers::SseDecoder;
using switchyard::providers::SseEvent;

struct Decoded {
  std::vector<SseEvent> events;
  bool ok = true;
};

bool same(const Decoded& a, const Decoded& b) {
  if (a.ok != b.ok || a.events.size() != b.events.size()) return false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const SseEvent& x = a.events[i];
    const SseEvent& y = b.events[i];
    if (x.event != y.event || x.data != y.data || x.id != y.id) return false;
  }
  return true;
}

Decoded decode(const std::vector<std::string_view>& pieces, std::size_t limit) {
  SseDecoder decoder(limit);
  Decoded out;
  auto collect = [&](const SseEvent& event) { out.events.push_back(event); };
  for (std::string_view piece : pieces) {
    if (!decoder.feed(piece, collect)) {
      out.ok = false;  // a broken stream is abandoned, as the relay does
      break;
    }
  }
  return out;
}

std::vector<std::string_view> bytes_one_by_one(std::string_view data) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < data.size(); ++i) pieces.push_back(data.substr(i, 1));
  return pieces;
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// Re-encodes what can be encoded (names and payloads without line breaks)
// and checks it decodes to the same names and payloads.
void check_round_trip(const Decoded& decoded) {
  std::string encoded;
  std::vector<const SseEvent*> encodable;
  for (const SseEvent& event : decoded.events) {
    if (has_line_break(event.data) || has_line_break(event.event)) continue;
    if (event.event == "message") {
      switchyard::providers::append_sse_data(encoded, event.data);
    } else {
      switchyard::providers::append_sse_event(encoded, event.event, event.data);
    }
    encodable.push_back(&event);
  }
  Decoded again = decode({encoded}, 8 * 1024 * 1024);
  SWITCHYARD_FUZZ_CHECK(again.ok);
  SWITCHYARD_FUZZ_CHECK(again.events.size() == encodable.size());
  for (std::size_t i = 0; i < encodable.size(); ++i) {
    SWITCHYARD_FUZZ_CHECK(again.events[i].event == encodable[i]->event);
    SWITCHYARD_FUZZ_CHECK(again.events[i].data == encodable[i]->data);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view data = switchyard::fuzz::as_text(bytes, size);
  std::uint64_t seed = switchyard::fuzz::input_hash(data);
  // A small limit as well, so the "event too large" path is reached too.
  for (std::size_t limit : {std::size_t{8} * 1024 * 1024, std::size_t{64}}) {
    Decoded whole = decode({data}, limit);
    SWITCHYARD_FUZZ_CHECK(same(whole, decode(switchyard::fuzz::split(data, seed), limit)));
    if (size <= 4096) SWITCHYARD_FUZZ_CHECK(same(whole, decode(bytes_one_by_one(data), limit)));
    if (whole.ok) check_round_trip(whole);
  }
  return 0;
}
