#pragma once
// A synchronous read stream over pre-cut pieces: each read_some returns at
// most one piece (or what is left of it), then end of stream. Lets the fuzz
// targets drive Beast's read loops exactly as a socket would, with the bytes
// arriving in whatever split the input chose.
#include <cstddef>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

namespace switchyard::fuzz {

class PieceStream {
 public:
  explicit PieceStream(std::vector<std::string_view> pieces) : pieces_(std::move(pieces)) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    ec = {};
    while (next_ < pieces_.size() && pieces_[next_].empty()) ++next_;
    if (next_ == pieces_.size()) {
      ec = boost::asio::error::eof;
      return 0;
    }
    std::string_view& piece = pieces_[next_];
    std::size_t copied = boost::asio::buffer_copy(buffers, boost::asio::buffer(piece));
    piece.remove_prefix(copied);
    return copied;
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  bool exhausted() {
    while (next_ < pieces_.size() && pieces_[next_].empty()) ++next_;
    return next_ == pieces_.size();
  }

 private:
  std::vector<std::string_view> pieces_;
  std::size_t next_ = 0;
};

}  // namespace switchyard::fuzz
