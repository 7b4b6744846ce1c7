// amber-sim: runs the deterministic simulator over many seeds and reports,
// per persistence mode, how many seeds, commands, crashes and injected
// faults it went through and how many durability violations it found. On a
// violation it prints the seed, a one-line command that reproduces it, and
// the history before the crash of the smallest failing run of that seed
// (the workload is cut shorter while the run still fails). Exit status: 0
// clean, 1 violation, 2 bad usage.
//
// The wall clock is read here only to report commands per second; nothing
// the simulation does depends on it.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "sim/cli.h"
#include "sim/simulation.h"

namespace amber::sim {
namespace {

struct ModeTotals {
  Mode mode;
  uint64_t seeds = 0, commands = 0, crashes = 0, faults = 0, violations = 0;
  double seconds = 0;
};

// The smallest command count (by bisection) for which `seed` still fails.
SimResult shrink(SimOptions options, SimResult failing) {
  uint64_t lo = 1, hi = options.commands;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    options.commands = mid;
    SimResult r = run_simulation(options);
    if (r.violation) {
      hi = mid;
      failing = r;
    } else {
      lo = mid + 1;
    }
  }
  options.commands = hi;
  failing = run_simulation(options);
  failing.commands = hi;
  return failing;
}

void progress(const CliOptions& cli, Mode mode, uint64_t done, bool tty) {
  if (!tty) return;
  const uint64_t width = 40, filled = cli.seeds == 0 ? 0 : done * width / cli.seeds;
  std::fprintf(stderr, "\r%-9s [%s%s] %llu/%llu seeds", mode_name(mode),
               std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(cli.seeds));
  if (done == cli.seeds) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

void report_violation(const CliOptions& cli, Mode mode, uint64_t seed, SimOptions options,
                      const SimResult& r) {
  std::printf("\nVIOLATION mode=%s seed=%llu\n%s", mode_name(mode),
              static_cast<unsigned long long>(seed), r.report.c_str());
  SimResult small = shrink(options, r);
  std::printf("reproduce: %s\n", reproduce_command(cli, mode, seed, options.commands).c_str());
  std::printf("minimal run: %llu commands\n%s", static_cast<unsigned long long>(small.commands),
              small.report.c_str());
  std::printf("reproduce the minimal run: %s\n",
              reproduce_command(cli, mode, seed, small.commands).c_str());
}

ModeTotals run_mode(const CliOptions& cli, Mode mode, bool tty) {
  ModeTotals t{mode};
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < cli.seeds; ++i) {
    const uint64_t seed = cli.first_seed + i;
    SimOptions options = sim_options(cli, mode, seed);
    SimResult r = run_simulation(options);
    ++t.seeds;
    t.commands += r.commands;
    t.crashes += r.crashes;
    t.faults += r.faults;
    if (cli.print_digest) {
      std::printf("%s seed %llu digest %016llx\n", mode_name(mode),
                  static_cast<unsigned long long>(seed), static_cast<unsigned long long>(r.digest));
    }
    if (r.violation) {
      ++t.violations;
      if (tty) std::fprintf(stderr, "\n");
      report_violation(cli, mode, seed, options, r);
      break;  // one minimal report per mode is what a reader can act on
    }
    if (i % 16 == 15 || i + 1 == cli.seeds) progress(cli, mode, i + 1, tty);
  }
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

void print_table(const std::vector<ModeTotals>& totals, bool faults) {
  std::printf("\n%-9s %8s %10s %8s %7s %10s %12s\n", "mode", "seeds", "commands", "crashes",
              "faults", "violations", "commands/s");
  for (const ModeTotals& t : totals) {
    const double rate = t.seconds > 0 ? static_cast<double>(t.commands) / t.seconds : 0;
    std::printf(
        "%-9s %8llu %10llu %8llu %7llu %10llu %12.0f\n", mode_name(t.mode),
        static_cast<unsigned long long>(t.seeds), static_cast<unsigned long long>(t.commands),
        static_cast<unsigned long long>(t.crashes), static_cast<unsigned long long>(t.faults),
        static_cast<unsigned long long>(t.violations), rate);
    if (t.mode == Mode::kNvm && faults) {
      std::printf(
          "          nvm: --faults io reaches only the region files' syncs at startup "
          "(emulated regions report no media errors)\n");
    }
  }
}

}  // namespace
}  // namespace amber::sim

int main(int argc, char** argv) {
  using namespace amber::sim;
  // An NVM run allocates and frees region-sized images at every restart.
  // glibc would map each one fresh (and fault its pages in again) and trim
  // the heap after it: keep them in the heap instead, which makes `nvm`
  // runs about 1.7x faster.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  CliOptions cli;
  std::string error;
  if (!parse_cli(argc, argv, &cli, &error)) {
    std::fprintf(stderr, "amber-sim: %s\n\n%s", error.c_str(), cli_usage());
    return 2;
  }
  if (cli.help) {
    std::printf("%s", cli_usage());
    return 0;
  }
  const bool tty = isatty(STDERR_FILENO) == 1;
  std::vector<ModeTotals> totals;
  bool violation = false;
  for (Mode mode : cli.modes) {
    totals.push_back(run_mode(cli, mode, tty));
    violation |= totals.back().violations > 0;
  }
  print_table(totals, cli.faults);
  return violation ? 1 : 0;
}
