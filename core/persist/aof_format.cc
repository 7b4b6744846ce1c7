// RESP encoding and decoding of AOF records (see aof_format.h). The parser
// is strict in the same places as redis-server's loader: the record must
// start with '*', counts must be positive decimal numbers that fit, each
// argument must be a '$' bulk string followed by CRLF. It never reads past
// the buffer: a record cut anywhere reports kTruncated, which the loader
// turns into aof-load-truncated handling and amber-check-aof into --fix.
#include "core/persist/aof_format.h"

#include <charconv>

namespace amber {
namespace {

// Redis caps a bulk's declared length at proto-max-bulk-len-ish sizes; a
// declared count or length above these is corruption, not data.
constexpr int64_t kMaxArgc = 1LL << 31;
constexpr int64_t kMaxBulkLen = 1LL << 40;

void append_bulk(std::string* out, std::string_view arg) {
  out->push_back('$');
  out->append(std::to_string(arg.size()));
  out->append("\r\n");
  out->append(arg);
  out->append("\r\n");
}

// Parses "<prefix><decimal>\r\n" at data[*pos]; advances *pos.
AofParse read_header(std::string_view data, size_t* pos, char prefix, int64_t max, int64_t* value,
                     std::string* error) {
  size_t eol = data.find('\n', *pos);
  if (eol == std::string_view::npos) return AofParse::kTruncated;
  if (data[*pos] != prefix || eol < *pos + 2 || data[eol - 1] != '\r') {
    *error =
        prefix == '*' ? "expected '*'" : "expected '$', got '" + std::string(1, data[*pos]) + "'";
    return AofParse::kBad;
  }
  const char* first = data.data() + *pos + 1;
  const char* last = data.data() + eol - 1;
  auto [ptr, ec] = std::from_chars(first, last, *value);
  if (ec != std::errc() || ptr != last || *value < (prefix == '*' ? 1 : 0) || *value > max) {
    *error = "invalid " + std::string(prefix == '*' ? "argument count" : "bulk length");
    return AofParse::kBad;
  }
  *pos = eol + 1;
  return AofParse::kCommand;
}

}  // namespace

void append_resp_command(std::string* out, const std::vector<std::string>& argv) {
  out->push_back('*');
  out->append(std::to_string(argv.size()));
  out->append("\r\n");
  for (const std::string& arg : argv) append_bulk(out, arg);
}

void append_resp_command(std::string* out, std::initializer_list<std::string_view> argv) {
  out->push_back('*');
  out->append(std::to_string(argv.size()));
  out->append("\r\n");
  for (std::string_view arg : argv) append_bulk(out, arg);
}

void append_aof_unit(std::string* out, const std::vector<PropagatedOp>& unit, int* selected_db) {
  auto select = [&](int db) {
    if (db == *selected_db) return;
    append_resp_command(out, {"SELECT", std::to_string(db)});
    *selected_db = db;
  };
  const bool transaction = unit.size() > 1;
  if (transaction) {
    select(unit.front().db);
    append_resp_command(out, {"MULTI"});
  }
  for (const PropagatedOp& op : unit) {
    select(op.db);
    append_resp_command(out, op.argv);
  }
  if (transaction) append_resp_command(out, {"EXEC"});
}

AofParse parse_aof_record(std::string_view data, std::vector<std::string_view>* argv,
                          size_t* consumed, std::string* error) {
  argv->clear();
  if (data.empty()) return AofParse::kTruncated;
  size_t pos = 0;
  if (data[0] == '#') {
    size_t eol = data.find('\n');
    if (eol == std::string_view::npos) return AofParse::kTruncated;
    *consumed = eol + 1;
    return AofParse::kAnnotation;
  }
  int64_t argc = 0;
  AofParse r = read_header(data, &pos, '*', kMaxArgc, &argc, error);
  if (r != AofParse::kCommand) return r;
  for (int64_t i = 0; i < argc; ++i) {
    if (pos >= data.size()) return AofParse::kTruncated;
    int64_t len = 0;
    r = read_header(data, &pos, '$', kMaxBulkLen, &len, error);
    if (r != AofParse::kCommand) return r;
    size_t need = static_cast<size_t>(len) + 2;
    if (data.size() - pos < need) return AofParse::kTruncated;
    if (data[pos + need - 2] != '\r' || data[pos + need - 1] != '\n') {
      *error = "bulk string not terminated by CRLF";
      return AofParse::kBad;
    }
    argv->push_back(data.substr(pos, static_cast<size_t>(len)));
    pos += need;
  }
  *consumed = pos;
  return AofParse::kCommand;
}

}  // namespace amber
