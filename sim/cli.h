// amber-sim's command line: parsing, the usage text, the SimOptions of one
// seed, and the one-line command that reproduces a run. In the library so
// that tests can check that a printed reproduction parses back to the same
// run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace amber::sim {

struct CliOptions {
  std::vector<Mode> modes{Mode::kAlways};
  std::string mode_arg = "always";
  uint64_t seeds = 100;
  uint64_t first_seed = 1;
  bool faults = false;
  uint64_t commands = 300;
  std::string plant;  // a planted bug's name, "" for none
  bool rdb_preamble = true;
  uint64_t auto_rewrite_min_bytes = 16384;
  int64_t auto_rewrite_percentage = 100;
  std::string save = "1 40 3 1";
  uint64_t crash_span_ops = 250;
  uint64_t large_per_mille = WorkloadOptions{}.large_per_mille;  // values of 10..100 KB
  uint64_t nvm_dram_max_bytes = 0;  // nvm mode's capacity tier; 0: no bound
  bool print_digest = false;
  bool trace = false;
  bool help = false;
};

bool parse_cli(int argc, char** argv, CliOptions* options, std::string* error);
const char* cli_usage();
// Sets the switch named `name` (skip-fsync-before-ack, skip-dir-fsync,
// ack-before-group-commit, trust-failed-fsync, skip-nvm-persist,
// skip-nvm-file-sync). False if unknown.
bool plant_bug(const std::string& name, PlantedBugs* bugs);
SimOptions sim_options(const CliOptions& cli, Mode mode, uint64_t seed);
std::string reproduce_command(const CliOptions& cli, Mode mode, uint64_t seed, uint64_t commands);

}  // namespace amber::sim
