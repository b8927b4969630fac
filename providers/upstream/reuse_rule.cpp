#include "providers/upstream/reuse_rule.hpp"

namespace switchyard::providers {

bool may_reuse(const ResponseReader& reader) {
  return reader.ended_cleanly() && reader.head().keep_alive && reader.extra_bytes() == 0;
}

}  // namespace switchyard::providers
