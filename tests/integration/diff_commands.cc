// Generators for the differential test's command sequences (see
// diff_commands.h). Each command has a small generator that knows its
// options; a mutation layer then sometimes breaks the command (arity, a bad
// number, a junk token) so that error paths are compared as closely as the
// happy paths. Values are chosen to exercise Redis's encodings (int, embstr
// up to 44 bytes, raw) and the edges of its number parsing.
#include "tests/integration/diff_commands.h"

#include <cctype>
#include <cstdint>

namespace amber::testing {
namespace {

using Argv = std::vector<std::string>;
namespace gen = rc::gen;

// Placeholder prefixes (see resolve_time_args).
constexpr char kRelSeconds[] = "\x01S";
constexpr char kRelMillis[] = "\x01M";
constexpr char kAbsSeconds[] = "\x01A";
constexpr char kAbsMillis[] = "\x01P";

// A uniform integer in [lo, hi). gen::inRange alone scales the range with
// rapidcheck's size, which would starve the options late in each list.
int pick(int lo, int hi) { return *gen::resize(rc::kNominalSize, gen::inRange(lo, hi)); }

rc::Gen<std::string> gen_key() {
  return gen::weightedElement<std::string>(
      {{4, "k0"}, {4, "k1"}, {3, "k2"}, {2, "k:3"}, {2, "{k}4"}, {1, ""}});
}

rc::Gen<std::string> gen_value() {
  return gen::element<std::string>(
      "", "0", "1", "-1", "10", "42", "007", "+5", " 1", "3.5", "-0.5", "1e3", "abc", "hello world",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890",
      std::string(44, 'e'), std::string(45, 'r'), std::string("bin\0ary\r\n", 9));
}

rc::Gen<std::string> gen_integer() {
  return gen::element<std::string>("0", "1", "-1", "5", "100", "-100", "9223372036854775807",
                                   "-9223372036854775808", "abc", "", "1.5", " 1", "+1", "01",
                                   "99999999999999999999");
}

rc::Gen<std::string> gen_float() {
  return gen::element<std::string>("0.1", "1.5", "-2.5", "10", "1e3", "3.0e-2", "5.0e1", "-0",
                                   "inf", "-inf", "nan", "abc", "", " 1", "1e400", "0x10",
                                   "1.7976931348623157e308", "0.000001");
}

rc::Gen<std::string> gen_db() {
  return gen::weightedElement<std::string>(
      {{6, "0"}, {6, "1"}, {2, "2"}, {1, "15"}, {1, "16"}, {1, "-1"}, {1, "abc"}});
}

rc::Gen<std::string> gen_rel_seconds() {
  return gen::map(gen::element(100, 1000, 10000, 100000),
                  [](int v) { return kRelSeconds + std::to_string(v); });
}

rc::Gen<std::string> gen_rel_millis() {
  return gen::map(gen::element(100, 1000, 10000, 100000),
                  [](int v) { return kRelMillis + std::to_string(v); });
}

// Absolute times: far future (year 2096/2100), or long past.
rc::Gen<std::string> gen_abs_seconds(bool allow_past) {
  if (!allow_past)
    return gen::element<std::string>(
        "\x01"
        "A4000000000",
        "\x01"
        "A4102444800");
  return gen::element<std::string>(
      "\x01"
      "A4000000000",
      "\x01"
      "A4102444800",
      "1", "1000000000");
}

rc::Gen<std::string> gen_abs_millis(bool allow_past) {
  if (!allow_past) {
    return gen::element<std::string>(
        "\x01"
        "P4000000000000",
        "\x01"
        "P4102444800000");
  }
  return gen::element<std::string>(
      "\x01"
      "P4000000000000",
      "\x01"
      "P4102444800000",
      "1", "1000000000000");
}

// Times that Redis rejects (or that overflow) for SET/GETEX/SETEX.
rc::Gen<std::string> gen_bad_time() {
  return gen::element<std::string>("0", "-1", "abc", "", "1.5", "9223372036854775807",
                                   "-9223372036854775808", "9223372036854775");
}

// An expiry option of SET/GETEX: {token, value} or just {token}.
rc::Gen<Argv> gen_expiry_option(bool allow_past, bool getex) {
  return gen::exec([allow_past, getex]() -> Argv {
    int kind = pick(0, 7);
    switch (kind) {
      case 0:
        return {"EX", *gen_rel_seconds()};
      case 1:
        return {"PX", *gen_rel_millis()};
      case 2:
        return {"EXAT", *gen_abs_seconds(allow_past)};
      case 3:
        return {"PXAT", *gen_abs_millis(allow_past)};
      case 4:
        return {getex ? "PERSIST" : "KEEPTTL"};
      case 5:
        return {*gen::element<std::string>("EX", "PX", "EXAT", "PXAT"), *gen_bad_time()};
      default:
        return {*gen::element<std::string>("EX", "PX")};  // value missing
    }
  });
}

// Appends option groups in random order.
void append_shuffled(Argv& argv, std::vector<Argv> groups) {
  while (!groups.empty()) {
    size_t i = static_cast<size_t>(pick(0, static_cast<int>(groups.size())));
    argv.insert(argv.end(), groups[i].begin(), groups[i].end());
    groups.erase(groups.begin() + static_cast<long>(i));
  }
}

Argv make_set() {
  Argv argv = {"SET", *gen_key(), *gen_value()};
  std::vector<Argv> groups;
  int cond = pick(0, 5);
  if (cond == 1) groups.push_back({"NX"});
  if (cond == 2) groups.push_back({"XX"});
  if (cond == 3) groups.push_back({"NX", "XX"});
  if (pick(0, 3) == 0) groups.push_back({"GET"});
  int expiries = *gen::weightedElement<int>({{3, 0}, {6, 1}, {1, 2}});
  for (int i = 0; i < expiries; ++i) groups.push_back(*gen_expiry_option(false, false));
  append_shuffled(argv, groups);
  return argv;
}

Argv make_getex() {
  Argv argv = {"GETEX", *gen_key()};
  int options = *gen::weightedElement<int>({{3, 0}, {6, 1}, {1, 2}});
  for (int i = 0; i < options; ++i) {
    Argv opt = *gen_expiry_option(true, true);
    argv.insert(argv.end(), opt.begin(), opt.end());
  }
  return argv;
}

Argv make_keys_list(std::string name, int min, int max) {
  Argv argv = {std::move(name)};
  int n = pick(min, max + 1);
  for (int i = 0; i < n; ++i) argv.push_back(*gen_key());
  return argv;
}

Argv make_mset(std::string name) {
  Argv argv = {std::move(name)};
  int n = pick(1, 4);
  for (int i = 0; i < n; ++i) {
    argv.push_back(*gen_key());
    argv.push_back(*gen_value());
  }
  return argv;
}

Argv make_expire() {
  std::string name = *gen::element<std::string>("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT");
  std::string when;
  if (pick(0, 6) == 0) {
    when = *gen_bad_time();
  } else if (name == "EXPIRE") {
    when = *gen_rel_seconds();
  } else if (name == "PEXPIRE") {
    when = *gen_rel_millis();
  } else {
    when = name == "EXPIREAT" ? *gen_abs_seconds(true) : *gen_abs_millis(true);
  }
  Argv argv = {name, *gen_key(), when};
  int flags = *gen::weightedElement<int>({{4, 0}, {6, 1}, {1, 2}});
  for (int i = 0; i < flags; ++i) {
    argv.push_back(*gen::element<std::string>("NX", "XX", "GT", "LT", "nx", "gt", "XY"));
  }
  return argv;
}

Argv make_scan() {
  Argv argv = {"SCAN", *gen::weightedElement<std::string>({{10, "0"}, {1, "abc"}})};
  std::vector<Argv> groups;
  if (pick(0, 2) == 0) {
    groups.push_back({"MATCH", *gen::element<std::string>("*", "k*", "k?", "*3", "{k}*", "x")});
  }
  if (pick(0, 2) == 0) {
    groups.push_back({"COUNT", *gen::element<std::string>("1", "2", "10", "0", "-1", "abc")});
  }
  if (pick(0, 3) == 0) {
    groups.push_back({"TYPE", *gen::element<std::string>("string", "list", "STRING", "bogus")});
  }
  if (pick(0, 15) == 0) groups.push_back({"NOSUCHOPT"});
  append_shuffled(argv, groups);
  return argv;
}

Argv make_copy() {
  Argv argv = {"COPY", *gen_key(), *gen_key()};
  std::vector<Argv> groups;
  if (pick(0, 3) == 0) groups.push_back({"DB", *gen_db()});
  if (pick(0, 2) == 0) groups.push_back({"REPLACE"});
  append_shuffled(argv, groups);
  return argv;
}

Argv make_object() {
  std::string sub = *gen::weightedElement<std::string>(
      {{6, "ENCODING"}, {3, "REFCOUNT"}, {2, "FREQ"}, {1, "HELP"}, {1, "IDLETIME"}, {1, "NOPE"}});
  if (sub == "HELP") return {"OBJECT", "HELP"};
  return {"OBJECT", sub, *gen_key()};
}

Argv make_range(std::string name) {
  auto offset = gen::element<std::string>("0", "1", "2", "5", "-1", "-3", "100", "-100",
                                          "9223372036854775807", "abc");
  return {std::move(name), *gen_key(), *offset, *offset};
}

Argv make_setrange() {
  return {"SETRANGE", *gen_key(),
          *gen::element<std::string>("0", "1", "3", "10", "50", "-1", "abc", "1000", "536870912"),
          *gen_value()};
}

using Maker = Argv (*)();

// The command table with weights; string writes dominate so that values
// exist for the readers to look at.
rc::Gen<Argv> gen_command() {
  static const std::vector<std::pair<int, Maker>> kMakers = {
      {8,
       [] {
         return Argv{"GET", *gen_key()};
       }},
      {12, make_set},
      {2,
       [] {
         return Argv{"SETNX", *gen_key(), *gen_value()};
       }},
      {2,
       [] {
         bool good = pick(0, 4) != 0;
         return Argv{"SETEX", *gen_key(), good ? *gen_rel_seconds() : *gen_bad_time(),
                     *gen_value()};
       }},
      {2,
       [] {
         bool good = pick(0, 4) != 0;
         return Argv{"PSETEX", *gen_key(), good ? *gen_rel_millis() : *gen_bad_time(),
                     *gen_value()};
       }},
      {3, [] { return make_keys_list("MGET", 1, 4); }},
      {3, [] { return make_mset("MSET"); }},
      {2, [] { return make_mset("MSETNX"); }},
      {3,
       [] {
         return Argv{"INCR", *gen_key()};
       }},
      {2,
       [] {
         return Argv{"DECR", *gen_key()};
       }},
      {3,
       [] {
         return Argv{"INCRBY", *gen_key(), *gen_integer()};
       }},
      {2,
       [] {
         return Argv{"DECRBY", *gen_key(), *gen_integer()};
       }},
      {3,
       [] {
         return Argv{"INCRBYFLOAT", *gen_key(), *gen_float()};
       }},
      {3,
       [] {
         return Argv{"APPEND", *gen_key(), *gen_value()};
       }},
      {2,
       [] {
         return Argv{"STRLEN", *gen_key()};
       }},
      {2, [] { return make_range("GETRANGE"); }},
      {1, [] { return make_range("SUBSTR"); }},
      {2, make_setrange},
      {2,
       [] {
         return Argv{"GETDEL", *gen_key()};
       }},
      {3, make_getex},
      {2,
       [] {
         return Argv{"GETSET", *gen_key(), *gen_value()};
       }},
      {3, [] { return make_keys_list("DEL", 1, 3); }},
      {1, [] { return make_keys_list("UNLINK", 1, 3); }},
      {3, [] { return make_keys_list("EXISTS", 1, 4); }},
      {2,
       [] {
         return Argv{"TYPE", *gen_key()};
       }},
      {2,
       [] {
         return Argv{"RENAME", *gen_key(), *gen_key()};
       }},
      {2,
       [] {
         return Argv{"RENAMENX", *gen_key(), *gen_key()};
       }},
      {2,
       [] {
         return Argv{"KEYS", *gen::element<std::string>("*", "k*", "k?", "*:*", "k[0-1]", "k[^0]",
                                                        "\\{k\\}*", "", "[", "k\\")};
       }},
      {3, make_scan},
      {2, [] { return Argv{"RANDOMKEY"}; }},
      {2, [] { return Argv{"DBSIZE"}; }},
      {1,
       [] {
         Argv a{"FLUSHDB"};
         if (pick(0, 3) == 0) a.push_back(*gen::element<std::string>("ASYNC", "SYNC", "x"));
         return a;
       }},
      {1,
       [] {
         Argv a{"FLUSHALL"};
         if (pick(0, 3) == 0) a.push_back(*gen::element<std::string>("ASYNC", "SYNC", "x"));
         return a;
       }},
      {6, make_expire},
      {3,
       [] {
         return Argv{"TTL", *gen_key()};
       }},
      {3,
       [] {
         return Argv{"PTTL", *gen_key()};
       }},
      {2,
       [] {
         return Argv{"EXPIRETIME", *gen_key()};
       }},
      {2,
       [] {
         return Argv{"PEXPIRETIME", *gen_key()};
       }},
      {2,
       [] {
         return Argv{"PERSIST", *gen_key()};
       }},
      {2, make_copy},
      {2,
       [] {
         return Argv{"MOVE", *gen_key(), *gen_db()};
       }},
      {1, [] { return make_keys_list("TOUCH", 1, 3); }},
      {3, make_object},
      {2,
       [] {
         return Argv{"SELECT", *gen_db()};
       }},
      {1,
       [] {
         return Argv{"SWAPDB", *gen_db(), *gen_db()};
       }},
      {3, [] { return Argv{"MULTI"}; }},
      {3, [] { return Argv{"EXEC"}; }},
      {1, [] { return Argv{"DISCARD"}; }},
      {3, [] { return make_keys_list("WATCH", 1, 2); }},
      {1, [] { return Argv{"UNWATCH"}; }},
      {1,
       [] {
         return Argv{"ECHO", *gen_value()};
       }},
      {1,
       [] {
         Argv a{"PING"};
         if (pick(0, 2) == 0) a.push_back(*gen_value());
         return a;
       }},
      {1,
       [] {
         return Argv{"NOSUCHCMD", *gen_key(), *gen_value()};
       }},
  };
  return gen::exec([] {
    int total = 0;
    for (const auto& m : kMakers) total += m.first;
    int choice = pick(0, total);
    for (const auto& m : kMakers) {
      if (choice < m.first) return m.second();
      choice -= m.first;
    }
    return kMakers.front().second();
  });
}

// Breaks a command now and then: drops or adds an argument, replaces one with
// junk, or changes the letter case of the name.
Argv mutate(Argv argv) {
  int kind = *gen::weightedElement<int>({{40, 0}, {2, 1}, {2, 2}, {3, 3}, {5, 4}});
  if (kind == 1 && argv.size() > 1) argv.pop_back();
  if (kind == 2) argv.push_back(*gen::element<std::string>("extra", "NX", "-5"));
  if (kind == 3 && argv.size() > 1) {
    size_t i = static_cast<size_t>(pick(1, static_cast<int>(argv.size())));
    argv[i] = *gen::element<std::string>("", "abc", "-1", "0", "99999999999999999999",
                                         "-9223372036854775808", "NX");
  }
  if (kind == 4) {  // letter case of the name: all lower, or mixed
    bool all_lower = pick(0, 2) == 0;
    for (char& c : argv[0]) {
      if (all_lower || pick(0, 2) == 1)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return argv;
}

}  // namespace

void showValue(const Step& step, std::ostream& os) {
  os << "c" << step.client << ":";
  for (const auto& a : step.argv) {
    os << " \"";
    for (char c : a) {
      if (c == '\x01') {
        os << "<t>";
      } else if (c == '\r') {
        os << "\\r";
      } else if (c == '\n') {
        os << "\\n";
      } else if (c == '\0') {
        os << "\\0";
      } else {
        os << c;
      }
    }
    os << "\"";
  }
}

rc::Gen<Step> gen_step() {
  return gen::exec([] {
    Step step;
    step.client = *gen::weightedElement<int>({{4, 0}, {1, 1}});
    step.argv = mutate(*gen_command());
    return step;
  });
}

std::vector<std::string> resolve_time_args(const std::vector<std::string>& argv, int serial) {
  std::vector<std::string> out;
  for (const auto& a : argv) {
    if (a.size() < 2 || a[0] != '\x01') {
      out.push_back(a);
      continue;
    }
    int64_t base = std::stoll(a.substr(2));
    std::string kind = a.substr(0, 2);
    // Relative times differ by at least a second between steps; absolute
    // ones by a second too, so no two steps ever set the same deadline.
    if (kind == kRelSeconds) out.push_back(std::to_string(base + serial));
    if (kind == kRelMillis) out.push_back(std::to_string((base + serial) * 1000 + 250));
    if (kind == kAbsSeconds) out.push_back(std::to_string(base + serial));
    if (kind == kAbsMillis) out.push_back(std::to_string(base + serial * 1000 + 250));
  }
  return out;
}

}  // namespace amber::testing
