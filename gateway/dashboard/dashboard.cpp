#include "gateway/dashboard/dashboard.hpp"

#include <string>

#include "gateway/dashboard/dashboard_page.hpp"

namespace switchyard {

// The page is self-contained (no scripts, fonts or styles from elsewhere) so it
// works offline and under a strict Content-Security-Policy that allows only
// inline code. Data comes from /v1/stats/share; values from it are inserted
// with textContent, never as HTML. The API key, when one is needed, lives in a
// JavaScript variable only: never in storage, never in the URL.
// The markup itself is gateway/dashboard/dashboard.html, embedded at build time.
const std::string& dashboard_html() {
  static const std::string page(kDashboardPage);
  return page;
}

}  // namespace switchyard
