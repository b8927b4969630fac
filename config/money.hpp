#pragma once
// Exact money. Prices are written in USD per million tokens with at most six
// decimals ("0.55", "2.19", "0.075"); one such unit per token is one
// picodollar (1e-12 USD), so every price and every cost is an integer and sums
// never drift the way accumulated floats do.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

// Picodollars: 1e-12 USD. int64 holds about 9.2 million USD, far above any
// single request; totals over a log are summed in __int128 (see usage_report).
using Picousd = std::int64_t;
// Wide sums of picodollars (GCC/Clang extension; __extension__ keeps
// -Wpedantic quiet about it).
__extension__ typedef __int128 WidePicousd;

inline constexpr Picousd kPicousdPerUsd = 1'000'000'000'000;

// Parses a non-negative decimal of USD per million tokens ("0.55", "3",
// "0.075") into picodollars per token. Rejects signs, exponents, more than six
// decimals and values above one million USD per million tokens.
std::optional<Picousd> parse_price_per_million(std::string_view text);

// Formats picodollars as a plain decimal USD string with no trailing zeros:
// 5500000 -> "0.0000055", 0 -> "0".
std::string format_usd(Picousd amount);
std::string format_usd_wide(WidePicousd amount);

// Formats a price in picodollars per token back as USD per million tokens
// ("0.55"), and as USD per token for OpenRouter-style listings ("0.00000055").
std::string format_price_per_million(Picousd per_token);
std::string format_price_per_token(Picousd per_token);

// Cost of a token count at a per-token price; saturates instead of overflowing.
Picousd cost_of(std::int64_t tokens, Picousd per_token);

// USD as a double, for Prometheus samples and JSON numbers only; never summed.
double to_usd_double(Picousd amount);

}  // namespace switchyard
