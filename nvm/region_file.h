// The NVM mode's two region files (the log and the store, under nvm-path):
// mapping them with the chosen backend, and growing them when nvm-size asks
// for more than they hold.
//
// Growing copies the log or store into a new file `<name>.resize` of the
// new size (PmemLog::copy_to, PmemStore::copy_to), makes that durable and
// renames it over the old file. A crash before the rename leaves the old
// file untouched (the next start removes the leftover and grows again); a
// crash after it leaves the copy, which recovery cannot tell from the
// original. The log and the store grow independently: each copy keeps the
// generation and the sequence numbers that pair them (a store about to
// grow first takes in the log's links: fold_links_into_store).
// A file a power failure left without its size (created, not yet synced)
// never held anything acknowledged: it is removed and made anew
// (remove_unformattable_region_file). Threads: startup, before the regions
// are used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/io/file_system.h"
#include "core/planted_bugs.h"
#include "core/status.h"
#include "nvm/region.h"

namespace amber::nvm {

enum class NvmBackend { kPmem, kEmulated };

enum class RegionRole { kLog, kStore };

// Maps the region file at `path`, creating it with `size_bytes` when
// missing; an existing file is mapped at its own size.
Status open_region_file(NvmBackend backend, const std::string& path, size_t size_bytes,
                        std::unique_ptr<Region>* region);

// How the NVM mode opens its region files: open_region_file() with the
// configured backend, or (the simulator) regions over simulated media whose
// files live in its simulated file system. Same contract as
// open_region_file().
using RegionFileOpener = std::function<Status(const std::string& path, size_t size_bytes,
                                              std::unique_ptr<Region>* region)>;
RegionFileOpener backend_opener(NvmBackend backend);

// Removes the region file at `path` when it is too small to have ever held
// a log or store (`min_bytes`): what a power failure leaves of a file whose
// size never became durable. Nothing in it was acknowledged — every start
// syncs its files before it takes a write — and it could not be mapped.
// *removed says whether it did.
Status remove_unformattable_region_file(FileSystem& fs, const std::string& path, uint64_t min_bytes,
                                        bool* removed);

// Makes the region files at `paths`, in `dir`, durable as files: each
// file's metadata (its size) by an fsync, then their names by an fsync of
// `dir`. The flushes that persist a region's bytes make no file metadata
// durable, so a region file just created could otherwise vanish in a power
// failure, with every write acknowledged into it. Done at every start, not
// only when a file is created: a start whose sync failed leaves a file that
// the next one finds already there.
Status sync_region_files(FileSystem& fs, const std::string& dir,
                         std::span<const std::string> paths);

// Copies the log or store (`role`) in `from` into the larger `to`
// (PmemLog::copy_to, PmemStore::copy_to), persisted. NotFound when `from`
// holds none (never formatted).
Status copy_region(RegionRole role, Region* from, Region* to);

// Before a store grows: copy_region() carries the items the store's slots
// reach, not those that the links of records not folded in yet name
// (nvm/log_record.h), so the log in `log` is folded into the store in
// `store` up to its last record with a link. Those records need no room in
// the store, full or not: every record before a link's was folded in before
// its item was written, and a record with a link holds only links (its
// items are in the store already) and removes. Nothing to do when a
// region holds no log or store, or the two are not a pair (the open that
// follows reports that).
Status fold_links_into_store(Region* log, Region* store);

// When the file `name` in `dir` exists, holds a formatted log or store
// (`role`) and is smaller than `size_bytes`, replaces it with a copy of
// that size; *from_bytes is then the old size, else 0. A file of
// `size_bytes` or more is left alone (regions do not shrink). Removes a
// `.resize` leftover of an interrupted growth first. Files through `fs`,
// regions through `open`. REQUIRES: size_bytes is a multiple of 64.
Status grow_region_file(FileSystem& fs, const RegionFileOpener& open, RegionRole role,
                        const std::string& dir, std::string_view name, size_t size_bytes,
                        uint64_t* from_bytes, const PlantedBugs* bugs = nullptr);

}  // namespace amber::nvm
