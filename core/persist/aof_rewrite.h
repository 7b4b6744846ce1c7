// The AOF base written without fork: the encoder that makes a fork-less
// Snapshot (snapshot.h) emit RESP commands instead of an RDB, for
// `aof-use-rdb-preamble no`. The rewrite itself (AofManager::start_rewrite,
// step_rewrite, aof_rewrite.cc) drives a Snapshot:
//
//   start_rewrite  flush + sync the open incr file; open incr N+1, persist
//                  the manifest (base, ..., incr N, incr N+1): every write
//                  from now on lands in N+1; Snapshot::start() takes the
//                  point in time and writes "temp-rewriteaof-<n>-<base>".
//   step_rewrite   walks a few buckets (engine thread); chunks are written
//                  on the executor; at the end the temp file is synced and
//                  renamed to the new base name, the directory synced.
//   swap           manifest (new base, incr N+1): old base and incr <= N
//                  become history, the manifest is replaced atomically,
//                  then history files are deleted.
//
// A crash before the swap leaves the previous manifest, which names every
// file needed (old base + incr..N + N+1); after it, the new base is the
// dataset at the switch and N+1 holds every later write.
//
// Turning the AOF on at runtime (start_enable, Redis's AOF_WAIT_REWRITE)
// is the same walk, but no manifest may name a file before the base exists
// (a crash must not leave an AOF that loads to a part of the dataset):
//
//   start_enable   truncate "temp-<appendfilename>.incr", append every
//                  write there; Snapshot::start() as above.
//   finish_enable  flush + sync the temp incr file, rename it to incr M+1,
//                  persist the manifest (new base, incr M+1; every older
//                  file history): the single commit point.
//
// A failure anywhere before the commit (the base, an append to the temp
// incr file, the rename) leaves the old files and manifest untouched; the
// temp files are removed and the host starts again. The recovery after a
// failed write or sync (start_recovery) is the same fresh rewrite, once the
// failed incr file is cut back to its synced bytes; writes stay refused
// until its commit, so no acknowledged write depends on the temp file.
#pragma once

#include <memory>

#include "core/persist/snapshot.h"

namespace amber {

// A RESP base: per non-empty db a SELECT, then SET key value and
// PEXPIREAT key ms per key (redis-server 7.0's rewriteAppendOnlyFileRio).
std::unique_ptr<SnapshotEncoder> make_resp_snapshot_encoder(RdbSink& sink);

}  // namespace amber
