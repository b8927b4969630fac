#include "config/money.hpp"

#include <limits>

namespace switchyard {

std::optional<Picousd> parse_price_per_million(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Picousd whole = 0;
  Picousd fraction = 0;
  int fraction_digits = 0;
  bool seen_point = false;
  bool seen_digit = false;
  for (char c : text) {
    if (c == '.') {
      if (seen_point) return std::nullopt;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    if (seen_point) {
      if (++fraction_digits > 6) return std::nullopt;
      fraction = fraction * 10 + (c - '0');
    } else {
      whole = whole * 10 + (c - '0');
      if (whole > 1'000'000) return std::nullopt;
    }
  }
  if (!seen_digit) return std::nullopt;
  for (int i = fraction_digits; i < 6; ++i) fraction *= 10;
  // 1 USD per million tokens = 1e-6 USD per token = 1e6 picodollars per token.
  return whole * 1'000'000 + fraction;
}

namespace {
__extension__ typedef unsigned __int128 WideMagnitude;

std::string format_scaled(WideMagnitude magnitude, bool negative, int scale_digits) {
  WideMagnitude scale = 1;
  for (int i = 0; i < scale_digits; ++i) scale *= 10;
  WideMagnitude whole = magnitude / scale;
  WideMagnitude frac = magnitude % scale;
  std::string whole_text;
  do {
    whole_text.insert(whole_text.begin(), static_cast<char>('0' + static_cast<int>(whole % 10)));
    whole /= 10;
  } while (whole != 0);
  std::string out = negative ? "-" + whole_text : whole_text;
  if (frac == 0) return out;
  std::string frac_text(static_cast<size_t>(scale_digits), '0');
  for (int i = scale_digits - 1; i >= 0; --i) {
    frac_text[static_cast<size_t>(i)] = static_cast<char>('0' + static_cast<int>(frac % 10));
    frac /= 10;
  }
  while (!frac_text.empty() && frac_text.back() == '0') frac_text.pop_back();
  return out + "." + frac_text;
}

std::string format_signed(WidePicousd amount, int scale_digits) {
  bool negative = amount < 0;
  WideMagnitude magnitude =
      negative ? static_cast<WideMagnitude>(-(amount + 1)) + 1 : static_cast<WideMagnitude>(amount);
  return format_scaled(magnitude, negative, scale_digits);
}
}  // namespace

std::string format_usd(Picousd amount) {
  return format_signed(amount, 12);
}
std::string format_usd_wide(WidePicousd amount) {
  return format_signed(amount, 12);
}
std::string format_price_per_million(Picousd per_token) {
  return format_signed(per_token, 6);
}
std::string format_price_per_token(Picousd per_token) {
  return format_signed(per_token, 12);
}

Picousd cost_of(std::int64_t tokens, Picousd per_token) {
  if (tokens <= 0 || per_token <= 0) return 0;
  WidePicousd product = static_cast<WidePicousd>(tokens) * per_token;
  if (product > std::numeric_limits<Picousd>::max()) return std::numeric_limits<Picousd>::max();
  return static_cast<Picousd>(product);
}

double to_usd_double(Picousd amount) {
  return static_cast<double>(amount) / static_cast<double>(kPicousdPerUsd);
}

}  // namespace switchyard
