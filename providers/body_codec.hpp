#pragma once
// What every codec does with body bytes, written once: a non-streamed answer
// is gathered and decoded whole when its body ends; a stream goes through an
// SSE decoder, event by event, and ends complete only on the upstream's own
// word. A codec supplies the per-format pieces.
#include <string>
#include <string_view>

#include "providers/codec.hpp"
#include "providers/sse/sse.hpp"

namespace switchyard::providers {

// One stream event's effect: keep going, the upstream said the answer is
// whole, or the stream failed (an error event, a malformed event).
enum class StreamStep { more, done, failed };

class BodyCodec : public Codec {
 public:
  bool on_head(const ResponseHead& head, UpstreamError& error) override;
  void on_body(std::string_view bytes, bool end_of_stream, BodyOutput& out) override;

 protected:
  // Called from encode: whether the answer will be an event stream.
  void expect_stream(bool streaming) { streaming_ = streaming; }
  // A whole 2xx body -> out.completion and out.usage; false with out.error.
  virtual bool decode_whole(std::string_view body, BodyOutput& out) = 0;
  // One event -> out.chunks, out.usage, out.stream; `failed` with out.error.
  virtual StreamStep on_event(const SseEvent& event, BodyOutput& out) = 0;
  // Whether a body that ends with no terminal event still holds a whole
  // answer (OpenAI: a finish_reason came before the close).
  virtual bool finished_without_terminator() const { return false; }

 private:
  void on_stream_bytes(std::string_view bytes, BodyOutput& out);

  bool streaming_ = false;
  std::string whole_;  // a non-streamed body so far
  SseDecoder decoder_;
};

}  // namespace switchyard::providers
