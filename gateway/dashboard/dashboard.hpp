#pragma once
// The self-contained /dashboard page (inline CSS and JS, no external assets).
#include <string>

namespace switchyard {

const std::string& dashboard_html();

}  // namespace switchyard
