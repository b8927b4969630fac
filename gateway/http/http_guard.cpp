#include "gateway/http/http_guard.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <boost/beast/http.hpp>

namespace switchyard {

namespace http = boost::beast::http;

std::string check_raw_header_block(std::string_view block) {
  if (block.find('\0') != std::string_view::npos) return "NUL byte in the request header";
  for (std::size_t i = 0; i < block.size(); ++i) {
    if (block[i] != '\n') continue;
    if (i == 0 || block[i - 1] != '\r') return "header lines must end with CRLF";
    // A line that starts with SP or HT continues the previous one: obsolete
    // folding (RFC 9112 section 5.2), which we refuse rather than unfold.
    if (i + 1 < block.size() && (block[i + 1] == ' ' || block[i + 1] == '\t')) {
      return "obsolete header line folding is not allowed";
    }
  }
  return {};
}

namespace {
std::string lower_trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The last transfer coding over every Transfer-Encoding field, in order.
std::string last_transfer_coding(const http::fields& fields) {
  std::string last;
  for (auto it = fields.find(http::field::transfer_encoding);
       it != fields.end() && it->name() == http::field::transfer_encoding; ++it) {
    std::string_view value = it->value();
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      std::string_view item = value.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      std::string coding = lower_trimmed(item.substr(0, item.find(';')));
      if (!coding.empty()) last = coding;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return last;
}
}  // namespace

std::string check_request_framing(const http::request_header<http::fields>& header) {
  const http::fields& fields = header;
  bool has_transfer_encoding = fields.count(http::field::transfer_encoding) > 0;
  bool has_content_length = fields.count(http::field::content_length) > 0;
  if (has_transfer_encoding) {
    if (header.version() < 11) return "Transfer-Encoding is not allowed in HTTP/1.0";
    if (has_content_length) return "Transfer-Encoding and Content-Length together";
    if (last_transfer_coding(fields) != "chunked") {
      return "the final transfer coding must be chunked";
    }
  }
  if (fields.count(http::field::content_length) > 1) return "repeated Content-Length";
  std::size_t hosts = fields.count(http::field::host);
  if (header.version() >= 11 && hosts == 0) return "missing Host header";
  if (hosts > 1) return "repeated Host header";
  return {};
}

void restore_header_section(http::fields& fields, http::fields&& header_section) {
  fields = std::move(header_section);
}

}  // namespace switchyard
