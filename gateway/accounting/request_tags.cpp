#include "gateway/accounting/request_tags.hpp"

#include "gateway/accounting/usage_record.hpp"
#include "providers/canonical/chat_request.hpp"

namespace switchyard {
namespace {

// Length of the UTF-8 sequence at `text[at]`, or 0 when it is not valid.
std::size_t utf8_length(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = lead < 0x80           ? 1
                       : (lead >> 5) == 0x6  ? 2
                       : (lead >> 4) == 0xE  ? 3
                       : (lead >> 3) == 0x1E ? 4
                                             : 0;
  if (length == 0 || at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((static_cast<unsigned char>(text[at + i]) & 0xC0) != 0x80) return 0;
  }
  return length;
}

bool is_control(std::string_view character) {
  const auto first = static_cast<unsigned char>(character[0]);
  if (character.size() == 1) return first < 0x20 || first == 0x7F;
  // C1 controls U+0080..U+009F are encoded C2 80 .. C2 9F.
  return character.size() == 2 && first == 0xC2 && static_cast<unsigned char>(character[1]) < 0xA0;
}

}  // namespace

std::string sanitize_tag(std::string_view text, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = utf8_length(text, at);
    const std::string_view character = length ? text.substr(at, length) : kReplacement;
    at += length ? length : 1;
    if (is_control(character)) continue;
    if (out.size() + character.size() > max_bytes) break;
    out += character;
  }
  return out;
}

void record_request_tags(const ChatRequest& request, UsageRecord& record) {
  record.user = sanitize_tag(request.user, kMaxTagBytes);
  record.metadata.clear();
  const auto* metadata = request.body.if_contains("metadata");
  const auto* pairs = metadata ? metadata->if_object() : nullptr;
  if (!pairs) return;
  for (const auto& pair : *pairs) {
    if (record.metadata.size() == kMaxMetadataKeys) break;
    const auto* value = pair.value().if_string();
    if (!value) continue;
    std::string key = sanitize_tag(pair.key(), kMaxMetadataKeyBytes);
    if (key.empty()) continue;
    record.metadata.emplace_back(std::move(key),
                                 sanitize_tag(std::string_view(*value), kMaxTagBytes));
  }
}

}  // namespace switchyard
