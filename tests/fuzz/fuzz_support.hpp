#pragma once
// Shared by the fuzz targets: deterministic "random" splits of one input, so a
// seed file is a plain real-shaped message and libFuzzer's mutations of it
// also change where it is cut.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace switchyard::fuzz {

// Stops the run with a message libFuzzer records as a crash: an invariant
// that the code under test promises was broken.
[[noreturn]] inline void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

#define SWITCHYARD_FUZZ_CHECK(condition)                                \
  do {                                                                  \
    if (!(condition)) ::switchyard::fuzz::invariant_failed(#condition); \
  } while (false)

// FNV-1a of the input: the seed of the split pattern.
inline std::uint64_t input_hash(std::string_view data) {
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : data) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// Piece lengths covering `size` bytes: mostly short pieces (1..16 bytes, the
// sizes that catch state kept across calls), now and then a long one.
inline std::vector<std::size_t> split_lengths(std::size_t size, std::uint64_t seed) {
  std::vector<std::size_t> lengths;
  std::uint64_t state = seed | 1;
  std::size_t left = size;
  while (left > 0) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::size_t length = (state % 8 == 0) ? 1 + (state >> 8) % 4096 : 1 + (state >> 8) % 16;
    if (length > left) length = left;
    lengths.push_back(length);
    left -= length;
  }
  return lengths;
}

// The input cut into those pieces.
inline std::vector<std::string_view> split(std::string_view data, std::uint64_t seed) {
  std::vector<std::string_view> pieces;
  std::size_t at = 0;
  for (std::size_t length : split_lengths(data.size(), seed)) {
    pieces.push_back(data.substr(at, length));
    at += length;
  }
  return pieces;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace switchyard::fuzz
