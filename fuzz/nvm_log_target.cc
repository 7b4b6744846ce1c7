// Fuzz target for PmemLog recovery (nvm/pmem_log.h) from an arbitrary region
// image: what a damaged or foreign file under nvm-path would present at
// startup. Checks: open() either reports the damage as a Status with a
// message or yields a log whose every record reads back (and decodes as a
// log record or reports why not); such a log also takes a new record, and a
// reopen sees the old records plus the new one.
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/nvm_region_image.h"
#include "nvm/emulated_region.h"
#include "nvm/log_record.h"
#include "nvm/pmem_log.h"

namespace amber::fuzz {

namespace {

std::vector<std::string> read_records(const nvm::PmemLog& log) {
  std::vector<std::string> records;
  for (uint64_t lsn = log.head_lsn(); lsn < log.tail_lsn();) {
    std::string_view payload;
    log.read(lsn, &payload, &lsn);
    records.emplace_back(payload);
  }
  return records;
}

}  // namespace

int fuzz_nvm_log(const uint8_t* data, size_t size) {
  auto region = nvm::EmulatedRegion::from_image(nvm_region_image(data, size, 4096, 1 << 20));
  std::unique_ptr<nvm::PmemLog> log;
  Status status = nvm::PmemLog::open(region.get(), &log);
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty(), "an error without a message");
    return 0;
  }
  std::vector<std::string> records = read_records(*log);
  for (const std::string& record : records) {
    uint64_t seq;
    std::vector<nvm::LogOp> ops;
    Status decoded = nvm::decode_log_record(record, &seq, &ops);
    FUZZ_CHECK(decoded.ok() || !decoded.message().empty(), "a decode error without a message");
  }
  if (log->append("fuzz")) {
    log->persist();
    records.push_back("fuzz");
  }
  auto after = nvm::EmulatedRegion::from_image(region->image_copy());
  std::unique_ptr<nvm::PmemLog> reopened;
  status = nvm::PmemLog::open(after.get(), &reopened);
  FUZZ_CHECK(status.ok(), "a log amber appended to does not reopen: %s",
             status.to_string().c_str());
  FUZZ_CHECK(read_records(*reopened) == records, "the reopened log holds other records");
  return 0;
}

}  // namespace amber::fuzz
