// CONFIG SET's all-or-nothing semantics (config.c: configSetCommand): check
// every name first (unknown, immutable, protected, loading, duplicate — the
// first problem wins), then set every value, then run the on_change hooks of
// the parameters that really changed; any failure restores the State copied
// before the first set and re-runs the hooks so that the rest of amber sees
// the old values again. Error texts are Redis's.
#include <string>
#include <utility>
#include <vector>

#include "server/config_impl.h"

namespace amber {

using config::NameEntry;
using config::SetResult;

namespace {

constexpr int64_t kMinReplBacklogBytes = 16 * 1024;

std::string set_failed(std::string_view name, std::string_view reason) {
  std::string message = "ERR CONFIG SET failed (possibly related to argument '";
  message.append(name).append("')");
  if (!reason.empty()) message.append(" - ").append(reason);
  return message;
}

}  // namespace

bool Config::Impl::protected_allowed(bool client_is_local) const {
  int64_t mode = state.values[find("enable-protected-configs")->index].num;
  return mode == 1 || (mode == 2 && client_is_local);
}

bool Config::Impl::set_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                             bool client_is_local, std::string* error) {
  // Phase 1: names. Only the first problem is reported.
  std::vector<const NameEntry*> entries;
  for (const auto& [name, value] : pairs) {
    const NameEntry* entry = find(name);
    if (entry == nullptr) {
      *error = "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'";
      return false;
    }
    uint32_t flags = spec(entry->index).flags;
    if (flags & config::kImmutable) {
      *error = set_failed(name, "can't set immutable config");
      return false;
    }
    if ((flags & config::kProtected) && !protected_allowed(client_is_local)) {
      *error = set_failed(name, "can't set protected config");
      return false;
    }
    if ((flags & config::kDenyLoading) && loading_probe && loading_probe()) {
      *error = "LOADING Redis is loading the dataset in memory";
      return false;
    }
    for (const NameEntry* earlier : entries) {
      if (earlier->index == entry->index) {
        *error = set_failed(name, "duplicate parameter");
        return false;
      }
    }
    entries.push_back(entry);
  }

  // Phase 2: values, all or none.
  config::State backup = state;
  std::vector<size_t> changed;
  for (size_t i = 0; i < pairs.size(); ++i) {
    std::string reason;
    SetResult result = set_from_value(entries[i]->index, pairs[i].second, &reason);
    if (result == SetResult::kError) {
      state = std::move(backup);
      *error = set_failed(entry_name(*entries[i]), reason);
      return false;
    }
    if (result == SetResult::kChanged) changed.push_back(i);
  }
  apply_hz_bounds();
  for (size_t i : changed) {
    // Redis's resizeReplicationBacklog raises a small backlog to 16kb.
    int64_t& value = state.values[entries[i]->index].num;
    if (entries[i]->index == find("repl-backlog-size")->index && value < kMinReplBacklogBytes) {
      value = kMinReplBacklogBytes;
    }
  }

  // Phase 3: the rest of amber applies the change; a refusal undoes it all.
  for (size_t i : changed) {
    auto it = hooks.find(entries[i]->index);
    if (it == hooks.end()) continue;
    for (auto& hook : it->second) {
      std::string reason;
      if (hook(&reason)) continue;
      state = std::move(backup);
      for (size_t j : changed) {
        auto undo = hooks.find(entries[j]->index);
        if (undo == hooks.end()) continue;
        std::string ignored;
        for (auto& h : undo->second) h(&ignored);
      }
      *error = set_failed(entry_name(*entries[i]), reason);
      return false;
    }
  }
  return true;
}

}  // namespace amber
