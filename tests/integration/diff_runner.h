// DiffRunner: plays one generated command sequence against the reference
// redis-server and against amber-server, two connections to each (so that
// WATCH sees another client's writes), and compares every reply with the
// rules of diff_compare.h. Each case starts from a clean state: no MULTI, no
// WATCH, database 0, FLUSHALL.
//
// Commands run in lockstep, Redis first, so that the two servers see the
// same sequence a fraction of a millisecond apart.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/diff_commands.h"
#include "tests/integration/resp_client.h"

namespace amber::testing {

class DiffRunner {
 public:
  DiffRunner(int reference_port, int subject_port)
      : reference_port_(reference_port), subject_port_(subject_port) {}

  bool connect(std::string* error);
  // Prints every case's transcript to stderr, passing or not.
  void set_trace(bool trace) { trace_ = trace; }
  // Returns "" when every reply matched, else a transcript of the case up to
  // the first mismatch.
  std::string run_case(const std::vector<Step>& steps);

 private:
  struct ClientState {
    bool in_multi = false;
    std::vector<std::vector<std::string>> queued;
  };

  bool reset(std::string* error);
  // Runs one step on both servers; appends to the transcript; false on a
  // mismatch or a connection failure.
  bool run_step(const std::vector<std::string>& argv, int client, std::string* transcript);
  // SCAN outside MULTI: iterates to cursor 0 and returns the sorted keys as
  // one array (or the first reply if it is an error).
  std::string scan_all(RespClient& conn, std::vector<std::string> argv, std::string* error);
  bool check_random_key(const std::string& reply, int client, std::string* transcript);
  void track_multi(const std::vector<std::string>& argv, const std::string& reply, int client);

  int reference_port_;
  int subject_port_;
  RespClient reference_[2];
  RespClient subject_[2];
  ClientState state_[2];
  bool trace_ = false;
};

}  // namespace amber::testing
