#pragma once
// The caller's own tags for a request, kept in the usage record so usage can
// be reported per end user or per application tag: OpenAI `user` and
// `metadata` (string values), Anthropic `metadata.user_id` (the ingress maps
// it to `user`). They are caller-controlled text, so they are bounded and
// sanitised before they reach the log, and never become metric labels.
#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard {

struct ChatRequest;
struct UsageRecord;

constexpr std::size_t kMaxTagBytes = 256;  // user and each metadata value
constexpr std::size_t kMaxMetadataKeyBytes = 64;
constexpr std::size_t kMaxMetadataKeys = 16;  // OpenAI's own limit

// Control characters (C0, DEL, C1) removed, invalid UTF-8 replaced by U+FFFD,
// then cut to at most `max_bytes` on a character boundary.
std::string sanitize_tag(std::string_view text, std::size_t max_bytes);

// Fills record.user and record.metadata from the request: the first
// kMaxMetadataKeys string-valued metadata entries, in the caller's order;
// entries whose key sanitises to nothing are skipped.
void record_request_tags(const ChatRequest& request, UsageRecord& record);

}  // namespace switchyard
