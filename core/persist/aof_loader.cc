// Replaying AOF files (see aof_loader.h). Each file is read whole, an RDB
// preamble is handed to the RDB loader (expired keys kept: the AOF that
// follows decides their fate, as redis-server does for a preamble), and the
// RESP records after it are executed one by one. The offset of the last
// complete record outside a transaction is tracked so that a torn tail — or
// a MULTI whose EXEC never reached the disk — is cut at a record boundary,
// keeping a transaction all or nothing.
#include "core/persist/aof_loader.h"

#include <vector>

#include "core/engine.h"
#include "core/persist/aof_format.h"
#include "core/persist/aof_record_queue.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "core/reply.h"

namespace amber {
namespace {

struct FileReplay {
  FileSystem& fs;
  const std::string& path;
  bool is_last;
  Engine& engine;
  const AofLoadOptions& options;
  AofLoadResult* result;
};

void log_line(const AofLoadOptions& options, const std::string& line) {
  if (options.log) options.log(line);
}

Status cut_tail(const FileReplay& r, uint64_t valid_up_to, std::string_view why) {
  std::string name = r.path.substr(r.path.rfind('/') + 1);
  if (!r.is_last || !r.options.load_truncated) {
    if (!r.is_last) {
      return Status::corruption("Fatal error: the truncated file is not the last file (" + name +
                                ", " + std::string(why) + " at offset " +
                                std::to_string(valid_up_to) + ")");
    }
    return Status::corruption(
        "Unexpected end of file reading the append only file " + name + " at offset " +
        std::to_string(valid_up_to) +
        ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
        "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
        "configuration option to yes and restart the server.");
  }
  log_line(r.options, "!!! Warning: short read while loading the AOF file " + name + "!!!");
  log_line(r.options,
           "!!! Truncating the AOF " + name + " at offset " + std::to_string(valid_up_to) + " !!!");
  AMBER_RETURN_IF_ERROR(r.fs.truncate_file(r.path, valid_up_to));
  log_line(r.options, "AOF " + name + " loaded anyway because aof-load-truncated is enabled");
  r.result->truncated = true;
  r.result->truncated_at = valid_up_to;
  return {};
}

Status replay_commands(const FileReplay& r, std::string_view data, size_t start) {
  Session session;
  std::string discard;
  size_t valid_up_to = start;  // end of the last record outside MULTI
  std::string name = r.path.substr(r.path.rfind('/') + 1);
  AofRecordQueue records(data, start, r.engine, session);
  while (const AofRecordQueue::Record* rec = records.next()) {
    if (rec->kind == AofParse::kTruncated) break;
    if (rec->kind == AofParse::kBad) {
      return Status::corruption("Bad file format reading the append only file " + name +
                                " at offset " + std::to_string(rec->offset) + ": " + rec->error +
                                ": make a backup of your AOF file, then use ./redis-check-aof "
                                "--fix <filename.manifest>");
    }
    const size_t end = rec->offset + rec->consumed;
    if (rec->kind == AofParse::kAnnotation) {
      if (!session.in_multi) valid_up_to = end;
      continue;
    }
    if (r.engine.find_command(rec->argv[0]) == nullptr) {
      return Status::corruption("Unknown command '" + std::string(rec->argv[0].substr(0, 64)) +
                                "' reading the append only file " + name);
    }
    discard.clear();
    Reply reply(&discard, 2);
    r.engine.execute(session, rec->argv, reply);
    ++r.result->commands;
    if (!session.in_multi) valid_up_to = end;
    if (r.options.progress && r.result->commands % AofLoadOptions::kProgressCommands == 0) {
      r.options.progress();
    }
  }
  if (session.in_multi) {
    log_line(r.options, "Revert incomplete MULTI/EXEC transaction in AOF file " + name);
    std::vector<std::string_view> discard_argv{"DISCARD"};
    Reply reply(&discard, 2);
    r.engine.execute(session, discard_argv, reply);
  }
  r.engine.forget_session(session);
  if (valid_up_to < data.size()) return cut_tail(r, valid_up_to, "short read");
  return {};
}

}  // namespace

Status read_whole_file(FileSystem& fs, const std::string& path, std::string* out) {
  out->clear();
  std::unique_ptr<SequentialFile> file;
  AMBER_RETURN_IF_ERROR(fs.new_sequential_file(path, &file));
  // Small files (manifests, short incr files) need no 1 MiB zeroed buffer.
  uint64_t size_bytes = 0;
  size_t chunk = 1 << 20;
  if (fs.get_file_size(path, &size_bytes).ok() && size_bytes < chunk) {
    chunk = static_cast<size_t>(size_bytes) + 1;
  }
  while (true) {
    size_t old = out->size();
    out->resize(old + chunk);
    size_t n = 0;
    AMBER_RETURN_IF_ERROR(file->read(chunk, out->data() + old, &n));
    out->resize(old + n);
    if (n < chunk) return {};
  }
}

Status load_aof_file(FileSystem& fs, const std::string& path, bool is_last, Engine& engine,
                     const AofLoadOptions& options, AofLoadResult* result) {
  // Nothing expires while loading (Redis's server.loading): a SET ... PXAT
  // or PEXPIREAT in the past keeps its key, as every replay of the file must.
  struct LoadingScope {
    Engine& engine;
    bool was;
    ~LoadingScope() { engine.set_loading(was); }
  } loading{engine, engine.loading()};
  engine.set_loading(true);
  std::string data;
  AMBER_RETURN_IF_ERROR(read_whole_file(fs, path, &data));
  result->total_size += data.size();
  FileReplay r{fs, path, is_last, engine, options, result};
  size_t start = 0;
  if (has_rdb_preamble(data)) {
    RdbLoadOptions rdb;
    rdb.now_ms = engine.clock().now_ms();
    rdb.drop_expired = false;
    rdb.verify_checksum = options.verify_checksum;
    rdb.lru_clock = engine.lru_clock();
    if (options.progress) {
      rdb.progress = [&options](uint64_t, uint64_t) { options.progress(); };
      rdb.progress_interval_bytes = 2 << 20;
    }
    RdbLoadResult loaded;
    std::vector<Db*> dbs = engine_dbs(engine);
    std::string_view view(data);
    Status s = load_rdb_bytes(view, dbs, rdb, &loaded);
    if (!s.ok()) {
      return Status::corruption("Error reading the RDB preamble of the AOF file " + path + ": " +
                                s.message());
    }
    result->rdb_keys += loaded.keys_loaded;
    start = loaded.bytes_consumed;
  }
  return replay_commands(r, data, start);
}

Status load_aof_files(FileSystem& fs, const std::string& aof_dir, const AofManifest& manifest,
                      Engine& engine, const AofLoadOptions& options, AofLoadResult* result) {
  std::vector<const AofFileInfo*> files;
  if (manifest.base) files.push_back(&*manifest.base);
  for (const AofFileInfo& f : manifest.incr) files.push_back(&f);
  for (size_t i = 0; i < files.size(); ++i) {
    std::string path = join_path(aof_dir, files[i]->name);
    if (!fs.file_exists(path)) {
      return Status::not_found("The AOF file " + files[i]->name + " doesn't exist");
    }
    uint64_t before = result->total_size;
    AMBER_RETURN_IF_ERROR(load_aof_file(fs, path, i + 1 == files.size(), engine, options, result));
    if (i == 0 && manifest.base) result->base_size = result->total_size - before;
  }
  return {};
}

}  // namespace amber
