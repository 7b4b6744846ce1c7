// The host side of superseding for the tests that drive a Replayer
// directly: keys tagged in a map, the way NVM mode tags its DRAM entries
// (nvm/overwrite_tracker.h).
#pragma once

#include <map>
#include <string>
#include <utility>

#include "nvm/overwrite_tracker.h"
#include "nvm/replayer.h"
#include "tests/nvm/store_model.h"

namespace amber::nvm::testing {

class TaggingHost {
 public:
  // The ops of `unit`, about to be encoded as one record (encode_unit).
  void build(const ModelUnit& unit) {
    for (const ModelOp& op : unit.ops) {
      if (op.kind == LogOpKind::kFlushDb || op.kind == LogOpKind::kFlushAll ||
          op.kind == LogOpKind::kSwapDb) {
        tracker_.structural_op();
      } else {
        tracker_.key_op(op.db, &tags_[{op.db, op.key}]);
      }
    }
  }
  void appended() { tracker_.record_appended(); }
  // The log was persisted: the appended records are durable.
  void persisted(Replayer& replayer) { tracker_.hand_over(replayer); }

 private:
  OverwriteTracker tracker_;
  std::map<std::pair<uint32_t, std::string>, uint64_t> tags_;
};

}  // namespace amber::nvm::testing
