// amber-sim's command line: the reproduction line it prints parses back to
// the very run it describes, and bad arguments are refused.
#include "sim/cli.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace amber::sim {
namespace {

bool parse_words(const std::string& line, CliOptions* o, std::string* error) {
  std::vector<std::string> words;
  std::string w;
  bool quoted = false;
  for (char c : line) {  // enough shell for the lines reproduce_command prints
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ' ' && !quoted) {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w.push_back(c);
    }
  }
  if (!w.empty()) words.push_back(w);
  std::vector<char*> argv;
  for (std::string& s : words) argv.push_back(s.data());
  return parse_cli(static_cast<int>(argv.size()), argv.data(), o, error);
}

TEST(SimCli, ReproductionLineReplaysTheSameRun) {
  CliOptions cli;
  std::string error;
  ASSERT_TRUE(
      parse_words("amber-sim --mode everysec --faults io --plant trust-failed-fsync "
                  "--aof-use-rdb-preamble no --save \"2 5\" --crash-span 90 --large-values 40",
                  &cli, &error))
      << error;
  const std::string line = reproduce_command(cli, Mode::kEverysec, 42, 120);
  CliOptions again;
  ASSERT_TRUE(parse_words(line, &again, &error)) << error << " in " << line;
  ASSERT_EQ(again.modes.size(), 1u);
  EXPECT_EQ(again.first_seed, 42u);
  EXPECT_EQ(again.seeds, 1u);
  SimResult a = run_simulation(sim_options(cli, Mode::kEverysec, 42));
  SimOptions o = sim_options(again, again.modes[0], again.first_seed);
  EXPECT_EQ(o.commands, 120u);
  EXPECT_TRUE(o.bugs.trust_failed_fsync);
  EXPECT_FALSE(o.persistence.rdb_preamble);
  ASSERT_EQ(o.persistence.save_points.size(), 1u);
  EXPECT_EQ(o.crash_span_ops, 90u);
  EXPECT_EQ(o.workload.large_per_mille, 40u);
  o.commands = cli.commands;
  EXPECT_EQ(run_simulation(o).digest, a.digest);
}

TEST(SimCli, BadArgumentsAreRefused) {
  CliOptions cli;
  std::string error;
  EXPECT_FALSE(parse_words("amber-sim --mode sometimes", &cli, &error));
  EXPECT_FALSE(parse_words("amber-sim --seeds -3", &cli, &error));
  EXPECT_FALSE(parse_words("amber-sim --plant no-such-bug", &cli, &error));
  EXPECT_FALSE(parse_words("amber-sim --faults maybe", &cli, &error));
  EXPECT_FALSE(parse_words("amber-sim --seeds", &cli, &error));
  EXPECT_TRUE(parse_words("amber-sim --mode all --seeds 5", &cli, &error));
  EXPECT_EQ(cli.modes.size(), 5u);  // always, everysec, no, snapshot, nvm
}

}  // namespace
}  // namespace amber::sim
