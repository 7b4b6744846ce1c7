// The Propagator: collects the ops of one top-level command (or EXEC) and
// hands them to the sink as a unit when the outermost call returns — the
// role of Redis 7.0's server.also_propagate and propagatePendingCommands.
// A handler's rewrite applies to its own frame only, so a command inside
// EXEC cannot rewrite EXEC's op or another queued command's.
#include "core/propagation.h"

#include "core/assert.h"
#include "core/command.h"
#include "core/engine.h"

namespace amber {
namespace {

// A unit buffer larger than this (a huge EXEC) is not kept for reuse.
constexpr size_t kSpareOps = 64;

}  // namespace

Propagator::Frame Propagator::enter() {
  ++depth_;
  Frame saved = std::move(frame_);
  frame_ = Frame{};
  return saved;
}

void Propagator::leave(Frame saved, int db, std::span<const std::string_view> argv,
                       bool dirty_changed, bool propagate_self) {
  AMBER_ASSERT(depth_ > 0);
  if (dirty_changed && propagate_self && !frame_.prevented) {
    if (!wants_ops_) {
      unit_has_writes_ = true;
    } else if (frame_.rewritten) {
      pending_.push_back(PropagatedOp{db, std::move(*frame_.rewritten)});
    } else {
      pending_.push_back(PropagatedOp{db, std::vector<std::string>(argv.begin(), argv.end())});
    }
  }
  frame_ = std::move(saved);
  if (--depth_ == 0) flush();
}

void Propagator::also(int db, std::vector<std::string> argv) {
  if (sink_ == nullptr) return;
  if (wants_ops_) {
    pending_.push_back(PropagatedOp{db, std::move(argv)});
  } else {
    unit_has_writes_ = true;
  }
  if (depth_ == 0) flush();
}

void Propagator::flush() {
  if (unit_has_writes_) {
    unit_has_writes_ = false;
    if (sink_ != nullptr) sink_->unit_ended();
    return;
  }
  if (pending_.empty() || sink_ == nullptr) {
    pending_.clear();
    return;
  }
  // The sink may cause more propagation: it gets its own vector, whose
  // buffer comes back for the next unit.
  std::vector<PropagatedOp> unit;
  unit.swap(spare_);
  unit.swap(pending_);
  sink_->propagate(unit);
  unit.clear();
  if (spare_.capacity() < unit.capacity() && unit.capacity() <= kSpareOps) spare_.swap(unit);
}

// --- CommandContext helpers ---

void CommandContext::propagate_as(std::vector<std::string> argv_out) {
  Propagator& p = engine.propagation();
  if (p.enabled()) p.rewrite(std::move(argv_out));
}

void CommandContext::also_propagate(int db_index, std::vector<std::string> argv_out) {
  engine.propagation().also(db_index, std::move(argv_out));
}

void CommandContext::prevent_propagation() { engine.propagation().prevent(); }

bool CommandContext::propagating() const { return engine.propagation().enabled(); }

}  // namespace amber
