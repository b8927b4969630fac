#include "providers/canonical/strict_json.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <boost/json.hpp>

namespace switchyard {

namespace json = boost::json;

bool parse_json_strict(std::string_view text, json::value& out, std::string& reason) {
  json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  // Parsed into out's own storage so the assignment below is a move.
  json::value parsed = json::parse(text, ec, out.storage(), options);
  if (ec) {
    reason = ec.message();
    return false;
  }
  if (!all_numbers_finite(parsed)) {
    reason = "a number is out of range";
    return false;
  }
  out = std::move(parsed);
  return true;
}

bool all_numbers_finite(const json::value& root) {
  // Iterative walk: depth is capped at parse, but keep the stack off the
  // call stack anyway.
  std::vector<const json::value*> pending{&root};
  while (!pending.empty()) {
    const json::value* value = pending.back();
    pending.pop_back();
    switch (value->kind()) {
      case json::kind::double_:
        if (!std::isfinite(value->get_double())) return false;
        break;
      case json::kind::array:
        for (const auto& item : value->get_array()) pending.push_back(&item);
        break;
      case json::kind::object:
        for (const auto& member : value->get_object()) pending.push_back(&member.value());
        break;
      default:
        break;
    }
  }
  return true;
}

const char* json_type_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

namespace {

// Length of the valid UTF-8 sequence starting at text[pos], 0 when invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  auto continuation = [&](std::size_t i, unsigned char low = 0x80, unsigned char high = 0xBF) {
    return i < text.size() && byte(i) >= low && byte(i) <= high;
  };
  unsigned char lead = byte(pos);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(pos + 1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(pos + 1, low, high) && continuation(pos + 2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(pos + 1, low, high) && continuation(pos + 2) && continuation(pos + 3) ? 4
                                                                                              : 0;
  }
  return 0;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t length = utf8_sequence_length(text, pos);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++pos;
      continue;
    }
    out.append(text.substr(pos, length));
    pos += length;
  }
  return out;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t pos = 0; pos < text.size();) {
    // Plain printable ASCII needs no escaping: copy the whole run at once.
    std::size_t run = pos;
    while (run < text.size()) {
      auto b = static_cast<unsigned char>(text[run]);
      if (b < 0x20 || b >= 0x7F || b == '"' || b == '\\') break;
      ++run;
    }
    if (run > pos) {
      out.append(text.substr(pos, run - pos));
      pos = run;
      continue;
    }
    auto c = static_cast<unsigned char>(text[pos]);
    std::size_t length = utf8_sequence_length(text, pos);
    if (length == 0) {
      out += "\\ufffd";
      ++pos;
      continue;
    }
    if (length > 1) {
      out.append(text.substr(pos, length));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
    pos += length;
  }
  out += '"';
}

bool json_to_count(const json::value& value, std::int64_t& out) {
  if (value.is_int64()) {
    if (value.get_int64() < 0) return false;
    out = value.get_int64();
    return true;
  }
  if (value.is_uint64()) {
    if (value.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return false;
    }
    out = static_cast<std::int64_t>(value.get_uint64());
    return true;
  }
  if (value.is_double()) {
    double d = value.get_double();
    if (d < 0 || d > 9e15 || std::floor(d) != d) return false;
    out = static_cast<std::int64_t>(d);
    return true;
  }
  return false;
}

}  // namespace switchyard
