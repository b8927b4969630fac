#include "providers/canonical/plain_json.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "providers/canonical/strict_json.hpp"

namespace switchyard {

namespace json = boost::json;

namespace {

void write_value(const json::value& value, std::string& out);

void write_double(double number, std::string& out) {
  if (!std::isfinite(number)) {
    out += "null";
    return;
  }
  if (number == 0) {  // also -0.0
    out += '0';
    return;
  }
  // The widest fixed form of a double: 309 integral digits, or 324 decimals.
  char buffer[400];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::fixed);
  out.append(buffer, result.ptr);
}

void write_key(std::string_view key, std::string& out) {
  append_json_string(out, key);
  out += ':';
}

template <typename Integer>
void write_integer(Integer number, std::string& out) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
  out.append(buffer, result.ptr);
}

// The members of `object` but `skipped`, without the closing brace.
void write_members(const json::object& object, std::string_view skipped, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& member : object) {
    if (member.key() == skipped) continue;
    if (!first) out += ',';
    first = false;
    write_key(member.key(), out);
    write_value(member.value(), out);
  }
}

void write_value(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::double_:
      write_double(value.get_double(), out);
      return;
    case json::kind::object:
      write_members(value.get_object(), {}, out);
      out += '}';
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        write_value(element, out);
      }
      out += ']';
      return;
    }
    case json::kind::string:
      // Parsed strings are valid UTF-8 already; the escaper writes them as
      // Boost would, without a temporary string per value.
      append_json_string(out, value.get_string());
      return;
    case json::kind::int64:
      write_integer(value.get_int64(), out);
      return;
    case json::kind::uint64:
      write_integer(value.get_uint64(), out);
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::null:
      out += "null";
      return;
  }
}

}  // namespace

std::string serialize_plain(const json::value& value) {
  std::string out;
  out.reserve(256);
  write_value(value, out);
  return out;
}

void append_plain_json(std::string& out, const json::value& value) {
  write_value(value, out);
}

std::string serialize_with_usage_cost(const json::object& document, Picousd cost) {
  std::string out;
  out.reserve(512);
  out += '{';
  bool first = true;
  for (const auto& member : document) {
    if (!first) out += ',';
    first = false;
    write_key(member.key(), out);
    const json::object* usage = member.key() == "usage" ? member.value().if_object() : nullptr;
    if (usage == nullptr) {
      write_value(member.value(), out);
      continue;
    }
    write_members(*usage, "cost", out);
    if (out.back() != '{') out += ',';
    write_key("cost", out);
    out += format_usd(cost);
    out += '}';
  }
  out += '}';
  return out;
}

}  // namespace switchyard
