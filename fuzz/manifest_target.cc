// Fuzz target for the multi-part AOF manifest parser
// (core/persist/manifest.h), which reads a text file from the data
// directory at every start. Checks: a parsed manifest written back with
// to_string() parses again into the same manifest (what amber writes, amber
// reads), and a refused one says why.
#include <string_view>

#include "core/persist/manifest.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"

namespace amber::fuzz {

int fuzz_manifest(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  AofManifest manifest;
  Status status = parse_aof_manifest(text, &manifest);
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty(), "an error without a message");
    return 0;
  }
  // Only comments: nothing to write back (amber never writes an empty
  // manifest, and Redis refuses a zero-byte one).
  if (!manifest.base && manifest.history.empty() && manifest.incr.empty()) return 0;
  std::string written = manifest.to_string();
  // A name of raw bytes may be parsed from a short quoted line and written
  // back with \xNN escapes past the 1024-byte line limit (newline included), as Redis would.
  // Names amber makes itself (from appendfilename) never come close.
  for (size_t start = 0, end; start < written.size(); start = end + 1) {
    end = written.find('\n', start);
    if (end - start + 1 > 1024) return 0;  // the line and its newline
  }
  AofManifest again;
  Status reparsed = parse_aof_manifest(written, &again);
  FUZZ_CHECK(reparsed.ok(), "amber cannot parse the manifest it wrote: %s\n%s",
             reparsed.to_string().c_str(), written.c_str());
  FUZZ_CHECK(again.base == manifest.base && again.history == manifest.history &&
                 again.incr == manifest.incr,
             "manifest changed in a write/parse round trip:\n%s", written.c_str());
  return 0;
}

}  // namespace amber::fuzz
