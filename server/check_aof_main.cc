// amber-check-aof [--fix] FILE|DIR|MANIFEST: checks an append-only file the
// way redis-check-aof does. Given a directory (or its manifest) it checks
// every file the manifest lists, base first; given one file it checks that
// file. An RDB preamble is verified with the RDB loader (checksum included),
// then each RESP record is parsed. The first problem is reported with its
// file, byte offset and reason. A torn tail (a record, or a MULTI without
// its EXEC, cut off by the end of the last file) is what a crash leaves;
// with --fix it is cut off after printing how many bytes will be lost.
// Other damage is reported, never "fixed" by guessing. Exit status: 0 valid
// (or fixed), 1 otherwise.
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/db.h"
#include "core/io/posix_file_system.h"
#include "core/persist/aof_format.h"
#include "core/persist/aof_loader.h"
#include "core/persist/manifest.h"
#include "core/persist/rdb_loader.h"

namespace amber {
namespace {

struct Verdict {
  enum Kind { kValid, kTorn, kBad } kind = kValid;
  uint64_t ok_up_to = 0;
  std::string reason;
};

Verdict check_rdb_preamble(std::string_view data, size_t* start) {
  std::vector<std::unique_ptr<Db>> owned;
  std::vector<Db*> dbs;
  for (int i = 0; i < 16; ++i) {
    owned.push_back(std::make_unique<Db>(static_cast<uint64_t>(i) + 1));
    dbs.push_back(owned.back().get());
  }
  RdbLoadOptions options;
  options.drop_expired = false;
  options.skip_module_aux = true;
  RdbLoadResult result;
  Status s = load_rdb_bytes(data, dbs, options, &result);
  if (!s.ok()) return Verdict{Verdict::kBad, 0, "RDB preamble is invalid: " + s.message()};
  *start = result.bytes_consumed;
  return Verdict{Verdict::kValid, result.bytes_consumed, ""};
}

Verdict check_bytes(std::string_view data) {
  size_t pos = 0;
  if (has_rdb_preamble(data)) {
    Verdict v = check_rdb_preamble(data, &pos);
    if (v.kind != Verdict::kValid) return v;
  }
  size_t ok_up_to = pos;
  bool in_multi = false;
  std::vector<std::string_view> argv;
  while (pos < data.size()) {
    size_t consumed = 0;
    std::string error;
    AofParse p = parse_aof_record(data.substr(pos), &argv, &consumed, &error);
    if (p == AofParse::kTruncated) {
      return Verdict{Verdict::kTorn, ok_up_to, "truncated record at offset " + std::to_string(pos)};
    }
    if (p == AofParse::kBad)
      return Verdict{Verdict::kBad, ok_up_to, error + " at offset " + std::to_string(pos)};
    pos += consumed;
    if (p == AofParse::kCommand) {
      std::string name(argv[0]);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "multi") {
        if (in_multi)
          return Verdict{Verdict::kBad, ok_up_to,
                         "nested MULTI at offset " + std::to_string(pos - consumed)};
        in_multi = true;
      } else if (name == "exec") {
        if (!in_multi)
          return Verdict{Verdict::kBad, ok_up_to,
                         "EXEC without MULTI at offset " + std::to_string(pos - consumed)};
        in_multi = false;
      }
    }
    if (!in_multi) ok_up_to = pos;
  }
  if (in_multi) return Verdict{Verdict::kTorn, ok_up_to, "MULTI without EXEC"};
  return Verdict{Verdict::kValid, ok_up_to, ""};
}

// Checks one file; returns false if it is (still) not valid.
bool check_file(FileSystem& fs, const std::string& path, bool is_last, bool fix) {
  std::string data;
  Status s = read_whole_file(fs, path, &data);
  if (!s.ok()) {
    std::printf("Cannot read %s: %s\n", path.c_str(), s.message().c_str());
    return false;
  }
  Verdict v = check_bytes(data);
  std::printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%llu, diff=%llu\n", path.c_str(),
              data.size(), static_cast<unsigned long long>(v.ok_up_to),
              static_cast<unsigned long long>(data.size() - v.ok_up_to));
  if (v.kind == Verdict::kValid) {
    std::printf("AOF %s is valid\n", path.c_str());
    return true;
  }
  std::printf("%s: %s\n", v.kind == Verdict::kTorn ? "Torn tail" : "Bad record", v.reason.c_str());
  if (v.kind == Verdict::kBad || !is_last) {
    if (v.kind == Verdict::kTorn)
      std::printf("A truncated file that is not the last one can't be fixed\n");
    std::printf("AOF %s is not valid. Use the --fix option only for a torn tail.\n", path.c_str());
    return false;
  }
  if (!fix) {
    std::printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", path.c_str());
    return false;
  }
  std::printf("This will shrink the AOF %s from %zu bytes, with %llu bytes, to %llu bytes\n",
              path.c_str(), data.size(), static_cast<unsigned long long>(data.size() - v.ok_up_to),
              static_cast<unsigned long long>(v.ok_up_to));
  s = fs.truncate_file(path, v.ok_up_to);
  if (!s.ok()) {
    std::printf("Failed to truncate AOF %s: %s\n", path.c_str(), s.message().c_str());
    return false;
  }
  std::printf("Successfully truncated AOF %s\n", path.c_str());
  return true;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string find_manifest(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> names;
  if (!fs.get_children(dir, &names).ok()) return "";
  for (const std::string& n : names) {
    if (n.size() > 9 && n.rfind(".manifest") == n.size() - 9 && n.rfind("temp-", 0) != 0) {
      return join_path(dir, n);
    }
  }
  return "";
}

int check_manifest(FileSystem& fs, const std::string& manifest_path, bool fix) {
  std::string dir = manifest_path.substr(0, manifest_path.rfind('/'));
  if (manifest_path.find('/') == std::string::npos) dir = ".";
  std::string text;
  AofManifest manifest;
  Status s = read_whole_file(fs, manifest_path, &text);
  if (s.ok()) s = parse_aof_manifest(text, &manifest);
  if (!s.ok()) {
    std::printf("Invalid AOF manifest %s: %s\n", manifest_path.c_str(), s.message().c_str());
    return 1;
  }
  std::vector<std::string> files;
  if (manifest.base) files.push_back(manifest.base->name);
  for (const AofFileInfo& f : manifest.incr) files.push_back(f.name);
  if (files.empty()) {
    std::printf("Invalid AOF manifest %s: no base or incr file\n", manifest_path.c_str());
    return 1;
  }
  std::printf("Start checking Multi Part AOF\n");
  for (size_t i = 0; i < files.size(); ++i) {
    if (!check_file(fs, join_path(dir, files[i]), i + 1 == files.size(), fix)) return 1;
  }
  std::printf("All AOF files and manifest are valid\n");
  return 0;
}

}  // namespace
}  // namespace amber

int main(int argc, char** argv) {
  bool fix = false;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--fix") {
      fix = true;
    } else if (path.empty()) {
      path = arg;
    } else {
      path.clear();
      break;
    }
  }
  if (path.empty()) {
    std::printf("Usage: %s [--fix] <file.manifest|file.aof|appendonlydir>\n", argv[0]);
    return 1;
  }
  amber::PosixFileSystem fs;
  if (amber::is_directory(path)) {
    std::string manifest = amber::find_manifest(fs, path);
    if (manifest.empty()) {
      std::printf("No AOF manifest found in %s\n", path.c_str());
      return 1;
    }
    return amber::check_manifest(fs, manifest, fix);
  }
  if (path.size() > 9 && path.rfind(".manifest") == path.size() - 9) {
    return amber::check_manifest(fs, path, fix);
  }
  return amber::check_file(fs, path, /*is_last=*/true, fix) ? 0 : 1;
}
