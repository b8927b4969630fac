// The upstream response reader (providers/upstream/response_reader), fed the
// bytes an upstream sent in whatever pieces the network delivered, then the
// peer's close. Invariants: the outcome (status, error, head, body, whether
// the exchange ended cleanly, bytes beyond the response) does not depend on
// how the bytes were split; a connection is never reusable when bytes beyond
// the response were read; a clean end always has its final head.
#include <string>
#include <vector>

#include "providers/upstream/response_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using switchyard::providers::ResponseReader;

struct Outcome {
  ResponseReader::Status status = ResponseReader::Status::need_more;
  switchyard::providers::ReaderError error{};
  int final_status = 0;
  bool head_ready = false;
  std::string body;
  std::uint64_t extra_bytes = 0;
  int interim = 0;

  bool operator==(const Outcome&) const = default;
};

// Feeds every piece (bytes after a complete response count as extra, as they
// would on the connection) until an error, then the close.
Outcome read(const std::vector<std::string_view>& pieces, bool head_request) {
  ResponseReader reader;
  reader.reset(head_request);
  Outcome out;
  for (std::string_view piece : pieces) {
    out.status = reader.feed(piece, out.body);
    if (out.status == ResponseReader::Status::error) break;
  }
  if (out.status == ResponseReader::Status::need_more) out.status = reader.finish();
  out.error = reader.error();
  out.head_ready = reader.head_ready();
  out.final_status = reader.head_ready() ? reader.head().status : 0;
  out.extra_bytes = reader.extra_bytes();
  out.interim = reader.interim_responses();
  if (reader.ended_cleanly()) SWITCHYARD_FUZZ_CHECK(reader.head_ready());
  SWITCHYARD_FUZZ_CHECK(reader.head_ready() ? reader.head().status >= 200 : true);
  return out;
}

std::vector<std::string_view> bytes_one_by_one(std::string_view data) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < data.size(); ++i) pieces.push_back(data.substr(i, 1));
  return pieces;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view data = switchyard::fuzz::as_text(bytes, size);
  std::uint64_t seed = switchyard::fuzz::input_hash(data);
  for (bool head_request : {false, true}) {
    Outcome whole = read({data}, head_request);
    SWITCHYARD_FUZZ_CHECK(whole == read(switchyard::fuzz::split(data, seed), head_request));
    if (size <= 2048) SWITCHYARD_FUZZ_CHECK(whole == read(bytes_one_by_one(data), head_request));
  }
  return 0;
}
