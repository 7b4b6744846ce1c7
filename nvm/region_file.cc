#include "nvm/region_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "nvm/emulated_region.h"
#include "nvm/pmem_log.h"
#include "nvm/pmem_region.h"
#include "nvm/pmem_store.h"

namespace amber::nvm {
namespace {

Status errno_status(const std::string& what) {
  int error = errno;
  return Status::io_error(what + ": " + std::strerror(error), error);
}

// fsync of the file at `path` (its data, and its size as metadata).
Status sync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return errno_status("open " + path);
  int rc = ::fsync(fd);
  Status status = rc == 0 ? Status() : errno_status("fsync " + path);
  ::close(fd);
  return status;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Status copy_region(RegionRole role, Region* from, Region* to) {
  if (role == RegionRole::kLog) {
    std::unique_ptr<PmemLog> log;
    AMBER_RETURN_IF_ERROR(PmemLog::open(from, &log));
    std::unique_ptr<PmemLog> copy;
    return log->copy_to(to, &copy);
  }
  std::unique_ptr<PmemStore> store;
  AMBER_RETURN_IF_ERROR(PmemStore::open(from, &store));
  std::unique_ptr<PmemStore> copy;
  return store->copy_to(to, &copy);
}

Status open_region_file(NvmBackend backend, const std::string& path, size_t size_bytes,
                        std::unique_ptr<Region>* region) {
  struct stat st;
  size_t create_bytes = ::stat(path.c_str(), &st) == 0 ? 0 : size_bytes;
  if (backend == NvmBackend::kEmulated) {
    std::unique_ptr<EmulatedRegion> emulated;
    Status s = EmulatedRegion::open_file(path, create_bytes, &emulated);
    *region = std::move(emulated);
    return s;
  }
  std::unique_ptr<PmemRegion> pmem;
  Status s = PmemRegion::open(path, create_bytes, &pmem);
  *region = std::move(pmem);
  return s;
}

Status grow_region_file(NvmBackend backend, RegionRole role, const std::string& path,
                        size_t size_bytes, uint64_t* from_bytes) {
  *from_bytes = 0;
  const std::string resize_path = path + ".resize";
  if (::unlink(resize_path.c_str()) != 0 && errno != ENOENT) {
    return errno_status("remove " + resize_path);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status() : errno_status("stat " + path);
  }
  if (static_cast<uint64_t>(st.st_size) >= size_bytes) return Status();
  {
    std::unique_ptr<Region> from;
    AMBER_RETURN_IF_ERROR(open_region_file(backend, path, 0, &from));
    std::unique_ptr<Region> to;
    AMBER_RETURN_IF_ERROR(open_region_file(backend, resize_path, size_bytes, &to));
    Status copied = copy_region(role, from.get(), to.get());
    if (copied.is_not_found()) {
      // Never formatted (a crash during the first format): the normal open
      // formats it, at its own size. Nothing to carry over, so make it anew.
      to.reset();
      from.reset();
      if (::unlink(resize_path.c_str()) != 0) return errno_status("remove " + resize_path);
      if (::unlink(path.c_str()) != 0) return errno_status("remove " + path);
      return Status();
    }
    if (!copied.ok()) {
      to.reset();
      ::unlink(resize_path.c_str());
      return copied;
    }
    AMBER_RETURN_IF_ERROR(to->health());
  }
  AMBER_RETURN_IF_ERROR(sync_path(resize_path, O_RDWR));
  if (::rename(resize_path.c_str(), path.c_str()) != 0) {
    return errno_status("rename " + resize_path + " to " + path);
  }
  AMBER_RETURN_IF_ERROR(sync_path(dir_of(path), O_RDONLY | O_DIRECTORY));
  *from_bytes = static_cast<uint64_t>(st.st_size);
  return Status();
}

}  // namespace amber::nvm
