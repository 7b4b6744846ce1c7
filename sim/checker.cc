// The durability checker (see checker.h). The search for k walks the
// history once, keeping the model's digest of the keys alive at recovery
// time up to date, and confirms a digest match with a full comparison, so
// a check costs one replay of the writes since the last verified state.
#include "sim/checker.h"

#include <algorithm>

#include "core/assert.h"

namespace amber::sim {

namespace {

std::string printable(const std::string& s, size_t max) {
  std::string out;
  for (size_t i = 0; i < s.size() && out.size() < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 32 && c < 127) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back("0123456789abcdef"[c >> 4]);
      out.push_back("0123456789abcdef"[c & 15]);
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string describe_value(const ModelValue& v) {
  std::string out = "\"" + printable(v.value, 24) + "\"";
  if (v.expire_ms >= 0) out += " expire " + std::to_string(v.expire_ms);
  return out;
}

}  // namespace

KeyspaceImage engine_image(Engine& engine, int64_t now_ms) {
  KeyspaceImage out;
  for (int db = 0; db < engine.db_count(); ++db) {
    EntryScratch scratch;
    engine.db(db).for_each([&](Entry* e) {
      if (engine.key_is_expired(e, now_ms)) return;
      const Entry& r = engine.db(db).readable(*e, &scratch);
      out[{db, std::string(r.key())}] =
          ModelValue{std::string(r.value()), r.has_expire() ? r.expire_ms : -1};
    });
  }
  return out;
}

std::string diff_images(const KeyspaceImage& want, const KeyspaceImage& got, size_t max_lines) {
  std::string out;
  size_t lines = 0;
  auto line = [&](const std::string& s) {
    if (lines++ < max_lines) out += "    " + s + "\n";
  };
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    std::string name = "db" + std::to_string(k.first) + " " + printable(k.second, 32);
    if (it == got.end()) {
      line(name + ": expected " + describe_value(v) + ", missing");
    } else if (!(it->second == v)) {
      line(name + ": expected " + describe_value(v) + ", got " + describe_value(it->second));
    }
  }
  for (const auto& [k, v] : got) {
    if (want.count(k) == 0) {
      line("db" + std::to_string(k.first) + " " + printable(k.second, 32) + ": unexpected " +
           describe_value(v));
    }
  }
  if (lines > max_lines) out += "    ... " + std::to_string(lines - max_lines) + " more\n";
  return out;
}

void Checker::acknowledge_all(int64_t now_ms) {
  for (; acked_ < history_.size(); ++acked_) history_[acked_].ack_ms = now_ms;
}

void Checker::snapshot_completed() {
  AMBER_ASSERT(!started_.empty());
  last_snapshot_abs_ = started_.back();
  started_.clear();
}

size_t Checker::lower_bound_k(int64_t crash_ms) const {
  size_t lo = 0;
  int64_t bound = crash_ms - 2000;
  if (unhealed_fault_ms_ >= 0) bound = std::min(bound, unhealed_fault_ms_ - 2000);
  for (size_t i = 0; i < history_.size(); ++i) {
    const int64_t ack = history_[i].ack_ms;
    if (ack < 0) continue;
    if (promise_ == Promise::kEveryAcked) lo = i + 1;
    if (promise_ == Promise::kAckedBefore2s && ack <= bound) lo = i + 1;
  }
  return lo;
}

bool Checker::allowed(size_t k, size_t lo) const {
  if (promise_ != Promise::kLastSnapshot) return k >= lo;
  const uint64_t abs = base_abs_ + k;
  return abs == last_snapshot_abs_ ||
         std::find(started_.begin(), started_.end(), abs) != started_.end();
}

Model Checker::replay(size_t k, int64_t now_ms) const {
  Model m = base_;
  m.set_observe_time(now_ms);
  for (size_t i = 0; i < k; ++i) {
    int db = history_[i].db;
    for (const Argv& argv : history_[i].commands) m.apply(&db, argv, history_[i].time_ms);
  }
  return m;
}

bool Checker::check(Engine& engine, int64_t crash_ms, int64_t now_ms, std::string* report) {
  const KeyspaceImage recovered = engine_image(engine, now_ms);
  uint64_t digest = 0;
  for (const auto& [k, v] : recovered) digest += entry_digest(k.first, k.second, v);
  const size_t lo = lower_bound_k(crash_ms);
  Model m = base_;
  m.set_observe_time(now_ms);
  for (size_t k = 0;; ++k) {
    if (allowed(k, lo) && m.digest() == digest && m.image(now_ms) == recovered) {
      base_ = std::move(m);
      base_abs_ += k;
      history_.clear();
      acked_ = 0;
      last_snapshot_abs_ = base_abs_;
      started_.clear();
      unhealed_fault_ms_ = -1;
      return true;
    }
    if (k == history_.size()) break;
    int db = history_[k].db;
    for (const Argv& argv : history_[k].commands) m.apply(&db, argv, history_[k].time_ms);
  }
  std::string r;
  r += "  recovered keyspace is not an allowed state (" + std::to_string(recovered.size()) +
       " keys at recovery)\n";
  if (promise_ == Promise::kLastSnapshot) {
    r += "  allowed: the last completed snapshot (write " + std::to_string(last_snapshot_abs_) +
         ")" + (started_.empty() ? "" : " or a started one") + "\n";
    const size_t k = static_cast<size_t>(last_snapshot_abs_ - base_abs_);
    r += "  differences from the last completed snapshot:\n" +
         diff_images(replay(k, now_ms).image(now_ms), recovered, 12);
  } else {
    r += "  allowed: the state after writes " + std::to_string(base_abs_ + lo) + ".." +
         std::to_string(base_abs_ + history_.size()) + " (the last " +
         std::to_string(history_.size() - lo) + " writes may be lost)\n";
    r += "  differences from the state after write " + std::to_string(base_abs_ + lo) + ":\n" +
         diff_images(replay(lo, now_ms).image(now_ms), recovered, 12);
  }
  *report = r;
  return false;
}

std::string Checker::describe_history(int64_t crash_ms, size_t max_lines) const {
  std::string out;
  const size_t first = history_.size() > max_lines ? history_.size() - max_lines : 0;
  if (first > 0) out += "    ... " + std::to_string(first) + " earlier writes\n";
  for (size_t i = first; i < history_.size(); ++i) {
    const HistoryEntry& e = history_[i];
    std::string line = "    #" + std::to_string(base_abs_ + i + 1) +
                       " t=" + std::to_string(e.time_ms - crash_ms) + "ms db" +
                       std::to_string(e.db) + " ";
    if (e.commands.size() > 1) line += "MULTI ";
    for (size_t c = 0; c < e.commands.size(); ++c) {
      if (c > 0) line += "; ";
      for (size_t a = 0; a < e.commands[c].size(); ++a) {
        line += (a ? " " : "") + printable(e.commands[c][a], 24);
      }
    }
    if (e.commands.size() > 1) line += " EXEC";
    line += e.ack_ms >= 0 ? "  [acked t=" + std::to_string(e.ack_ms - crash_ms) + "ms]"
                          : "  [not acked]";
    out += line + "\n";
  }
  return out;
}

}  // namespace amber::sim
