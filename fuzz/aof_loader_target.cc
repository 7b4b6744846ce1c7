// Fuzz target for the AOF loader (core/persist/aof_loader.h): the bytes of
// one AOF file — a RESP incr or base file, or an RDB-preamble base — as a
// crash, a bad disk or a hand edit may leave it. The file goes through the
// production path: the POSIX file system (a private directory under
// /dev/shm, or $TMPDIR when there is none), the loader, the engine.
//
// Input: one flags byte (bit 0: the file is the manifest's last, so a torn
// tail may be cut; bit 1: aof-load-truncated), then the file's bytes.
// Checks:
//  - a refused file says why;
//  - a cut tail leaves the file exactly `truncated_at` bytes long, and only
//    when cutting was allowed;
//  - the dataset loaded is written back as a RESP base (what BGREWRITEAOF
//    writes without preamble) and loads again into the same keys, values
//    and expire times.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "core/engine.h"
#include "core/io/clock.h"
#include "core/io/posix_file_system.h"
#include "core/io/random.h"
#include "core/persist/aof_loader.h"
#include "core/persist/aof_manager.h"
#include "core/persist/rdb_writer.h"
#include "fuzz/db_compare.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"

namespace amber::fuzz {
namespace {

constexpr uint8_t kIsLast = 1;
constexpr uint8_t kLoadTruncated = 2;

// A directory of this process's own, made once and removed at exit:
// libFuzzer runs inputs one after another in one process, and parallel jobs
// are separate processes.
const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string path = std::string(base) + "/amber-fuzz-aof-" + std::to_string(getpid());
    PosixFileSystem fs;
    Status made = fs.create_dir_if_missing(path);
    FUZZ_CHECK(made.ok(), "cannot make %s: %s", path.c_str(), made.to_string().c_str());
    return path;
  }();
  // Registered after `dir` is constructed, so it runs before `dir` dies.
  static const bool cleanup_registered = std::atexit([] { std::filesystem::remove_all(dir); }) == 0;
  (void)cleanup_registered;
  return dir;
}

struct LoadedEngine {
  LoadedEngine() : random(1), engine(EngineOptions{}, clock, random) {}
  ManualClock clock;
  SeededRandom random;
  Engine engine;
};

void write_file(PosixFileSystem& fs, const std::string& path, std::string_view bytes) {
  std::unique_ptr<WritableFile> file;
  Status s = fs.new_writable_file(path, &file);
  if (s.ok()) s = file->append(bytes);
  if (s.ok()) s = file->close();
  FUZZ_CHECK(s.ok(), "cannot write %s: %s", path.c_str(), s.to_string().c_str());
}

void check_round_trip(PosixFileSystem& fs, Engine& loaded) {
  std::string path = scratch_dir() + "/rewritten.aof";
  std::unique_ptr<WritableFile> file;
  Status s = fs.new_writable_file(path, &file);
  if (s.ok()) s = write_resp_base(loaded, *file);
  if (s.ok()) s = file->close();
  FUZZ_CHECK(s.ok(), "writing a RESP base failed: %s", s.to_string().c_str());
  LoadedEngine again;
  AofLoadResult result;
  s = load_aof_file(fs, path, /*is_last=*/false, again.engine, AofLoadOptions{}, &result);
  FUZZ_CHECK(s.ok(), "amber cannot load the base it wrote: %s", s.to_string().c_str());
  check_same_dbs(engine_dbs(loaded), engine_dbs(again.engine));
}

}  // namespace

int fuzz_aof_loader(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t flags = data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  PosixFileSystem fs;
  std::string path = scratch_dir() + "/appendonly.aof.1.incr.aof";
  write_file(fs, path, bytes);

  LoadedEngine run;
  AofLoadOptions options;
  options.load_truncated = (flags & kLoadTruncated) != 0;
  AofLoadResult result;
  Status status = load_aof_file(fs, path, (flags & kIsLast) != 0, run.engine, options, &result);
  if (result.truncated) {
    FUZZ_CHECK((flags & kIsLast) && options.load_truncated, "a tail was cut without permission");
    uint64_t size_now = 0;
    FUZZ_CHECK(fs.get_file_size(path, &size_now).ok() && size_now == result.truncated_at,
               "the file was not cut at %llu",
               static_cast<unsigned long long>(result.truncated_at));
  }
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty(), "an error without a message");
    return 0;
  }
  check_round_trip(fs, run.engine);
  return 0;
}

}  // namespace amber::fuzz
