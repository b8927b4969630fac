#pragma once
// Server-Sent Events, as the WHATWG spec frames them: an incremental decoder
// that accepts bytes split anywhere (mid-line, mid-CRLF, mid-UTF-8) and an
// encoder for the events we send.
#include <functional>
#include <string>
#include <string_view>

namespace switchyard::providers {

struct SseEvent {
  std::string event;  // "message" when the stream gave no event: field
  std::string data;   // data lines joined with '\n'
  std::string id;
};

class SseDecoder {
 public:
  explicit SseDecoder(std::size_t max_event_bytes = 8 * 1024 * 1024)
      : max_event_bytes_(max_event_bytes) {}

  // Feeds bytes; calls `on_event` for each complete event. Returns false when
  // an event grows past the limit (the stream should be treated as broken).
  bool feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event);

 private:
  void process_line(std::string_view line, const std::function<void(const SseEvent&)>& on_event);

  std::string line_;
  SseEvent pending_;
  bool has_data_ = false;
  bool last_was_cr_ = false;
  bool bom_checked_ = false;
  std::size_t max_event_bytes_;
};

// "data: <payload>\n\n" (payload must not contain newlines; JSON never does
// once serialised).
void append_sse_data(std::string& out, std::string_view payload);
// "event: <name>\ndata: <payload>\n\n", the Anthropic framing.
void append_sse_event(std::string& out, std::string_view name, std::string_view payload);

}  // namespace switchyard::providers
