#include "gateway/json_util.hpp"

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
