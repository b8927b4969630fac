// The usage record's JSON line. Written by hand rather than through
// boost::json::serialize because Boost 1.81 prints doubles as "1.5E0" and does
// not read every double back bit for bit; durations are written in fixed
// notation at microsecond resolution instead, and money as an exact decimal
// string beside the integer it came from.
#include "gateway/accounting/usage_record.hpp"

#include "providers/canonical/strict_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/accounting/usage_log.hpp"

namespace switchyard {

namespace {

namespace json = boost::json;

void append_integer(std::string& out, std::int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// Milliseconds at microsecond resolution in fixed notation ("12.345", "40").
// Durations are never negative; NaN and infinity become 0 so the line parses.
void append_millis(std::string& out, double ms) {
  if (!std::isfinite(ms) || ms < 0) ms = 0;
  constexpr double kMaxMicros = 9e15;  // well inside int64 and exact in a double
  auto micros = static_cast<std::int64_t>(std::llround(std::min(ms * 1000.0, kMaxMicros)));
  append_integer(out, micros / 1000);
  int fraction = static_cast<int>(micros % 1000);
  if (fraction == 0) return;
  char digits[4] = {static_cast<char>('0' + fraction / 100),
                    static_cast<char>('0' + fraction / 10 % 10),
                    static_cast<char>('0' + fraction % 10), 0};
  std::string_view text(digits, 3);
  while (text.back() == '0') text.remove_suffix(1);
  out += '.';
  out.append(text);
}

// Writes `"name":` with the comma that separates it from the previous field.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  void close() { out_ += '}'; }

  // Field names are this file's own snake_case literals: nothing to escape.
  std::string& field(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_.append(name);
    out_.append("\":");
    return out_;
  }
  void text(std::string_view name, std::string_view value) {
    append_json_string(field(name), value);
  }
  void integer(std::string_view name, std::int64_t value) { append_integer(field(name), value); }
  void boolean(std::string_view name, bool value) { field(name) += value ? "true" : "false"; }
  void millis(std::string_view name, double value) { append_millis(field(name), value); }

 private:
  std::string& out_;
  bool first_ = true;
};

void append_attempt(std::string& out, const AttemptRecord& attempt) {
  ObjectWriter object(out);
  object.text("model", attempt.model);
  object.text("provider", attempt.provider);
  object.text("upstream_model", attempt.upstream_model);
  object.text("outcome", attempt.outcome);
  object.integer("status", attempt.status);
  object.millis("duration_ms", attempt.duration_ms);
  object.boolean("may_have_billed", attempt.may_have_billed);
  object.close();
}

// Reads optional fields of one object; a present field of the wrong type
// marks the whole line malformed.
class FieldReader {
 public:
  explicit FieldReader(const json::object& object) : object_(object) {}
  bool ok() const { return ok_; }
  bool has(std::string_view name) const { return object_.contains(name); }

  void text(std::string_view name, std::string& out) {
    const json::value* value = object_.if_contains(name);
    if (!value) return;
    if (const json::string* s = value->if_string()) {
      out.assign(s->data(), s->size());
    } else {
      ok_ = false;
    }
  }

  template <typename Integer>
  void integer(std::string_view name, Integer& out) {
    const json::value* value = object_.if_contains(name);
    if (!value) return;
    boost::system::error_code ec;
    Integer number = value->is_number() ? value->to_number<Integer>(ec) : Integer{};
    if (!value->is_number() || ec) {
      ok_ = false;
      return;
    }
    out = number;
  }

  void boolean(std::string_view name, bool& out) {
    const json::value* value = object_.if_contains(name);
    if (!value) return;
    if (const bool* b = value->if_bool()) {
      out = *b;
    } else {
      ok_ = false;
    }
  }

  // Undoes the parser's last-bit error: the text had microsecond resolution.
  void millis(std::string_view name, double& out, double if_null) {
    const json::value* value = object_.if_contains(name);
    if (!value) return;
    if (value->is_null()) {
      out = if_null;
      return;
    }
    boost::system::error_code ec;
    double number = value->is_number() ? value->to_number<double>(ec) : 0;
    if (!value->is_number() || ec || !std::isfinite(number)) {
      ok_ = false;
      return;
    }
    out = std::round(number * 1000.0) / 1000.0;
  }

 private:
  const json::object& object_;
  bool ok_ = true;
};

bool read_attempt(const json::value& value, AttemptRecord& attempt) {
  const json::object* object = value.if_object();
  if (!object) return false;
  FieldReader reader(*object);
  reader.text("model", attempt.model);
  reader.text("provider", attempt.provider);
  reader.text("upstream_model", attempt.upstream_model);
  reader.text("outcome", attempt.outcome);
  reader.integer("status", attempt.status);
  reader.millis("duration_ms", attempt.duration_ms, 0);
  reader.boolean("may_have_billed", attempt.may_have_billed);
  return reader.ok();
}

}  // namespace

std::string to_json_line(const UsageRecord& record) {
  std::string out;
  out.reserve(768);
  ObjectWriter object(out);
  object.text("request_id", record.request_id);
  object.text("time", format_rfc3339_ms(record.time_unix_ms));
  object.text("route", record.route);
  object.text("key", record.key_name);
  if (!record.user.empty()) object.text("user", record.user);
  if (!record.metadata.empty()) {
    std::string& metadata = object.field("metadata");
    metadata += '{';
    for (std::size_t i = 0; i < record.metadata.size(); ++i) {
      if (i > 0) metadata += ',';
      append_json_string(metadata, record.metadata[i].first);
      metadata += ':';
      append_json_string(metadata, record.metadata[i].second);
    }
    metadata += '}';
  }
  object.text("requested_model", record.requested_model);
  object.boolean("stream", record.stream);
  object.text("served_model", record.served_model);
  object.text("provider", record.provider);
  object.text("upstream_model", record.upstream_model);
  object.text("family", record.family);
  object.text("origin", record.origin);
  object.text("weights", record.weights);
  object.text("hosting", record.hosting);
  object.text("jurisdiction", record.jurisdiction);
  if (!record.provenance_source.empty()) object.text("provenance_source", record.provenance_source);
  if (!record.wildcard.empty()) object.text("wildcard", record.wildcard);
  object.integer("prompt_tokens", record.prompt_tokens);
  object.integer("completion_tokens", record.completion_tokens);
  object.integer("cached_prompt_tokens", record.cached_prompt_tokens);
  object.integer("cache_creation_tokens", record.cache_creation_tokens);
  object.boolean("usage_estimated", record.usage_estimated);
  object.text("cost_usd", format_usd(record.cost));
  object.integer("cost_picousd", record.cost);
  if (record.ttft_ms < 0 || !std::isfinite(record.ttft_ms)) {
    object.field("ttft_ms") += "null";
  } else {
    object.millis("ttft_ms", record.ttft_ms);
  }
  object.millis("duration_ms", record.duration_ms);
  object.millis("upstream_wait_ms", record.upstream_wait_ms);

  std::string& attempts = object.field("attempts");
  attempts += '[';
  for (std::size_t i = 0; i < record.attempts.size(); ++i) {
    if (i > 0) attempts += ',';
    append_attempt(attempts, record.attempts[i]);
  }
  attempts += ']';

  std::string& decisions = object.field("policy_decisions");
  decisions += '[';
  for (std::size_t i = 0; i < record.policy_decisions.size(); ++i) {
    if (i > 0) decisions += ',';
    append_json_string(decisions, record.policy_decisions[i]);
  }
  decisions += ']';

  object.text("denied_by", record.denied_by);
  object.text("outcome", record.outcome);
  object.integer("status", record.status);
  object.close();
  return out;
}

// `time` and `cost_picousd` are required (a report cannot place or price a
// record without them); any other absent field keeps its default, so lines
// from an older version still read. cost_usd is informational: the integer
// is the truth.
bool from_json_line(std::string_view line, UsageRecord& record) {
  record = UsageRecord{};
  boost::system::error_code ec;
  json::value parsed = json::parse(line, ec);
  if (ec) return false;
  const json::object* object = parsed.if_object();
  if (!object) return false;

  FieldReader reader(*object);
  std::string time_text;
  reader.text("time", time_text);
  if (!reader.has("time") || !parse_rfc3339_ms(time_text, record.time_unix_ms)) return false;
  if (!reader.has("cost_picousd")) return false;

  reader.text("request_id", record.request_id);
  reader.text("route", record.route);
  reader.text("key", record.key_name);
  reader.text("user", record.user);
  reader.text("requested_model", record.requested_model);
  reader.boolean("stream", record.stream);
  reader.text("served_model", record.served_model);
  reader.text("provider", record.provider);
  reader.text("upstream_model", record.upstream_model);
  reader.text("family", record.family);
  reader.text("origin", record.origin);
  reader.text("weights", record.weights);
  reader.text("hosting", record.hosting);
  reader.text("jurisdiction", record.jurisdiction);
  reader.text("provenance_source", record.provenance_source);
  reader.text("wildcard", record.wildcard);
  reader.integer("prompt_tokens", record.prompt_tokens);
  reader.integer("completion_tokens", record.completion_tokens);
  reader.integer("cached_prompt_tokens", record.cached_prompt_tokens);
  reader.integer("cache_creation_tokens", record.cache_creation_tokens);
  reader.boolean("usage_estimated", record.usage_estimated);
  reader.integer("cost_picousd", record.cost);
  reader.millis("ttft_ms", record.ttft_ms, -1);
  reader.millis("duration_ms", record.duration_ms, 0);
  reader.millis("upstream_wait_ms", record.upstream_wait_ms, 0);
  reader.text("denied_by", record.denied_by);
  reader.text("outcome", record.outcome);
  reader.integer("status", record.status);

  if (const json::value* attempts = object->if_contains("attempts")) {
    const json::array* list = attempts->if_array();
    if (!list) return false;
    record.attempts.resize(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!read_attempt((*list)[i], record.attempts[i])) return false;
    }
  }
  if (const json::value* metadata = object->if_contains("metadata")) {
    const json::object* pairs = metadata->if_object();
    if (!pairs) return false;
    for (const auto& pair : *pairs) {
      const json::string* text = pair.value().if_string();
      if (!text) return false;
      record.metadata.emplace_back(std::string(pair.key()),
                                   std::string(text->data(), text->size()));
    }
  }
  if (const json::value* decisions = object->if_contains("policy_decisions")) {
    const json::array* list = decisions->if_array();
    if (!list) return false;
    for (const json::value& item : *list) {
      const json::string* text = item.if_string();
      if (!text) return false;
      record.policy_decisions.emplace_back(text->data(), text->size());
    }
  }
  return reader.ok();
}

}  // namespace switchyard
