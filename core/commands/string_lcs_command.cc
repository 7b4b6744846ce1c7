// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest
// common subsequence of two strings (Redis 7.0).
//
// The classic dynamic-programming table of LCS lengths, then one walk back
// from its corner. The walk's tie rule (step in the second string unless
// the first gives a strictly longer LCS) decides which of several equally
// long answers is returned and which ranges IDX reports, so it is Redis's
// rule. The table costs 4 bytes per cell, (len1+1)*(len2+1) cells, and is
// refused past proto-max-bulk-len, Redis's bound on this transient memory.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <string>

#include "core/args.h"
#include "core/commands/string_commands.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber::strings {
namespace {

constexpr std::string_view kLcsNotStrings = "ERR The specified keys must contain string values";
constexpr std::string_view kLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
constexpr std::string_view kLcsTooLong = "ERR String too long for LCS";
constexpr std::string_view kLcsOverLimit =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
constexpr std::string_view kLcsNoMemory =
    "ERR Insufficient memory, failed allocating transient memory for LCS";

struct LcsOptions {
  bool len = false;
  bool idx = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

bool parse_lcs_options(CommandContext& ctx, LcsOptions* o) {
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    std::string_view opt = ctx.argv[j];
    if (equals_ignore_case(opt, "idx")) {
      o->idx = true;
    } else if (equals_ignore_case(opt, "len")) {
      o->len = true;
    } else if (equals_ignore_case(opt, "withmatchlen")) {
      o->with_match_len = true;
    } else if (equals_ignore_case(opt, "minmatchlen") && j + 1 < ctx.argv.size()) {
      if (!parse_int64(ctx.argv[++j], &o->min_match_len)) {
        ctx.reply.error(errors::kNotInteger);
        return false;
      }
      o->min_match_len = std::max<int64_t>(o->min_match_len, 0);
    } else {
      ctx.reply.error(errors::kSyntax);
      return false;
    }
  }
  if (o->len && o->idx) {
    ctx.reply.error(kLcsLenAndIdx);
    return false;
  }
  return true;
}

// LCS lengths of every pair of prefixes: at(i, j) for a[0..i) and b[0..j).
class LcsTable {
 public:
  // Allocates the table or replies the error Redis gives and returns false.
  bool allocate(CommandContext& ctx, uint32_t alen, uint32_t blen) {
    width_ = static_cast<uint64_t>(blen) + 1;
    uint64_t cells = (static_cast<uint64_t>(alen) + 1) * width_;
    if (cells > UINT64_MAX / sizeof(uint32_t)) {
      ctx.reply.error(kLcsNoMemory);
      return false;
    }
    if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.engine.options().proto_max_bulk_len)) {
      ctx.reply.error(kLcsOverLimit);
      return false;
    }
    cells_.reset(new (std::nothrow) uint32_t[cells]);
    if (cells_ == nullptr) {
      ctx.reply.error(kLcsNoMemory);
      return false;
    }
    return true;
  }

  void fill(std::string_view a, std::string_view b) {
    for (uint64_t i = 0; i <= a.size(); ++i) {
      for (uint64_t j = 0; j <= b.size(); ++j) {
        if (i == 0 || j == 0) {
          at(i, j) = 0;
        } else if (a[i - 1] == b[j - 1]) {
          at(i, j) = at(i - 1, j - 1) + 1;
        } else {
          at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
        }
      }
    }
  }

  uint32_t& at(uint64_t i, uint64_t j) { return cells_[i * width_ + j]; }

 private:
  std::unique_ptr<uint32_t[]> cells_;
  uint64_t width_ = 0;
};

// One matching range as IDX reports it: [[a_first, a_last], [b_first, b_last]].
struct Range {
  uint32_t a_first, a_last, b_first, b_last;
};

void reply_range(CommandContext& ctx, const Range& r, bool with_len) {
  ctx.reply.array(with_len ? 3 : 2);
  ctx.reply.array(2);
  ctx.reply.integer(r.a_first);
  ctx.reply.integer(r.a_last);
  ctx.reply.array(2);
  ctx.reply.integer(r.b_first);
  ctx.reply.integer(r.b_last);
  if (with_len) ctx.reply.integer(r.a_last - r.a_first + 1);
}

// Walks the table back from (alen, blen), writing the LCS into `out` and,
// with IDX, replying each contiguous range long enough. Returns the number
// of ranges replied.
size_t walk_back(CommandContext& ctx, LcsTable& t, std::string_view a, std::string_view b,
                 const LcsOptions& o, std::string* out) {
  const uint32_t none = static_cast<uint32_t>(a.size());  // no range in progress
  uint32_t i = static_cast<uint32_t>(a.size());
  uint32_t j = static_cast<uint32_t>(b.size());
  size_t k = out->size();
  Range r{none, 0, 0, 0};
  size_t ranges = 0;
  while (i > 0 && j > 0) {
    bool close = false;
    if (a[i - 1] == b[j - 1]) {
      (*out)[--k] = a[i - 1];
      if (r.a_first == none) {
        r = Range{i - 1, i - 1, j - 1, j - 1};
      } else if (r.a_first == i && r.b_first == j) {
        --r.a_first;
        --r.b_first;
      } else {
        close = true;
      }
      if (r.a_first == 0 || r.b_first == 0) close = true;
      --i;
      --j;
    } else {
      if (t.at(i - 1, j) > t.at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      close = r.a_first != none;
    }
    if (!close) continue;
    uint32_t match_len = r.a_last - r.a_first + 1;
    if (o.idx && (o.min_match_len == 0 || match_len >= o.min_match_len)) {
      reply_range(ctx, r, o.with_match_len);
      ++ranges;
    }
    r.a_first = none;
  }
  return ranges;
}

// The string at `key` ("" when missing) into `out`; false if not a string.
bool lcs_operand(CommandContext& ctx, std::string_view key, std::string_view* out) {
  const Entry* e = ctx.engine.lookup_read(ctx.session.db, key, ctx.now_ms);
  if (e != nullptr && e->value_type() != ValueType::kString) return false;
  *out = e == nullptr ? std::string_view() : e->value();
  return true;
}

}  // namespace

void lcs_command(CommandContext& ctx) {
  std::string_view a;
  std::string_view b;
  // Both lookups happen (and count) before the type check, as in Redis.
  bool a_ok = lcs_operand(ctx, ctx.argv[1], &a);
  bool b_ok = lcs_operand(ctx, ctx.argv[2], &b);
  if (!a_ok || !b_ok) {
    ctx.reply.error(kLcsNotStrings);
    return;
  }
  LcsOptions o;
  if (!parse_lcs_options(ctx, &o)) return;
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.reply.error(kLcsTooLong);
    return;
  }
  LcsTable table;
  if (!table.allocate(ctx, static_cast<uint32_t>(a.size()), static_cast<uint32_t>(b.size())))
    return;
  table.fill(a, b);
  const uint32_t total = table.at(a.size(), b.size());
  if (o.len) {
    ctx.reply.integer(total);
    return;
  }
  std::string lcs(total, '\0');
  if (!o.idx) {
    walk_back(ctx, table, a, b, o, &lcs);
    ctx.reply.bulk(lcs);
    return;
  }
  ctx.reply.map(2);
  ctx.reply.bulk("matches");
  size_t handle = ctx.reply.begin_deferred_array();
  size_t ranges = walk_back(ctx, table, a, b, o, &lcs);
  ctx.reply.end_deferred_array(handle, ranges);
  ctx.reply.bulk("len");
  ctx.reply.integer(total);
}

}  // namespace amber::strings
