// Boost assertion handler for the sanitizer and fuzz builds, which keep
// assertions on. Every failed BOOST_ASSERT aborts, as it would by default,
// except the assertions in Boost 1.81 that are known to be wrong.
//
// Beast's chunk parser asserts `n >= 5` when it re-enters the final chunk
// after an earlier call returned need_more, but a valid stream can reach that
// point with 3 or 4 bytes buffered ("0\r\n" then "\r" then "\n"): fixed
// upstream in Beast after 1.81 (boostorg/beast pull request 2861). The code
// after the assertion handles that case correctly, and release builds compile
// the assertion out, so ignoring it here tests what ships.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

bool known_wrong(std::string_view expression, std::string_view file) {
  return expression == "n >= 5" && file.ends_with("boost/beast/http/impl/basic_parser.ipp");
}

[[noreturn]] void fail(const char* expression, const char* message, const char* function,
                       const char* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion `%s' failed%s%s\n", file, line, function,
               expression, message ? ": " : "", message ? message : "");
  std::abort();
}

}  // namespace

namespace boost {

void assertion_failed(const char* expression, const char* function, const char* file, long line) {
  if (known_wrong(expression, file)) return;
  fail(expression, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expression, const char* message, const char* function,
                          const char* file, long line) {
  if (known_wrong(expression, file)) return;
  fail(expression, message, function, file, line);
}

}  // namespace boost
