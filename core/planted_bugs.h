// PlantedBugs: test-only switches that plant the classic durability bugs in
// the real persistence code, so that the simulator (sim/) and its tests can
// prove they catch each one. The switches are handed in (AofSettings, a
// parameter), never global; the code that reads them is compiled only when
// AMBER_PLANTED_BUGS is defined, which the top-level CMakeLists does in test
// builds (AMBER_TESTS=ON) only — a release build cannot contain a planted bug.
//
// Every switch defaults to off; a null `const PlantedBugs*` means none.
#pragma once

namespace amber {

struct PlantedBugs {
  // appendfsync always: the batch's bytes are written but not fsynced
  // before the replies leave (AofWriter::flush).
  bool skip_fsync_before_ack = false;
  // write_file_atomically renames without syncing the directory, so the new
  // name (manifest, base) may vanish in a power failure.
  bool skip_dir_fsync_after_rename = false;
  // appendfsync always: the group commit's fsync runs at the start of the
  // *next* flush, after this batch's replies were sent.
  bool ack_before_group_commit = false;
  // A failed fsync is treated as success and the writer stays healthy.
  bool trust_failed_fsync = false;
  // NVM mode: a log record is acknowledged without Region::persist
  // (PmemLog::persist skips the records' drain; NvmPersistence::before_reply
  // skips the group commit of every 7th record, so the replies leave first).
  bool skip_nvm_persist = false;
  // NVM mode: the region files are not synced at startup (neither the files
  // nor their directory), so a power failure can take a new one away.
  bool skip_nvm_file_sync = false;
  // NVM mode: a value too long to log is written into the store unflushed
  // (PmemStore::write_unlinked), and the record that links it is persisted
  // all the same.
  bool skip_nvm_link_persist = false;
  // NVM mode: growing a region file renames its copy over the old file
  // without syncing the copy first (nvm/region_file.h), so a power failure
  // can leave the name on a file whose size never reached the disk.
  bool skip_nvm_resize_sync = false;
};

}  // namespace amber
