// NvmPersistenceHost: the server's side of NVM persistence mode. It reads
// nvm-enabled, nvm-path (empty: `dir`), nvm-size and nvm-backend from Config
// and drives an nvm::NvmPersistence from the event loop:
//
//   main ─> start()          map the NVM regions and serve at once (the
//                            keyspace fills in lazily; instead of the RDB,
//                            which only the first start imports);
//                            refuse to start on error
//   loop ─> before_sleep()   group commit before any reply of the batch
//                            leaves
//        ─> after_replies()  once the batch's replies are written: a bounded
//                            replay step when the loop is idle or the
//                            replay lag is large, then offloads (the
//                            clients read their replies meanwhile)
//        ─> cron()           a bounded replay / store walk step
//   gate ─> deny_writes()    -MISCONF once NVM writes stopped being durable
//   INFO nvm: info_section().
//
// One persistence sink only: nvm-enabled yes with appendonly yes is refused
// at startup. Thread: the event loop's.
#pragma once

#include <memory>
#include <string>

#include "core/command.h"
#include "nvm/nvm_persistence.h"

namespace amber {

namespace nvm {
class NvmImport;
}  // namespace nvm
class Server;

class NvmPersistenceHost {
 public:
  explicit NvmPersistenceHost(Server& server);
  ~NvmPersistenceHost();

  // At startup, before serving: with nvm-enabled yes opens (or creates) the
  // regions and loads the keyspace. False with a message if the server must
  // not start.
  bool start(std::string* error);
  void before_sleep();
  void after_replies();
  void cron();

  bool enabled() const { return nvm_ != nullptr; }
  // DEBUG RELOAD's emptying and loading, kept out of the NVM log (see
  // NvmPersistence::reload_unlogged); just runs `reload` without NVM.
  Status reload_unlogged(const std::function<Status()>& reload) {
    return nvm_ ? nvm_->reload_unlogged(reload) : reload();
  }
  // True while there is background work to do now (the keyspace still
  // moving into DRAM after a restart, log records to fold into the store
  // because the loop is idle or the lag is too large): the event loop
  // should not sleep.
  bool busy() const;
  // True while log records wait to be folded into the store: the loop
  // should wake within a millisecond to notice when it is idle.
  bool replay_pending() const;
  bool deny_writes(const CommandSpec& spec, std::string* error) const;
  // A command or transaction whose record could exceed the largest NVM log
  // record (NvmPersistence::unit_fits) gets an error instead of running (a
  // unit that cannot be logged would stop the server).
  bool deny_oversized(const Session& session, const CommandSpec& spec, ArgList argv,
                      std::string* error) const;
  // The "# NVM" INFO section.
  std::string info_section() const;

 private:
  // The first start in NVM mode: loads the RDB and makes every key durable
  // in NVM before serving (nvm/nvm_import.h).
  bool import_rdb(nvm::NvmImport& import, std::string* error);
  // Logs that recover() grew the files for nvm-size, or kept larger ones.
  void report_resize();
  // replay_ops 0: NvmPersistence's default.
  void step(size_t replay_ops = 0);
  // Replays now if the loop is idle or the lag is past nvm-replay-lag.
  void replay_if_due(uint64_t new_ops, bool commands_ran);
  void report_fill_done();
  // The lag past which replay keeps pace with the writers.
  uint64_t eager_lag_bytes() const;

  Server& server_;
  std::unique_ptr<nvm::NvmPersistence> nvm_;
  bool reported_failure_ = false;
  bool was_filling_ = false;
  uint64_t commands_at_last_sleep_ = 0;
  int64_t last_command_us_ = 0;
  uint64_t ops_at_last_sleep_ = 0;
  uint64_t replay_lag_config_bytes_ = 0;  // nvm-replay-lag, kept current by on_change
  bool idle_ = false;                     // the last after_replies found the loop idle
};

}  // namespace amber
