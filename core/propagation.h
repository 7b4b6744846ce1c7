// Propagation: what the AOF (and later replicas) learn about each write.
//
// After a top-level command ran, the writes it made are handed to the
// installed PropagationSink as one unit — a vector of (db, argv). The unit of
// EXEC holds every write of the transaction; a sink writing a log wraps a
// unit of more than one op in MULTI/EXEC (Redis 7.0's
// propagatePendingCommands), so a transaction is replayed all or nothing.
//
// By default a command whose run changed `stats().dirty` propagates its own
// argv, in the db the session is in after it ran. Handlers make what they
// propagate deterministic on replay through the CommandContext helpers:
// `propagate_as` replaces the command's own op (SET EX -> SET PXAT, EXPIRE ->
// PEXPIREAT, GETDEL -> DEL, ...), `also_propagate` adds an op before it, and
// `prevent_propagation` drops it. Keys deleted because they expired
// propagate a DEL (UNLINK with lazyfree-lazy-expire) ahead of the command
// that noticed; outside any command (active expiry) each deletion is its own
// unit.
//
// A sink may ask for the units' boundaries only (NVM mode, which logs the
// touched keys' state instead): it is then told that a unit ended, and no
// op is built on the write path. With no sink installed nothing is
// recorded. Single-threaded: the engine's.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amber {

struct PropagatedOp {
  int db = 0;
  std::vector<std::string> argv;
  bool operator==(const PropagatedOp&) const = default;
};

class PropagationSink {
 public:
  PropagationSink() = default;
  PropagationSink(const PropagationSink&) = delete;
  PropagationSink& operator=(const PropagationSink&) = delete;
  virtual ~PropagationSink() = default;
  // One atomic unit of writes, in execution order. REQUIRES: !unit.empty().
  // Not called for a sink that wants no ops.
  virtual void propagate(const std::vector<PropagatedOp>& unit) = 0;
  // False for a sink that needs only to know where each unit ends: it gets
  // unit_ended() where another gets propagate(). Read at set_sink().
  virtual bool wants_ops() const { return true; }
  virtual void unit_ended() {}
};

// The engine's bookkeeping of ops between a command's start and the end of
// the top-level call. Nested calls (EXEC's commands) each get a frame.
class Propagator {
 public:
  struct Frame {
    std::optional<std::vector<std::string>> rewritten;
    bool prevented = false;
  };

  void set_sink(PropagationSink* sink) {
    sink_ = sink;
    wants_ops_ = sink != nullptr && sink->wants_ops();
    unit_has_writes_ = false;
  }
  bool enabled() const { return sink_ != nullptr; }

  // call() brackets each command run with these. `leave` records the
  // command's op when `dirty_changed` (own argv unless rewritten/prevented)
  // and, when the outermost call ends, hands the unit to the sink.
  Frame enter();
  void leave(Frame saved, int db, std::span<const std::string_view> argv, bool dirty_changed,
             bool propagate_self);

  // For handlers (through CommandContext).
  void rewrite(std::vector<std::string> argv) { frame_.rewritten = std::move(argv); }
  void prevent() { frame_.prevented = true; }
  // An op outside the command's own (an expired key's DEL, ...). Outside any
  // command it is handed to the sink at once as a unit of its own.
  void also(int db, std::vector<std::string> argv);

 private:
  void flush();

  PropagationSink* sink_ = nullptr;
  bool wants_ops_ = false;
  bool unit_has_writes_ = false;  // for a sink that wants no ops
  int depth_ = 0;
  Frame frame_;
  std::vector<PropagatedOp> pending_;
  std::vector<PropagatedOp> spare_;  // the last unit's buffer, reused
};

}  // namespace amber
