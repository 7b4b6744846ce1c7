// The POSIX FileSystem. Its fault model is the kernel's: write(2) puts bytes
// in the page cache (lost on power failure), fdatasync makes a file's data
// and size durable, and a name change is durable only once the directory was
// fsynced. A failed write or sync poisons the WritableFile: Linux may have
// marked the dirty pages clean after the error, so retrying could report a
// success that is a lie (the "fsyncgate" lesson); every later call returns
// the first error instead.
#include "core/io/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace amber {
namespace {

constexpr size_t kWriteBufferBytes = 64 * 1024;

Status posix_error(const std::string& what, const std::string& path, int err) {
  std::string message = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::not_found(std::move(message), err);
  return Status::io_error(std::move(message), err);
}

int open_retrying(const char* path, int flags, mode_t mode = 0644) {
  int fd;
  do {
    fd = ::open(path, flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

void close_quietly(int fd) {
  if (fd >= 0) ::close(fd);  // close(2) must not be retried on EINTR on Linux
}

// Reads until `n` bytes or end of file. Returns -1 with errno on error.
ssize_t read_full(int fd, char* out, size_t n, const off_t* offset) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = offset == nullptr
                    ? ::read(fd, out + done, n - done)
                    : ::pread(fd, out + done, n - done, *offset + static_cast<off_t>(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(done);
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { close_quietly(fd_); }

  Status read(size_t n, char* scratch, size_t* bytes_read) override {
    ssize_t r = read_full(fd_, scratch, n, nullptr);
    if (r < 0) {
      *bytes_read = 0;
      return posix_error("read", path_, errno);
    }
    *bytes_read = static_cast<size_t>(r);
    return {};
  }

  Status skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0)
      return posix_error("lseek", path_, errno);
    return {};
  }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { close_quietly(fd_); }

  Status read_at(uint64_t offset, size_t n, char* scratch, size_t* bytes_read) const override {
    off_t start = static_cast<off_t>(offset);
    ssize_t r = read_full(fd_, scratch, n, &start);
    if (r < 0) {
      *bytes_read = 0;
      return posix_error("pread", path_, errno);
    }
    *bytes_read = static_cast<size_t>(r);
    return {};
  }

 private:
  std::string path_;
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t initial_size)
      : path_(std::move(path)), fd_(fd), size_(initial_size) {
    buffer_.reserve(kWriteBufferBytes);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) (void)close();
  }

  Status append(std::string_view data) override {
    if (!failed_.ok()) return failed_;
    if (fd_ < 0) return closed_error();
    size_ += data.size();
    if (buffer_.size() + data.size() <= kWriteBufferBytes) {
      buffer_.append(data);
      return {};
    }
    AMBER_RETURN_IF_ERROR(write_buffer());
    // Large appends skip the copy into the buffer.
    if (data.size() >= kWriteBufferBytes) return write_out(data.data(), data.size());
    buffer_.append(data);
    return {};
  }

  Status flush() override {
    if (!failed_.ok()) return failed_;
    if (fd_ < 0) return closed_error();
    return write_buffer();
  }

  Status sync() override {
    AMBER_RETURN_IF_ERROR(flush());
    int r;
    do {
      r = ::fdatasync(fd_);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return fail(posix_error("fdatasync", path_, errno));
    return {};
  }

  Status close() override {
    if (fd_ < 0) return failed_.ok() ? closed_error() : failed_;
    Status status = failed_.ok() ? write_buffer() : failed_;
    if (::close(fd_) < 0 && status.ok()) status = posix_error("close", path_, errno);
    fd_ = -1;
    return status;
  }

  uint64_t size() const override { return size_; }

 private:
  Status closed_error() const { return Status::invalid_argument("file already closed: " + path_); }

  Status fail(Status status) {
    failed_ = status;
    return status;
  }

  Status write_buffer() {
    if (buffer_.empty()) return {};
    Status status = write_out(buffer_.data(), buffer_.size());
    buffer_.clear();
    return status;
  }

  // Writes everything, completing short writes.
  Status write_out(const char* data, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return fail(posix_error("write", path_, errno));
      }
      data += w;
      n -= static_cast<size_t>(w);
    }
    return {};
  }

  std::string path_;
  int fd_;
  uint64_t size_;
  std::string buffer_;
  Status failed_;
};

Status open_writable(const std::string& path, int flags, std::unique_ptr<WritableFile>* file) {
  int fd = open_retrying(path.c_str(), flags);
  if (fd < 0) return posix_error("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) < 0) {
    int err = errno;
    close_quietly(fd);
    return posix_error("fstat", path, err);
  }
  *file = std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size));
  return {};
}

}  // namespace

Status PosixFileSystem::new_sequential_file(const std::string& path,
                                            std::unique_ptr<SequentialFile>* file) {
  int fd = open_retrying(path.c_str(), O_RDONLY);
  if (fd < 0) return posix_error("open", path, errno);
  *file = std::make_unique<PosixSequentialFile>(path, fd);
  return {};
}

Status PosixFileSystem::new_random_access_file(const std::string& path,
                                               std::unique_ptr<RandomAccessFile>* file) {
  int fd = open_retrying(path.c_str(), O_RDONLY);
  if (fd < 0) return posix_error("open", path, errno);
  *file = std::make_unique<PosixRandomAccessFile>(path, fd);
  return {};
}

Status PosixFileSystem::new_writable_file(const std::string& path,
                                          std::unique_ptr<WritableFile>* file) {
  return open_writable(path, O_WRONLY | O_CREAT | O_TRUNC, file);
}

Status PosixFileSystem::new_appendable_file(const std::string& path,
                                            std::unique_ptr<WritableFile>* file) {
  return open_writable(path, O_WRONLY | O_CREAT | O_APPEND, file);
}

Status PosixFileSystem::rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) < 0)
    return posix_error("rename", from + " to " + to, errno);
  return {};
}

Status PosixFileSystem::remove_file(const std::string& path) {
  if (::unlink(path.c_str()) < 0) return posix_error("unlink", path, errno);
  return {};
}

Status PosixFileSystem::sync_dir(const std::string& dir) {
  int fd = open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return posix_error("open directory", dir, errno);
  int r;
  do {
    r = ::fsync(fd);
  } while (r < 0 && errno == EINTR);
  int err = errno;
  close_quietly(fd);
  if (r < 0) return posix_error("fsync directory", dir, err);
  return {};
}

Status PosixFileSystem::get_children(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return posix_error("opendir", dir, errno);
  errno = 0;
  while (struct dirent* entry = ::readdir(d)) {
    std::string_view name(entry->d_name);
    if (name != "." && name != "..") names->emplace_back(name);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return posix_error("readdir", dir, err);
  return {};
}

bool PosixFileSystem::file_exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

Status PosixFileSystem::get_file_size(const std::string& path, uint64_t* size_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return posix_error("stat", path, errno);
  *size_bytes = static_cast<uint64_t>(st.st_size);
  return {};
}

Status PosixFileSystem::create_dir_if_missing(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return {};
  int err = errno;
  struct stat st;
  if (err == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
  return posix_error("mkdir", dir, err);
}

Status PosixFileSystem::truncate_file(const std::string& path, uint64_t size_bytes) {
  int r;
  do {
    r = ::truncate(path.c_str(), static_cast<off_t>(size_bytes));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return posix_error("truncate", path, errno);
  return {};
}

}  // namespace amber
