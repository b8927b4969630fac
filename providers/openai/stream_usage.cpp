#include "providers/openai/stream_usage.hpp"

#include <boost/json/parse.hpp>

namespace switchyard::providers {

std::string with_null_usage(std::string_view chunk) {
  std::size_t close = chunk.find_last_not_of(" \t\r\n");
  std::size_t open = chunk.find_first_not_of(" \t\r\n");
  if (close == std::string_view::npos || chunk[open] != '{' || chunk[close] != '}') {
    return std::string(chunk);
  }
  // Most chunks do not mention usage at all and need no parse; one that does
  // may have it only inside a string, so look at its top level.
  if (chunk.find("\"usage\"") != std::string_view::npos) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(chunk, ec);
    if (ec || !parsed.is_object() || parsed.get_object().contains("usage")) {
      return std::string(chunk);
    }
  }
  std::string out;
  out.reserve(chunk.size() + 16);
  out.append(chunk.substr(0, close));
  std::size_t last = out.find_last_not_of(" \t\r\n");
  if (last != std::string::npos && out[last] != '{') out += ',';
  out += "\"usage\":null";
  out.append(chunk.substr(close));
  return out;
}

}  // namespace switchyard::providers
