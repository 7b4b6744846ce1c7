// Parsing amber-sim's arguments (see cli.h). `--seed S` runs seeds S,
// S+1, ...; with `--seeds 1` it reproduces exactly one run. Disk faults are
// injected at 5,000 per million writes and fsyncs with `--faults io`.
#include "sim/cli.h"

#include <sstream>

namespace amber::sim {

namespace {

constexpr uint32_t kIoFaultsPerMillion = 5000;

bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) {
    return false;
  }
  *out = std::stoull(s);
  return true;
}

bool parse_modes(const std::string& arg, std::vector<Mode>* modes) {
  modes->clear();
  if (arg == "all") {
    *modes = {Mode::kAlways, Mode::kEverysec, Mode::kNo, Mode::kSnapshot, Mode::kNvm};
    return true;
  }
  Mode m;
  if (!parse_mode(arg, &m)) return false;
  modes->push_back(m);
  return true;
}

}  // namespace

const char* cli_usage() {
  return "usage: amber-sim [--mode always|everysec|no|snapshot|nvm|all] [--seeds N] [--seed S]\n"
         "                 [--faults none|io] [--commands C] [--plant BUG]\n"
         "                 [--aof-use-rdb-preamble yes|no] [--auto-aof-rewrite-min-size BYTES]\n"
         "                 [--auto-aof-rewrite-percentage P] [--save \"SECONDS CHANGES ...\"]\n"
         "                 [--crash-span OPS] [--large-values PER_MILLE] [--digest] [--trace]\n"
         "                 [--nvm-dram-max-memory BYTES]\n"
         "BUG: skip-fsync-before-ack | skip-dir-fsync | ack-before-group-commit |\n"
         "     trust-failed-fsync | skip-nvm-persist | skip-nvm-file-sync |\n"
         "     skip-nvm-link-persist | skip-nvm-resize-sync (test builds only)\n"
         "--faults io injects write/fsync errors into SimFs; nvm mode's only file I/O is\n"
         "syncing its region files at startup (its MISCONF comes from a full store)\n";
}

bool plant_bug(const std::string& name, PlantedBugs* bugs) {
  if (name == "skip-fsync-before-ack")
    bugs->skip_fsync_before_ack = true;
  else if (name == "skip-dir-fsync")
    bugs->skip_dir_fsync_after_rename = true;
  else if (name == "ack-before-group-commit")
    bugs->ack_before_group_commit = true;
  else if (name == "trust-failed-fsync")
    bugs->trust_failed_fsync = true;
  else if (name == "skip-nvm-persist")
    bugs->skip_nvm_persist = true;
  else if (name == "skip-nvm-resize-sync")
    bugs->skip_nvm_resize_sync = true;
  else if (name == "skip-nvm-link-persist")
    bugs->skip_nvm_link_persist = true;
  else if (name == "skip-nvm-file-sync")
    bugs->skip_nvm_file_sync = true;
  else
    return false;
  return true;
}

bool parse_cli(int argc, char** argv, CliOptions* o, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      o->help = true;
      continue;
    }
    if (flag == "--trace") {
      o->trace = true;
      continue;
    }
    if (flag == "--digest") {
      o->print_digest = true;
      continue;
    }
    if (i + 1 >= argc) {
      *error = "missing value after " + flag;
      return false;
    }
    const std::string v = argv[++i];
    uint64_t n = 0;
    bool ok = true;
    if (flag == "--mode") {
      ok = parse_modes(v, &o->modes);
      o->mode_arg = v;
    } else if (flag == "--seeds") {
      ok = parse_u64(v, &o->seeds);
    } else if (flag == "--seed") {
      ok = parse_u64(v, &o->first_seed);
    } else if (flag == "--faults") {
      ok = v == "none" || v == "io";
      o->faults = v == "io";
    } else if (flag == "--commands") {
      ok = parse_u64(v, &o->commands) && o->commands > 0;
    } else if (flag == "--plant") {
      PlantedBugs bugs;
      ok = plant_bug(v, &bugs);
      o->plant = v;
    } else if (flag == "--aof-use-rdb-preamble") {
      ok = v == "yes" || v == "no";
      o->rdb_preamble = v == "yes";
    } else if (flag == "--auto-aof-rewrite-min-size") {
      ok = parse_u64(v, &o->auto_rewrite_min_bytes);
    } else if (flag == "--auto-aof-rewrite-percentage") {
      ok = parse_u64(v, &n);
      o->auto_rewrite_percentage = static_cast<int64_t>(n);
    } else if (flag == "--save") {
      o->save = v;
    } else if (flag == "--large-values") {
      ok = parse_u64(v, &o->large_per_mille) && o->large_per_mille <= 1000;
    } else if (flag == "--nvm-dram-max-memory") {
      ok = parse_u64(v, &o->nvm_dram_max_bytes);
    } else if (flag == "--crash-span") {
      ok = parse_u64(v, &o->crash_span_ops) && o->crash_span_ops > 0;
    } else {
      *error = "unknown option " + flag;
      return false;
    }
    if (!ok) {
      *error = "bad value for " + flag + ": " + v;
      return false;
    }
  }
  return true;
}

SimOptions sim_options(const CliOptions& cli, Mode mode, uint64_t seed) {
  SimOptions o;
  o.seed = seed;
  o.commands = cli.commands;
  o.fault_per_million = cli.faults ? kIoFaultsPerMillion : 0;
  o.crash_span_ops = cli.crash_span_ops;
  o.trace = cli.trace;
  o.persistence.mode = mode;
  o.workload.large_per_mille = static_cast<uint32_t>(cli.large_per_mille);
  o.persistence.rdb_preamble = cli.rdb_preamble;
  o.persistence.nvm_dram_max_bytes = cli.nvm_dram_max_bytes;
  o.persistence.auto_rewrite_min_bytes = cli.auto_rewrite_min_bytes;
  o.persistence.auto_rewrite_percentage = cli.auto_rewrite_percentage;
  o.persistence.save_points.clear();
  std::istringstream in(cli.save);
  int64_t seconds = 0, changes = 0;
  while (in >> seconds >> changes) o.persistence.save_points.emplace_back(seconds, changes);
  if (!cli.plant.empty()) plant_bug(cli.plant, &o.bugs);
  return o;
}

std::string reproduce_command(const CliOptions& cli, Mode mode, uint64_t seed, uint64_t commands) {
  std::string cmd = "amber-sim --mode " + std::string(mode_name(mode)) + " --seeds 1 --seed " +
                    std::to_string(seed) + " --commands " + std::to_string(commands) +
                    " --faults " + (cli.faults ? "io" : "none");
  if (!cli.plant.empty()) cmd += " --plant " + cli.plant;
  if (!cli.rdb_preamble) cmd += " --aof-use-rdb-preamble no";
  const CliOptions defaults;
  if (cli.auto_rewrite_min_bytes != defaults.auto_rewrite_min_bytes) {
    cmd += " --auto-aof-rewrite-min-size " + std::to_string(cli.auto_rewrite_min_bytes);
  }
  if (cli.auto_rewrite_percentage != defaults.auto_rewrite_percentage) {
    cmd += " --auto-aof-rewrite-percentage " + std::to_string(cli.auto_rewrite_percentage);
  }
  if (cli.save != defaults.save) cmd += " --save \"" + cli.save + "\"";
  if (cli.large_per_mille != defaults.large_per_mille) {
    cmd += " --large-values " + std::to_string(cli.large_per_mille);
  }
  if (cli.nvm_dram_max_bytes != defaults.nvm_dram_max_bytes) {
    cmd += " --nvm-dram-max-memory " + std::to_string(cli.nvm_dram_max_bytes);
  }
  if (cli.crash_span_ops != defaults.crash_span_ops) {
    cmd += " --crash-span " + std::to_string(cli.crash_span_ops);
  }
  return cmd;
}

}  // namespace amber::sim
