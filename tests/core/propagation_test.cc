// Propagation: the ops each command hands to the sink, and the AOF bytes
// they become — byte for byte what redis-server 7.0 writes to its AOF for
// the same commands (recorded from redis-server 7.0.15, clock at
// 1700000000000 ms).
#include <gtest/gtest.h>

#include "core/persist/aof_format.h"
#include "tests/core/engine_harness.h"

namespace amber {
namespace {

struct RecordingSink : PropagationSink {
  void propagate(const std::vector<PropagatedOp>& unit) override { units.push_back(unit); }
  std::vector<std::vector<PropagatedOp>> units;
};

class PropagationTest : public ::testing::Test {
 protected:
  PropagationTest() { h.engine.set_propagation_sink(&sink); }
  std::vector<std::string> last_op() { return sink.units.back().back().argv; }
  EngineHarness h;
  RecordingSink sink;
};

using Argv = std::vector<std::string>;

TEST_F(PropagationTest, ReadsAndNoOpWritesPropagateNothing) {
  h.run({"GET", "k"});
  h.run({"SET", "k", "v", "XX"});
  h.run({"EXPIRE", "missing", "10"});
  EXPECT_TRUE(sink.units.empty());
}

TEST_F(PropagationTest, PlainWritePropagatesItsOwnArgv) {
  h.run({"set", "k", "v"});
  ASSERT_EQ(sink.units.size(), 1u);
  EXPECT_EQ(sink.units[0][0], (PropagatedOp{0, {"set", "k", "v"}}));
}

TEST_F(PropagationTest, SetWithRelativeExpireBecomesPxat) {
  h.run({"SET", "k", "v", "NX", "EX", "100"});
  EXPECT_EQ(last_op(), (Argv{"SET", "k", "v", "PXAT", "1700000100000"}));
  h.run({"SETEX", "k", "5", "v"});
  EXPECT_EQ(last_op(), (Argv{"SET", "k", "v", "PXAT", "1700000005000"}));
  h.run({"PSETEX", "k", "5", "v"});
  EXPECT_EQ(last_op(), (Argv{"SET", "k", "v", "PXAT", "1700000000005"}));
}

TEST_F(PropagationTest, SetGetDropsTheGetArgument) {
  h.run({"set", "k", "v", "get", "keepttl"});
  EXPECT_EQ(last_op(), (Argv{"set", "k", "v", "keepttl"}));
}

TEST_F(PropagationTest, ExpireFamilyBecomesPexpireatOrDel) {
  h.run({"SET", "k", "v"});
  h.run({"expire", "k", "10", "NX"});
  EXPECT_EQ(last_op(), (Argv{"PEXPIREAT", "k", "1700000010000", "NX"}));
  h.run({"expireat", "k", "1800000000"});
  EXPECT_EQ(last_op(), (Argv{"PEXPIREAT", "k", "1800000000000"}));
  h.run({"pexpireat", "k", "1800000000001"});
  EXPECT_EQ(last_op(), (Argv{"pexpireat", "k", "1800000000001"}));
  h.run({"pexpire", "k", "-1"});
  EXPECT_EQ(last_op(), (Argv{"DEL", "k"}));
}

TEST_F(PropagationTest, StringRewrites) {
  h.run({"INCRBYFLOAT", "f", "1.5"});
  EXPECT_EQ(last_op(), (Argv{"SET", "f", "1.5", "KEEPTTL"}));
  h.run({"GETSET", "f", "x"});
  EXPECT_EQ(last_op(), (Argv{"SET", "f", "x"}));
  h.run({"GETEX", "f", "EX", "10"});
  EXPECT_EQ(last_op(), (Argv{"PEXPIREAT", "f", "1700000010000"}));
  h.run({"GETEX", "f", "PERSIST"});
  EXPECT_EQ(last_op(), (Argv{"PERSIST", "f"}));
  h.run({"GETDEL", "f"});
  EXPECT_EQ(last_op(), (Argv{"DEL", "f"}));
}

TEST_F(PropagationTest, LazilyExpiredKeyPropagatesDelBeforeTheCommand) {
  h.run({"SET", "k", "v", "PX", "10"});
  h.clock.advance_ms(20);
  h.run({"SET", "k", "w", "NX"});
  ASSERT_EQ(sink.units.size(), 2u);
  EXPECT_EQ(sink.units[1],
            (std::vector<PropagatedOp>{{0, {"DEL", "k"}}, {0, {"SET", "k", "w", "NX"}}}));
}

TEST_F(PropagationTest, ExecIsOneUnitWithoutExecItself) {
  h.run({"SELECT", "2"});
  h.run({"MULTI"});
  h.run({"SET", "a", "1"});
  h.run({"GET", "a"});
  h.run({"SET", "b", "2"});
  h.run({"EXEC"});
  ASSERT_EQ(sink.units.size(), 1u);
  EXPECT_EQ(sink.units[0],
            (std::vector<PropagatedOp>{{2, {"SET", "a", "1"}}, {2, {"SET", "b", "2"}}}));
}

// A sink that only needs the units' boundaries (NVM mode) is told where
// the same units end, and gets no op.
TEST_F(PropagationTest, ASinkThatWantsNoOpsLearnsWhereTheSameUnitsEnd) {
  struct UnitsOnlySink : RecordingSink {
    bool wants_ops() const override { return false; }
    void unit_ended() override { ++ended; }
    int ended = 0;
  } units_only;
  h.engine.set_propagation_sink(&units_only);
  h.run({"SET", "k", "v", "PX", "10"});
  h.clock.advance_ms(20);
  h.run({"SET", "k", "w", "NX"});  // the lazy expiry's DEL, then the SET
  h.run({"SELECT", "2"});
  h.run({"MULTI"});
  h.run({"SET", "a", "1"});
  h.run({"SET", "b", "2", "EX", "100"});
  h.run({"EXEC"});
  h.run({"GET", "a"});
  h.run({"DEL", "a"});
  // SET; the lazy expiry's DEL with the SET NX; the transaction; DEL.
  EXPECT_EQ(units_only.ended, 4);
  EXPECT_TRUE(units_only.units.empty());
  EXPECT_TRUE(sink.units.empty());
  h.engine.set_propagation_sink(&sink);  // units_only goes out of scope first
}

// The AOF bytes redis-server 7.0.15 wrote for: SET k1 v1 / SELECT 3 /
// MULTI / SET m1 1 / SET m2 2 / EXEC / (db 0) INCRBYFLOAT f 1.5.
TEST_F(PropagationTest, AofBytesMatchRedis) {
  std::string aof;
  int selected = -1;
  append_aof_unit(&aof, {{0, {"set", "k1", "v1"}}}, &selected);
  append_aof_unit(&aof, {{3, {"set", "m1", "1"}}, {3, {"set", "m2", "2"}}}, &selected);
  append_aof_unit(&aof, {{0, {"SET", "f", "1.5", "KEEPTTL"}}}, &selected);
  EXPECT_EQ(aof,
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$2\r\nk1\r\n$2\r\nv1\r\n"
            "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*1\r\n$5\r\nMULTI\r\n"
            "*3\r\n$3\r\nset\r\n$2\r\nm1\r\n$1\r\n1\r\n*3\r\n$3\r\nset\r\n$2\r\nm2\r\n$1\r\n2\r\n"
            "*1\r\n$4\r\nEXEC\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
            "*4\r\n$3\r\nSET\r\n$1\r\nf\r\n$3\r\n1.5\r\n$7\r\nKEEPTTL\r\n");
}

}  // namespace
}  // namespace amber
