#include "config/config_reader.hpp"

#include <charconv>
#include <limits>
#include <sstream>
#include <unordered_set>

namespace switchyard::config::detail {

std::string join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string at_index(std::string_view path, std::size_t index) {
  std::string out(path);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

bool parse_bool(std::string_view text, bool& out) {
  if (text == "true" || text == "True" || text == "TRUE") {
    out = true;
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    out = false;
    return true;
  }
  return false;
}

std::string Reader::format(std::string_view path, int line, std::string_view message) const {
  std::string out;
  if (!file_label_.empty()) out += file_label_ + ": ";
  out += path;
  out += ": ";
  out += message;
  if (line > 0) out += " (line " + std::to_string(line) + ")";
  return out;
}

void Reader::error(std::string_view path, int line, std::string_view message) {
  errors_.push_back(format(path, line, message));
}

void Reader::warn(std::string_view path, int line, std::string_view message) {
  warnings_.push_back(format(path, line, message));
}

std::string Reader::where(int line) const {
  std::string out = file_label_.empty() ? "" : file_label_ + " ";
  return out + "line " + std::to_string(line);
}

bool Reader::check_map(const YAML::Node& node, std::string_view path,
                       std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    error(path, node, "must be a mapping");
    return false;
  }
  std::unordered_set<std::string> keys;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      error(path, key, "keys must be strings");
      continue;
    }
    const std::string& name = key.Scalar();
    bool known = false;
    for (std::string_view candidate : allowed) known = known || candidate == name;
    if (!known) {
      error(join(path, name), key, "unknown key");
    } else if (!keys.insert(name).second) {
      // yaml-cpp keeps both and reads the first; refuse the ambiguity.
      error(join(path, name), key, "duplicate key");
    }
  }
  return true;
}

bool Reader::check_list(const YAML::Node& node, std::string_view path) {
  if (node.IsNull() || node.IsSequence()) return true;
  error(path, node, "must be a list");
  return false;
}

bool Reader::require(const YAML::Node& map, std::string_view path, const char* key) {
  if (map[key].IsDefined()) return true;
  error(join(path, key), map, "is required");
  return false;
}

bool Reader::read_string(const YAML::Node& map, std::string_view path, const char* key,
                         std::string& out, Need need) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) {
    if (need == Need::required) error(join(path, key), map, "is required");
    return false;
  }
  if (!node.IsScalar()) {
    error(join(path, key), node, "must be a string");
    return false;
  }
  if (need == Need::required && node.Scalar().empty()) {
    error(join(path, key), node, "must not be empty");
    return false;
  }
  out = node.Scalar();
  return true;
}

bool Reader::read_bool(const YAML::Node& map, std::string_view path, const char* key, bool& out) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) return false;
  bool value = false;
  if (!node.IsScalar() || !parse_bool(node.Scalar(), value)) {
    error(join(path, key), node, "must be true or false");
    return false;
  }
  out = value;
  return true;
}

bool Reader::read_int(const YAML::Node& map, std::string_view path, const char* key,
                      std::int64_t& out, std::int64_t min, std::int64_t max, Need need) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) {
    if (need == Need::required) error(join(path, key), map, "is required");
    return false;
  }
  std::int64_t value = 0;
  bool parsed = false;
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    parsed = !text.empty() && ec == std::errc() && end == text.data() + text.size();
  }
  if (!parsed || value < min || value > max) {
    std::string message = "must be an integer";
    if (max == std::numeric_limits<std::int64_t>::max()) {
      message += " >= " + std::to_string(min);
    } else {
      message += " from " + std::to_string(min) + " to " + std::to_string(max);
    }
    error(join(path, key), node, message);
    return false;
  }
  out = value;
  return true;
}

bool Reader::read_double(const YAML::Node& map, std::string_view path, const char* key, double& out,
                         double min, double max) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) return false;
  double value = 0;
  bool parsed = false;
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    parsed = !text.empty() && ec == std::errc() && end == text.data() + text.size();
  }
  if (!parsed || !(value >= min && value <= max)) {
    std::ostringstream message;
    message << "must be a number from " << min << " to " << max;
    error(join(path, key), node, message.str());
    return false;
  }
  out = value;
  return true;
}

bool Reader::read_duration(const YAML::Node& map, std::string_view path, const char* key,
                           Millis& out) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) return false;
  Millis value{0};
  if (!node.IsScalar() || !parse_duration(node.Scalar(), value) || value.count() <= 0) {
    error(join(path, key), node, "must be a positive duration such as 500ms, 10s or 2m");
    return false;
  }
  out = value;
  return true;
}

bool Reader::read_bytes(const YAML::Node& map, std::string_view path, const char* key,
                        std::uint64_t& out, std::uint64_t min) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) return false;
  std::uint64_t value = 0;
  if (!node.IsScalar() || !parse_byte_size(node.Scalar(), value) || value < min) {
    error(join(path, key), node,
          "must be a size in bytes >= " + std::to_string(min) + " such as 65536 or 256MiB");
    return false;
  }
  out = value;
  return true;
}

bool Reader::read_price(const YAML::Node& map, std::string_view path, const char* key, Picousd& out,
                        Need need) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) {
    if (need == Need::required) error(join(path, key), map, "is required");
    return false;
  }
  std::optional<Picousd> value;
  if (node.IsScalar()) value = parse_price_per_million(node.Scalar());
  if (!value) {
    error(join(path, key), node, "must be a number >= 0 with at most 6 decimals");
    return false;
  }
  out = *value;
  return true;
}

bool Reader::read_string_list(const YAML::Node& map, std::string_view path, const char* key,
                              std::vector<std::string>& out) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) return false;
  const std::string field = join(path, key);
  if (node.IsScalar()) {
    if (node.Scalar().empty()) {
      error(field, node, "must not be empty");
      return false;
    }
    out = {node.Scalar()};
    return true;
  }
  if (!node.IsSequence()) {
    error(field, node, "must be a string or a list of strings");
    return false;
  }
  if (node.size() == 0) {
    // An empty list would silently unset the condition.
    error(field, node, "must not be an empty list");
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    if (!item.IsScalar() || item.Scalar().empty()) {
      error(at_index(field, i), item, "must be a non-empty string");
      ok = false;
      continue;
    }
    values.push_back(item.Scalar());
  }
  if (ok) out = std::move(values);
  return ok;
}

}  // namespace switchyard::config::detail
