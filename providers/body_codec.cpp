#include "providers/body_codec.hpp"

namespace switchyard::providers {

bool BodyCodec::on_head(const ResponseHead& head, UpstreamError& error) {
  if (!streaming_) return true;
  // A JSON answer to a stream request would be relayed as nothing at all.
  if (head.header("content-type").find("text/event-stream") == std::string_view::npos) {
    error = {FailureKind::protocol,
             head.status,
             "upstream answered a stream request without an event stream",
             {}};
    return false;
  }
  return true;
}

void BodyCodec::on_body(std::string_view bytes, bool end_of_stream, BodyOutput& out) {
  out.chunks.clear();
  if (out.end != BodyEnd::more) return;
  if (streaming_) {
    on_stream_bytes(bytes, out);
    if (end_of_stream && out.end == BodyEnd::more) {
      out.end = finished_without_terminator() ? BodyEnd::complete : BodyEnd::truncated;
    }
    return;
  }
  whole_.append(bytes);
  if (!end_of_stream) return;
  out.end = decode_whole(whole_, out) ? BodyEnd::complete : BodyEnd::failed;
  whole_.clear();
  whole_.shrink_to_fit();
}

void BodyCodec::on_stream_bytes(std::string_view bytes, BodyOutput& out) {
  bool within_limit = decoder_.feed(bytes, [this, &out](const SseEvent& event) {
    if (out.end != BodyEnd::more) return;  // after the end: nothing counts
    StreamStep step = on_event(event, out);
    if (step == StreamStep::done) out.end = BodyEnd::complete;
    if (step == StreamStep::failed) out.end = BodyEnd::failed;
  });
  if (!within_limit && out.end == BodyEnd::more) {
    out.end = BodyEnd::failed;
    out.error = {FailureKind::protocol, 0, "upstream sent an oversized stream event", {}};
  }
}

}  // namespace switchyard::providers
