// The differential test's executor (see diff_runner.h). It keeps just enough
// client state (inside MULTI or not, what was queued) to apply the
// comparison rules to EXEC's nested replies, and it iterates SCAN to the end
// on each server because cursors are an implementation detail.
#include "tests/integration/diff_runner.h"

#include <algorithm>
#include <iostream>

#include "tests/integration/diff_compare.h"

namespace amber::testing {
namespace {

constexpr int kMaxScanCalls = 10000;
constexpr char kPartialScan[] = "+<scan from a nonzero cursor>\r\n";

std::string show_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += " \"" + resp_printable(a) + "\"";
  return out;
}

}  // namespace

bool DiffRunner::connect(std::string* error) {
  for (int c = 0; c < 2; ++c) {
    if (!reference_[c].connect(reference_port_, error) ||
        !subject_[c].connect(subject_port_, error)) {
      return false;
    }
  }
  return true;
}

bool DiffRunner::reset(std::string* error) {
  for (int c = 0; c < 2; ++c) {
    state_[c] = ClientState{};
    for (RespClient* conn : {&reference_[c], &subject_[c]}) {
      for (const char* cmd : {"DISCARD", "UNWATCH"}) conn->command({cmd}, error);
      if (conn->command({"SELECT", "0"}, error) != "+OK\r\n") return false;
    }
  }
  return reference_[0].command({"FLUSHALL"}, error) == "+OK\r\n" &&
         subject_[0].command({"FLUSHALL"}, error) == "+OK\r\n";
}

std::string DiffRunner::run_case(const std::vector<Step>& steps) {
  std::string error;
  if (!reset(&error)) return "reset failed: " + error;
  std::string transcript;
  int serial = 0;
  for (const Step& step : steps) {
    std::vector<std::string> argv = resolve_time_args(step.argv, ++serial);
    if (!run_step(argv, step.client, &transcript)) return transcript;
  }
  if (trace_) std::cerr << "--- case\n" << transcript;
  return {};
}

bool DiffRunner::run_step(const std::vector<std::string>& argv, int client,
                          std::string* transcript) {
  std::string error;
  std::string name = upper(argv[0]);
  bool full_scan = name == "SCAN" && !state_[client].in_multi;
  std::string want = full_scan ? scan_all(reference_[client], argv, &error)
                               : reference_[client].command(argv, &error);
  std::string got =
      full_scan ? scan_all(subject_[client], argv, &error) : subject_[client].command(argv, &error);
  *transcript += "c" + std::to_string(client) + ":" + show_argv(argv) +
                 "\n    redis: " + resp_printable(want) + "\n    amber: " + resp_printable(got) +
                 "\n";
  if (want.empty() || got.empty()) {
    *transcript += "CONNECTION ERROR: " + error + "\n";
    return false;
  }
  bool match = replies_match(argv, resp_parse(want), resp_parse(got), state_[client].queued);
  if (!match) {
    *transcript += "MISMATCH\n";
    return false;
  }
  if (name == "RANDOMKEY" && !state_[client].in_multi &&
      !check_random_key(got, client, transcript)) {
    return false;
  }
  track_multi(argv, want, client);
  return true;
}

std::string DiffRunner::scan_all(RespClient& conn, std::vector<std::string> argv,
                                 std::string* error) {
  if (argv.size() < 2) return conn.command(argv, error);  // arity error
  RespValue keys;
  keys.type = '*';
  bool from_start = argv[1] == "0";
  for (int i = 0; i < kMaxScanCalls; ++i) {
    std::string raw = conn.command(argv, error);
    if (raw.empty()) return raw;
    RespValue page = resp_parse(raw);
    if (page.type != '*' || page.elems.size() != 2) return raw;
    // A scan from any other cursor (the mutation layer makes "-1") covers a
    // part of the table that depends on the hash seed: only its shape counts.
    if (!from_start) return kPartialScan;
    for (auto& k : page.elems[1].elems) keys.elems.push_back(std::move(k));
    argv[1] = page.elems[0].text;
    if (argv[1] == "0") break;
  }
  // Sorted and deduplicated: a key may legitimately come back twice.
  std::sort(keys.elems.begin(), keys.elems.end(),
            [](const RespValue& a, const RespValue& b) { return a.text < b.text; });
  keys.elems.erase(
      std::unique(keys.elems.begin(), keys.elems.end(),
                  [](const RespValue& a, const RespValue& b) { return a.text == b.text; }),
      keys.elems.end());
  RespValue result;
  result.type = '*';
  RespValue cursor;
  cursor.type = '$';
  cursor.text = "0";
  result.elems.push_back(cursor);
  result.elems.push_back(std::move(keys));
  return resp_serialize(result);
}

bool DiffRunner::check_random_key(const std::string& reply, int client, std::string* transcript) {
  RespValue key = resp_parse(reply);
  if (key.type != '$' || key.null) return true;
  std::string error;
  std::string exists = subject_[client].command({"EXISTS", key.text}, &error);
  if (exists == ":1\r\n") return true;
  *transcript += "RANDOMKEY returned a key that EXISTS says is absent: " + resp_printable(exists) +
                 " " + error + "\n";
  return false;
}

void DiffRunner::track_multi(const std::vector<std::string>& argv, const std::string& reply,
                             int client) {
  ClientState& s = state_[client];
  std::string name = upper(argv[0]);
  if (!s.in_multi) {
    if (name == "MULTI" && reply == "+OK\r\n") s.in_multi = true;
    return;
  }
  // EXEC always ends the transaction, even rejected for its arity (Redis
  // answers EXECABORT then); a DISCARD with bad arity is a queue-time error.
  bool arity_error = reply.starts_with("-ERR wrong number of arguments");
  if (name == "EXEC" || (name == "DISCARD" && !arity_error)) {
    s = ClientState{};
  } else if (reply == "+QUEUED\r\n") {
    s.queued.push_back(argv);
  }
}

}  // namespace amber::testing
