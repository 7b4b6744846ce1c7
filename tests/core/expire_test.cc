// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with NX XX GT LT, the TTL family,
// PERSIST, and active expiry (the sampling cycle run from cron): replies as
// Redis 7.0 sends them, keys reclaimed without being read, cycles that end
// even when the clock stands still.
#include <gtest/gtest.h>

#include <string>

#include "core/engine.h"
#include "tests/core/engine_harness.h"
#include "tests/core/key_test_helpers.h"

namespace amber {
namespace {

using keytest::error;
using keytest::integer;
using keytest::put;
using keytest::put_ttl;

// The harness clock starts at 1'700'000'000'000 ms.
constexpr int64_t kStartMs = 1'700'000'000'000;

TEST(ExpireCommands, ExpireSetsRelativeTtl) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "100"}), ":1\r\n");
  EXPECT_EQ(h.run({"ttl", "a"}), ":100\r\n");
  EXPECT_EQ(h.run({"pttl", "a"}), ":100000\r\n");
  EXPECT_EQ(h.run({"expiretime", "a"}), integer(kStartMs / 1000 + 100));
  EXPECT_EQ(h.run({"pexpiretime", "a"}), integer(kStartMs + 100'000));
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(ExpireCommands, AbsoluteFormsTakeUnixTime) {
  EngineHarness h;
  put(h, "a", "1");
  put(h, "b", "1");
  EXPECT_EQ(h.run({"expireat", "a", std::to_string(kStartMs / 1000 + 50)}), ":1\r\n");
  EXPECT_EQ(h.run({"pttl", "a"}), ":50000\r\n");
  EXPECT_EQ(h.run({"pexpireat", "b", std::to_string(kStartMs + 1234)}), ":1\r\n");
  EXPECT_EQ(h.run({"pttl", "b"}), ":1234\r\n");
  EXPECT_EQ(h.run({"pexpire", "b", "77"}), ":1\r\n");
  EXPECT_EQ(h.run({"pttl", "b"}), ":77\r\n");
}

TEST(ExpireCommands, TtlRoundsToNearestSecondAndNeverGoesNegative) {
  EngineHarness h;
  put_ttl(h, "a", "1", 1499);
  put_ttl(h, "b", "1", 1500);
  EXPECT_EQ(h.run({"ttl", "a"}), ":1\r\n");
  EXPECT_EQ(h.run({"ttl", "b"}), ":2\r\n");
  put_ttl(h, "c", "1", 0);  // due exactly now: not yet expired
  EXPECT_EQ(h.run({"pttl", "c"}), ":0\r\n");
}

TEST(ExpireCommands, TtlOfMissingAndPersistentKeys) {
  EngineHarness h;
  put(h, "p", "1");
  for (const char* cmd : {"ttl", "pttl", "expiretime", "pexpiretime"}) {
    EXPECT_EQ(h.run({cmd, "missing"}), ":-2\r\n") << cmd;
    EXPECT_EQ(h.run({cmd, "p"}), ":-1\r\n") << cmd;
  }
}

TEST(ExpireCommands, TtlOfExpiredKeyIsMinusTwo) {
  EngineHarness h;
  put_ttl(h, "a", "1", 10);
  h.clock.advance_ms(11);
  EXPECT_EQ(h.run({"ttl", "a"}), ":-2\r\n");
  EXPECT_EQ(h.engine.stats().expired_keys, 1u);
  EXPECT_EQ(h.engine.stats().keyspace_misses, 1u);
}

TEST(ExpireCommands, ExpireOnMissingOrExpiredKeyReturnsZero) {
  EngineHarness h;
  EXPECT_EQ(h.run({"expire", "nope", "10"}), ":0\r\n");
  put_ttl(h, "a", "1", 5);
  h.clock.advance_ms(6);
  EXPECT_EQ(h.run({"expire", "a", "10"}), ":0\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 0u);
}

TEST(ExpireCommands, TimeInThePastDeletesTheKey) {
  EngineHarness h;
  put(h, "a", "1");
  put(h, "b", "1");
  put(h, "c", "1");
  EXPECT_EQ(h.run({"expire", "a", "-1"}), ":1\r\n");
  EXPECT_EQ(h.run({"pexpireat", "b", std::to_string(kStartMs)}), ":1\r\n");  // due now
  EXPECT_EQ(h.run({"expireat", "c", "0"}), ":1\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 0u);
  EXPECT_EQ(h.engine.stats().dirty, 3u);
  EXPECT_EQ(h.engine.stats().expired_keys, 0u);  // a deletion, not an expiry
}

TEST(ExpireCommands, NxSetsOnlyWithoutTtl) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "100", "NX"}), ":1\r\n");
  EXPECT_EQ(h.run({"expire", "a", "200", "nx"}), ":0\r\n");
  EXPECT_EQ(h.run({"ttl", "a"}), ":100\r\n");
}

TEST(ExpireCommands, XxSetsOnlyWithTtl) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "100", "xx"}), ":0\r\n");
  EXPECT_EQ(h.run({"ttl", "a"}), ":-1\r\n");
  put_ttl(h, "b", "1", 50'000);
  EXPECT_EQ(h.run({"expire", "b", "100", "xx"}), ":1\r\n");
  EXPECT_EQ(h.run({"ttl", "b"}), ":100\r\n");
}

TEST(ExpireCommands, GtTreatsNoTtlAsInfinite) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "100", "gt"}), ":0\r\n");
  put_ttl(h, "b", "1", 100'000);
  EXPECT_EQ(h.run({"expire", "b", "50", "gt"}), ":0\r\n");
  EXPECT_EQ(h.run({"expire", "b", "100", "gt"}), ":0\r\n");
  EXPECT_EQ(h.run({"expire", "b", "200", "GT"}), ":1\r\n");
  EXPECT_EQ(h.run({"ttl", "b"}), ":200\r\n");
}

TEST(ExpireCommands, LtTreatsNoTtlAsInfinite) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "100", "lt"}), ":1\r\n");
  EXPECT_EQ(h.run({"expire", "a", "300", "lt"}), ":0\r\n");
  EXPECT_EQ(h.run({"expire", "a", "50", "lt", "xx"}), ":1\r\n");
  EXPECT_EQ(h.run({"ttl", "a"}), ":50\r\n");
}

TEST(ExpireCommands, IncompatibleOptionsAreRefused) {
  EngineHarness h;
  put(h, "a", "1");
  const std::string nx_error =
      error("ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(h.run({"expire", "a", "10", "nx", "xx"}), nx_error);
  EXPECT_EQ(h.run({"expire", "a", "10", "xx", "nx"}), nx_error);
  EXPECT_EQ(h.run({"expire", "a", "10", "nx", "gt"}), nx_error);
  EXPECT_EQ(h.run({"pexpire", "a", "10", "lt", "nx"}), nx_error);
  EXPECT_EQ(h.run({"expire", "a", "10", "gt", "lt"}),
            error("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(h.run({"expire", "a", "10", "nx", "nx"}), ":1\r\n");  // repeats are fine
}

TEST(ExpireCommands, UnknownOptionIsReportedBeforeABadNumber) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "abc", "foo"}), error("ERR Unsupported option foo"));
  EXPECT_EQ(h.run({"expire", "a", "abc"}), error("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.run({"expire", "a", "1.5"}), error("ERR value is not an integer or out of range"));
}

// Redis compares options with strcasecmp and prints them with %s: both stop
// at a NUL byte.
TEST(ExpireCommands, OptionsAreReadAsCStrings) {
  using namespace std::string_literals;
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "100", "foo\0bar"s}), error("ERR Unsupported option foo"));
  EXPECT_EQ(h.run({"expire", "a", "100", "nx\0bar"s}), ":1\r\n");
}

TEST(ExpireCommands, OverflowingTimesAreInvalid) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"expire", "a", "9223372036854775807"}),
            error("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.run({"pexpire", "a", "9223372036854775807"}),
            error("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(h.run({"expireat", "a", "9223372036854776"}),
            error("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(h.run({"expire", "a", "-9223372036854776"}),
            error("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.run({"pexpireat", "a", "9223372036854775807"}), ":1\r\n");
  EXPECT_EQ(h.run({"pexpiretime", "a"}), ":9223372036854775807\r\n");
}

TEST(ExpireCommands, ArityErrors) {
  EngineHarness h;
  EXPECT_EQ(h.run({"expire", "a"}), error("ERR wrong number of arguments for 'expire' command"));
  EXPECT_EQ(h.run({"ttl"}), error("ERR wrong number of arguments for 'ttl' command"));
  EXPECT_EQ(h.run({"persist", "a", "b"}),
            error("ERR wrong number of arguments for 'persist' command"));
}

TEST(ExpireCommands, PersistRemovesTtl) {
  EngineHarness h;
  put_ttl(h, "a", "1", 10'000);
  put(h, "b", "1");
  EXPECT_EQ(h.run({"persist", "a"}), ":1\r\n");
  EXPECT_EQ(h.run({"ttl", "a"}), ":-1\r\n");
  EXPECT_EQ(h.run({"persist", "a"}), ":0\r\n");
  EXPECT_EQ(h.run({"persist", "b"}), ":0\r\n");
  EXPECT_EQ(h.run({"persist", "missing"}), ":0\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 1u);
  EXPECT_EQ(h.engine.db(0).volatile_count(), 0u);
}

TEST(ExpireCommands, ExpireAndPersistInvalidateWatch) {
  EngineHarness h;
  put(h, "k", "1");
  h.run({"watch", "k"});
  h.run({"expire", "k", "100"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
  h.run({"watch", "k"});
  h.run({"persist", "k"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

// --- active expiry ---

TEST(ActiveExpiry, RemovesExpiredKeysAndLeavesTheOthers) {
  EngineHarness h;
  for (int i = 0; i < 200; ++i) put_ttl(h, "short" + std::to_string(i), "v", 100);
  for (int i = 0; i < 50; ++i) put_ttl(h, "long" + std::to_string(i), "v", 3'600'000);
  for (int i = 0; i < 50; ++i) put(h, "keep" + std::to_string(i), "v");
  h.clock.advance_ms(101);
  h.engine.cron();
  EXPECT_GE(h.engine.stats().expired_keys, 150u);  // most go in the first cycle
  for (int i = 0; i < 100 && h.engine.db(0).size() > 100; ++i) {
    h.clock.advance_ms(100);
    h.engine.cron();
  }
  EXPECT_EQ(h.engine.db(0).size(), 100u);
  EXPECT_EQ(h.engine.stats().expired_keys, 200u);
  EXPECT_NE(h.engine.db(0).find("long7"), nullptr);
  EXPECT_NE(h.engine.db(0).find("keep7"), nullptr);
  EXPECT_GT(h.engine.stats().expired_stale_perc, 0.0);
}

TEST(ActiveExpiry, VisitsEveryDatabase) {
  EngineHarness h;
  for (int db : {0, 7, 15}) {
    for (int i = 0; i < 30; ++i) put_ttl(h, "k" + std::to_string(i), "v", 10, db);
  }
  h.clock.advance_ms(11);
  h.engine.cron();
  for (int db : {0, 7, 15}) EXPECT_EQ(h.engine.db(db).size(), 0u) << db;
  EXPECT_EQ(h.engine.stats().expired_keys, 90u);
}

TEST(ActiveExpiry, DoesNothingWhenDisabled) {
  EngineOptions options;
  options.active_expire = false;
  EngineHarness h(1, options);
  put_ttl(h, "a", "v", 10);
  h.clock.advance_ms(11);
  h.engine.cron();
  EXPECT_EQ(h.engine.db(0).size(), 1u);
}

TEST(ActiveExpiry, EndsWhenTheClockStandsStill) {
  EngineHarness h;
  constexpr int kKeys = 100'000;
  for (int i = 0; i < kKeys; ++i) put_ttl(h, "k" + std::to_string(i), "v", 10);
  h.clock.advance_ms(11);
  h.engine.cron();  // would never return if only elapsed time bounded it
  EXPECT_EQ(h.engine.stats().expired_time_cap_reached_count, 1u);
  const size_t left = h.engine.db(0).size();
  EXPECT_GT(left, 0u);
  EXPECT_LT(left, static_cast<size_t>(kKeys));
  // The fast cycle runs after a slow cycle that ran out of budget.
  active_expire_cycle(h.engine, /*fast=*/true);
  EXPECT_LT(h.engine.db(0).size(), left);
}

TEST(ActiveExpiry, FastCycleWaitsForAnOverrunSlowCycle) {
  EngineHarness h;
  for (int i = 0; i < 100; ++i) put_ttl(h, "k" + std::to_string(i), "v", 10);
  h.clock.advance_ms(11);
  active_expire_cycle(h.engine, /*fast=*/true);
  EXPECT_EQ(h.engine.db(0).size(), 100u);
}

// A clock that moves 1 ms every time it is read.
class TickingClock final : public Clock {
 public:
  int64_t now_us() const override { return now_us_ += 1000; }

 private:
  mutable int64_t now_us_ = 1'700'000'000'000'000;
};

TEST(ActiveExpiry, StopsAtItsTimeBudget) {
  TickingClock clock;
  SeededRandom random(3);
  Engine engine(EngineOptions{}, clock, random);
  const int64_t when_ms = clock.now_ms() + 1;
  for (int i = 0; i < 5000; ++i) {
    Entry* e = engine.db(0).insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
    engine.db(0).set_expire(e, when_ms);
  }
  engine.cron();
  // 25 ms at hz 10; the budget is checked every 16 sampling rounds.
  EXPECT_EQ(engine.stats().expired_time_cap_reached_count, 1u);
  EXPECT_GT(engine.db(0).size(), 3000u);
  EXPECT_GT(engine.stats().expire_cycle_cpu_milliseconds, 25u);
}

TEST(ActiveExpiry, ExpiringAWatchedKeyFailsExec) {
  EngineHarness h;
  put_ttl(h, "k", "v", 100);
  h.run({"watch", "k"});
  h.clock.advance_ms(101);
  h.engine.cron();
  ASSERT_EQ(h.engine.db(0).find("k"), nullptr);
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

}  // namespace
}  // namespace amber
