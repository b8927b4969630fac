#include "providers/sse/sse.hpp"

namespace switchyard::providers {

bool SseDecoder::feed(std::string_view bytes,
                      const std::function<void(const SseEvent&)>& on_event) {
  std::size_t i = 0;
  if (!bom_checked_) {
    // A UTF-8 BOM may open the stream; it can arrive split, so wait for 3 bytes.
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    std::string head = line_ + std::string(bytes.substr(0, 3));
    if (head.size() < 3 && kBom.substr(0, head.size()) == head) {
      line_ = head;
      return true;
    }
    bom_checked_ = true;
    if (head.compare(0, 3, kBom) == 0) {
      i = 3 - line_.size();
      line_.clear();
    }
  }
  for (; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\n' && last_was_cr_) {  // the LF of a CRLF already ended the line
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = false;
    if (c == '\r' || c == '\n') {
      last_was_cr_ = c == '\r';
      process_line(line_, on_event);
      line_.clear();
      continue;
    }
    // Copy runs of ordinary bytes at once. (A plain loop: find_first_of with
    // a two-character set calls memchr once per byte.)
    std::size_t end = i;
    while (end < bytes.size() && bytes[end] != '\r' && bytes[end] != '\n') ++end;
    line_.append(bytes.substr(i, end - i));
    i = end - 1;
    if (line_.size() + pending_.data.size() > max_event_bytes_) return false;
  }
  return true;
}

void SseDecoder::process_line(std::string_view line,
                              const std::function<void(const SseEvent&)>& on_event) {
  if (line.empty()) {  // blank line: dispatch
    if (has_data_) {
      if (pending_.event.empty()) pending_.event = "message";
      on_event(pending_);
    }
    pending_.event.clear();
    pending_.data.clear();
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending_.id.assign(value);
  }
  // "retry" and unknown fields are ignored, as the spec says.
}

void append_sse_data(std::string& out, std::string_view payload) {
  out.append("data: ");
  out.append(payload);
  out.append("\n\n");
}

void append_sse_event(std::string& out, std::string_view name, std::string_view payload) {
  out.append("event: ");
  out.append(name);
  out.append("\ndata: ");
  out.append(payload);
  out.append("\n\n");
}

}  // namespace switchyard::providers
