// COMMAND INFO and COMMAND DOCS rendering: turns a command the engine runs
// plus its row of Redis 7.0 metadata into the exact reply shapes of Redis's
// addReplyCommandInfo / addReplyCommandDocs (server.c), RESP2 flat arrays and
// RESP3 maps and sets alike. The arity and the list of subcommands come from
// the engine, because that is what amber actually accepts; a command Redis
// does not know (an amber extension) is described from its CommandSpec alone.
#include "server/command_docs.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/engine.h"
#include "core/reply.h"

namespace amber::command_docs {
namespace {

constexpr const char* kCommandFlagNames[kShownCommandFlags] = {"write",
                                                               "readonly",
                                                               "denyoom",
                                                               "module",
                                                               "admin",
                                                               "pubsub",
                                                               "noscript",
                                                               "blocking",
                                                               "loading",
                                                               "stale",
                                                               "skip_monitor",
                                                               "skip_slowlog",
                                                               "asking",
                                                               "fast",
                                                               "no_auth",
                                                               "no_mandatory_keys",
                                                               "no_async_loading",
                                                               "no_multi",
                                                               "movablekeys",
                                                               "allow_busy"};

constexpr const char* kKeyFlagNames[kKeySpecFlagCount] = {
    "RO",     "RW",     "OW",      "RM",         "access",        "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags"};

constexpr const char* kAclNames[kAclCategoryCount] = {
    "@keyspace",   "@read",        "@write",    "@set",         "@sortedset", "@list",
    "@hash",       "@string",      "@bitmap",   "@hyperloglog", "@geo",       "@stream",
    "@pubsub",     "@admin",       "@fast",     "@slow",        "@blocking",  "@dangerous",
    "@connection", "@transaction", "@scripting"};

constexpr const char* kGroupNames[] = {
    "generic", "string",       "list",       "set",    "sorted-set", "hash",
    "pubsub",  "transactions", "connection", "server", "scripting",  "hyperloglog",
    "cluster", "sentinel",     "geo",        "stream", "bitmap",     "module"};

constexpr const char* kArgTypeNames[] = {"string",    "integer",    "double", "key",  "pattern",
                                         "unix-time", "pure-token", "oneof",  "block"};

constexpr const char* kArgFlagNames[] = {"optional", "multiple", "multiple_token"};

// Writes the names of the set bits of `flags` as a set of status strings.
void reply_flag_set(Reply& reply, uint32_t flags, const char* const* names, int count) {
  size_t n = 0;
  for (int i = 0; i < count; ++i) n += (flags >> i) & 1;
  reply.set(n);
  for (int i = 0; i < count; ++i) {
    if ((flags >> i) & 1) reply.simple(names[i]);
  }
}

// The doc flags amber's dispatcher cares about, from the engine's flags (for
// commands Redis does not document).
uint32_t doc_flags_from_engine(uint32_t engine_flags) {
  struct Pair {
    uint32_t engine;
    uint32_t doc;
  };
  static constexpr Pair kPairs[] = {
      {kCmdWrite, kFlagWrite},       {kCmdReadonly, kFlagReadonly},
      {kCmdDenyOom, kFlagDenyOom},   {kCmdAdmin, kFlagAdmin},
      {kCmdFast, kFlagFast},         {kCmdNoMulti, kFlagNoMulti},
      {kCmdLoading, kFlagLoading},   {kCmdStale, kFlagStale},
      {kCmdNoAuth, kFlagNoAuth},     {kCmdAllowBusy, kFlagAllowBusy},
      {kCmdNoScript, kFlagNoScript}, {kCmdMayReplicate, kFlagMayReplicate}};
  uint32_t out = 0;
  for (const Pair& p : kPairs) {
    if (engine_flags & p.engine) out |= p.doc;
  }
  return out;
}

// Redis's setImplicitACLCategories for a command without a table row.
uint32_t implicit_acl(uint32_t doc_flags) {
  uint32_t acl = 0;
  if (doc_flags & kFlagWrite) acl |= 1u << 2;
  if (doc_flags & kFlagReadonly) acl |= 1u << 1;
  if (doc_flags & kFlagAdmin) acl |= (1u << 13) | (1u << 17);
  if (doc_flags & kFlagFast) acl |= 1u << 14;
  if (!(acl & (1u << 14))) acl |= kAclSlow;
  return acl;
}

std::vector<const CommandSpec*> sorted_subcommands(const CommandSpec& spec) {
  std::vector<const CommandSpec*> subs;
  for (const CommandSpec& sub : spec.subcommands) subs.push_back(&sub);
  std::sort(subs.begin(), subs.end(),
            [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  return subs;
}

void reply_key_specs(Reply& reply, const CommandDoc& doc) {
  const Tables& t = tables();
  reply.set(doc.specs_count);
  for (uint16_t i = 0; i < doc.specs_count; ++i) {
    const KeySpecDoc& ks = t.key_specs[doc.specs_first + i];
    reply.map(ks.notes != nullptr ? 4 : 3);
    if (ks.notes != nullptr) {
      reply.bulk("notes");
      reply.bulk(ks.notes);
    }
    reply.bulk("flags");
    reply_key_flags(reply, ks.flags);
    reply.bulk("begin_search");
    reply.map(2);
    reply.bulk("type");
    auto begin = static_cast<BeginSearch>(ks.begin_type);
    if (begin == BeginSearch::kIndex) {
      reply.bulk("index");
      reply.bulk("spec");
      reply.map(1);
      reply.bulk("index");
      reply.integer(ks.begin_arg);
    } else if (begin == BeginSearch::kKeyword) {
      reply.bulk("keyword");
      reply.bulk("spec");
      reply.map(2);
      reply.bulk("keyword");
      reply.bulk(ks.keyword);
      reply.bulk("startfrom");
      reply.integer(ks.begin_arg);
    } else {
      reply.bulk("unknown");
      reply.bulk("spec");
      reply.map(0);
    }
    reply.bulk("find_keys");
    reply.map(2);
    reply.bulk("type");
    auto find = static_cast<FindKeys>(ks.find_type);
    if (find == FindKeys::kUnknown) {
      reply.bulk("unknown");
      reply.bulk("spec");
      reply.map(0);
      continue;
    }
    bool range = find == FindKeys::kRange;
    reply.bulk(range ? "range" : "keynum");
    reply.bulk("spec");
    reply.map(3);
    reply.bulk(range ? "lastkey" : "keynumidx");
    reply.integer(ks.find_a);
    reply.bulk(range ? "keystep" : "firstkey");
    reply.integer(ks.find_b);
    reply.bulk(range ? "limit" : "keystep");
    reply.integer(ks.find_c);
  }
}

void reply_args(Reply& reply, uint16_t first, uint16_t count) {
  const Tables& t = tables();
  reply.array(count);
  for (uint16_t i = 0; i < count; ++i) {
    const ArgDoc& arg = t.args[first + i];
    bool nested = arg.num_children > 0;
    size_t fields = 2 + (arg.key_spec_index >= 0) + (arg.token != nullptr) +
                    (arg.since != nullptr) + (arg.deprecated_since != nullptr) + (arg.flags != 0) +
                    nested;
    reply.map(fields);
    reply.bulk("name");
    reply.bulk(arg.name);
    reply.bulk("type");
    reply.bulk(kArgTypeNames[arg.type]);
    if (arg.key_spec_index >= 0) {
      reply.bulk("key_spec_index");
      reply.integer(arg.key_spec_index);
    }
    if (arg.token != nullptr) {
      reply.bulk("token");
      reply.bulk(arg.token);
    }
    if (arg.since != nullptr) {
      reply.bulk("since");
      reply.bulk(arg.since);
    }
    if (arg.deprecated_since != nullptr) {
      reply.bulk("deprecated_since");
      reply.bulk(arg.deprecated_since);
    }
    if (arg.flags != 0) {
      reply.bulk("flags");
      reply_flag_set(reply, arg.flags, kArgFlagNames, 3);
    }
    if (nested) {
      reply.bulk("arguments");
      reply_args(reply, arg.first_child, arg.num_children);
    }
  }
}

void reply_history(Reply& reply, const CommandDoc& doc) {
  reply.set(doc.history_count);
  for (uint16_t i = 0; i < doc.history_count; ++i) {
    const HistoryDoc& h = tables().history[doc.history_first + i];
    reply.array(2);
    reply.bulk(h.since);
    reply.bulk(h.changes);
  }
}

// The "key: value" pairs of COMMAND DOCS that come straight from the table,
// in Redis's order (group is always there, so it is written by the caller).
void reply_doc_fields(Reply& reply, const CommandDoc& doc) {
  if (doc.complexity != nullptr) {
    reply.bulk("complexity");
    reply.bulk(doc.complexity);
  }
  if (doc.doc_flags != 0) {
    static constexpr const char* kDocFlagNames[] = {"deprecated", "syscmd"};
    reply.bulk("doc_flags");
    reply_flag_set(reply, doc.doc_flags, kDocFlagNames, 2);
  }
  if (doc.deprecated_since != nullptr) {
    reply.bulk("deprecated_since");
    reply.bulk(doc.deprecated_since);
  }
  if (doc.replaced_by != nullptr) {
    reply.bulk("replaced_by");
    reply.bulk(doc.replaced_by);
  }
  if (doc.history_count > 0) {
    reply.bulk("history");
    reply_history(reply, doc);
  }
  if (doc.args_count > 0) {
    reply.bulk("arguments");
    reply_args(reply, doc.args_first, doc.args_count);
  }
}

}  // namespace

const CommandDoc* find(std::string_view full_name) {
  std::string lower(full_name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::span<const CommandDoc> all = tables().commands;
  auto it = std::lower_bound(
      all.begin(), all.end(), lower,
      [](const CommandDoc& d, const std::string& n) { return d.name < std::string_view(n); });
  if (it == all.end() || it->name != std::string_view(lower)) return nullptr;
  return &*it;
}

uint32_t engine_flags(const CommandDoc& doc) {
  uint32_t out = 0;
  struct Pair {
    uint32_t doc;
    uint32_t engine;
  };
  static constexpr Pair kPairs[] = {
      {kFlagWrite, kCmdWrite},       {kFlagReadonly, kCmdReadonly},
      {kFlagDenyOom, kCmdDenyOom},   {kFlagAdmin, kCmdAdmin},
      {kFlagFast, kCmdFast},         {kFlagNoMulti, kCmdNoMulti},
      {kFlagLoading, kCmdLoading},   {kFlagStale, kCmdStale},
      {kFlagNoAuth, kCmdNoAuth},     {kFlagAllowBusy, kCmdAllowBusy},
      {kFlagNoScript, kCmdNoScript}, {kFlagMayReplicate, kCmdMayReplicate}};
  for (const Pair& p : kPairs) {
    if (doc.flags & p.doc) out |= p.engine;
  }
  return out;
}

CommandSpec make_spec(std::string_view full_name, CommandHandler handler) {
  const CommandDoc* doc = find(full_name);
  CommandSpec spec;
  spec.name = std::string(full_name);
  spec.handler = std::move(handler);
  if (doc != nullptr) {
    spec.arity = doc->arity;
    spec.flags = engine_flags(*doc);
    spec.first_key = doc->first_key;
    spec.last_key = doc->last_key;
    spec.key_step = doc->key_step;
  }
  return spec;
}

void reply_key_flags(Reply& reply, uint16_t flags) {
  reply_flag_set(reply, flags, kKeyFlagNames, kKeySpecFlagCount);
}

void reply_info(Reply& reply, const CommandSpec* spec) {
  if (spec == nullptr) {
    reply.null();
    return;
  }
  const CommandDoc* doc = find(spec->name);
  uint32_t flags = doc != nullptr ? doc->flags : doc_flags_from_engine(spec->flags);
  reply.array(10);
  reply.bulk(spec->name);
  reply.integer(spec->arity);
  reply_flag_set(reply, flags, kCommandFlagNames, kShownCommandFlags);
  reply.integer(doc != nullptr ? doc->first_key : spec->first_key);
  reply.integer(doc != nullptr ? doc->last_key : spec->last_key);
  reply.integer(doc != nullptr ? doc->key_step : spec->key_step);
  reply_flag_set(reply, doc != nullptr ? doc->acl : implicit_acl(flags), kAclNames,
                 kAclCategoryCount);
  uint16_t tips = doc != nullptr ? doc->tips_count : 0;
  reply.set(tips);
  for (uint16_t i = 0; i < tips; ++i) reply.bulk(tables().tips[doc->tips_first + i]);
  if (doc != nullptr) {
    reply_key_specs(reply, *doc);
  } else {
    reply.set(0);
  }
  if (spec->subcommands.empty()) {
    reply.set(0);
    return;
  }
  std::vector<const CommandSpec*> subs = sorted_subcommands(*spec);
  reply.array(subs.size());
  for (const CommandSpec* sub : subs) reply_info(reply, sub);
}

void reply_docs(Reply& reply, const CommandSpec& spec) {
  const CommandDoc* doc = find(spec.name);
  bool has_subs = !spec.subcommands.empty();
  if (doc == nullptr) {
    // Not a Redis 7.0 command: only what every command has.
    reply.map(1 + has_subs);
    reply.bulk("group");
    reply.bulk("generic");
  } else {
    size_t fields = 3 + (doc->complexity != nullptr) + (doc->doc_flags != 0) +
                    (doc->deprecated_since != nullptr) + (doc->replaced_by != nullptr) +
                    (doc->history_count > 0) + (doc->args_count > 0) + has_subs;
    reply.map(fields);
    reply.bulk("summary");
    reply.bulk(doc->summary);
    reply.bulk("since");
    reply.bulk(doc->since);
    reply.bulk("group");
    reply.bulk(kGroupNames[doc->group]);
    reply_doc_fields(reply, *doc);
  }
  if (!has_subs) return;
  reply.bulk("subcommands");
  std::vector<const CommandSpec*> subs = sorted_subcommands(spec);
  reply.map(subs.size());
  for (const CommandSpec* sub : subs) {
    reply.bulk(sub->name);
    reply_docs(reply, *sub);
  }
}

}  // namespace amber::command_docs
