// RESP2/RESP3 encodings of every reply kind, as Redis 7.0 writes them.
#include "core/reply.h"

#include <gtest/gtest.h>

namespace amber {
namespace {

std::string encode(int protocol, void (*write)(Reply&)) {
  std::string out;
  Reply reply(&out, protocol);
  write(reply);
  return out;
}

TEST(Reply, NullsDifferByProtocol) {
  EXPECT_EQ(encode(2, [](Reply& r) { r.null(); }), "$-1\r\n");
  EXPECT_EQ(encode(3, [](Reply& r) { r.null(); }), "_\r\n");
  EXPECT_EQ(encode(2, [](Reply& r) { r.null_array(); }), "*-1\r\n");
  EXPECT_EQ(encode(3, [](Reply& r) { r.null_array(); }), "_\r\n");
}

TEST(Reply, MapsAreFlatArraysInResp2) {
  auto write = [](Reply& r) {
    r.map(1);
    r.bulk("a");
    r.integer(1);
  };
  EXPECT_EQ(encode(2, write), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(encode(3, write), "%1\r\n$1\r\na\r\n:1\r\n");
}

TEST(Reply, DoublesAndBooleans) {
  EXPECT_EQ(encode(2, [](Reply& r) { r.double_value(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(encode(3, [](Reply& r) { r.double_value(1.5); }), ",1.5\r\n");
  EXPECT_EQ(encode(3, [](Reply& r) { r.double_value(-1.0 / 0.0); }), ",-inf\r\n");
  EXPECT_EQ(encode(2, [](Reply& r) { r.boolean(true); }), ":1\r\n");
  EXPECT_EQ(encode(3, [](Reply& r) { r.boolean(false); }), "#f\r\n");
}

TEST(Reply, ErrorsCannotBreakTheProtocol) {
  std::string out;
  Reply reply(&out);
  reply.error("ERR bad\r\nthing");
  EXPECT_EQ(out, "-ERR bad  thing\r\n");
  EXPECT_EQ(reply.errors(), 1u);
}

TEST(Reply, DeferredArrayPatchesCount) {
  std::string out;
  Reply reply(&out, 3);
  size_t handle = reply.begin_deferred_array();
  reply.bulk("x");
  reply.bulk("y");
  reply.end_deferred_array(handle, 2);
  EXPECT_EQ(out, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
  std::string map_out;
  Reply map_reply(&map_out, 2);
  size_t map_handle = map_reply.begin_deferred_map();
  map_reply.bulk("k");
  map_reply.bulk("v");
  map_reply.end_deferred_map(map_handle, 1);
  EXPECT_EQ(map_out, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
}

TEST(Reply, VerbatimFallsBackToBulkInResp2) {
  EXPECT_EQ(encode(2, [](Reply& r) { r.verbatim("hi"); }), "$2\r\nhi\r\n");
  EXPECT_EQ(encode(3, [](Reply& r) { r.verbatim("hi"); }), "=6\r\ntxt:hi\r\n");
}

}  // namespace
}  // namespace amber
