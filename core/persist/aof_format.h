// The AOF's record format, shared by the writer, the loader and
// amber-check-aof. An AOF (a RESP base file or an incremental file) is a
// sequence of commands in RESP multi-bulk form, exactly what
// redis-server 7.0 writes:
//
//   *<argc>\r\n  then argc times  $<len>\r\n<len bytes>\r\n
//
// with argc >= 1. A line starting with '#' is an annotation (Redis's
// "#TS:<unix time>" when aof-timestamp-enabled) and is skipped up to its
// '\n'. A file with an RDB preamble starts with "REDIS" and holds a whole
// RDB (rdb_format.h) followed by zero or more RESP commands.
//
// Writers: a unit of more than one op is wrapped in MULTI ... EXEC; a SELECT
// precedes an op whose db differs from the last one written (and the MULTI,
// which takes the db of the unit's first op).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/propagation.h"

namespace amber {

// Appends one command in RESP multi-bulk form.
void append_resp_command(std::string* out, const std::vector<std::string>& argv);
void append_resp_command(std::string* out, std::initializer_list<std::string_view> argv);

// Appends a propagated unit, emitting SELECT when the db changes.
// `selected_db` is the db of the last op written (-1: none) and is updated.
void append_aof_unit(std::string* out, const std::vector<PropagatedOp>& unit, int* selected_db);

// Outcome of reading one record from a byte buffer.
enum class AofParse {
  kCommand,     // a full command in `argv`, `*consumed` bytes
  kAnnotation,  // a '#' line, `*consumed` bytes
  kTruncated,   // the buffer ends inside the record (a torn tail)
  kBad,         // bytes that are not a command; `*error` says why
};

// Reads the record starting at `data[0]`. `argv` views point into `data`.
AofParse parse_aof_record(std::string_view data, std::vector<std::string_view>* argv,
                          size_t* consumed, std::string* error);

// True when the bytes start an RDB preamble.
inline bool has_rdb_preamble(std::string_view data) { return data.substr(0, 5) == "REDIS"; }

}  // namespace amber
