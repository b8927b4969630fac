#pragma once
// In-process share statistics since start, for users without Prometheus:
// GET /v1/stats/share?by=origin|family|provider|hosting|model&metric=tokens|requests|cost
// Shares are over requests that reached a model; the others are counted in
// `failed_before_routing`.
#include <memory>
#include <string>
#include <string_view>

namespace switchyard {

struct UsageRecord;

class ShareStats {
 public:
  ShareStats();
  ~ShareStats();
  void observe(const UsageRecord& record);  // thread-safe

  // JSON body for the route, or false with `error` for a bad `by` / `metric`
  // (the message names the parameter and the allowed values).
  bool render(std::string_view by, std::string_view metric, std::string& body,
              std::string& error) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard
