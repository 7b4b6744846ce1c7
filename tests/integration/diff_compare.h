// How the differential test decides that two replies to the same command
// are the same. Almost every reply must be byte-identical; the exceptions
// are replies that legitimately differ between two correct servers:
//  - TTL/PTTL/EXPIRETIME/PEXPIRETIME: the servers ran the command a moment
//    apart, so non-negative values match within a tolerance;
//  - KEYS: the order is the hash table's, so elements are compared sorted;
//  - SCAN: cursors depend on the hash function (the differential runner
//    iterates to cursor 0 at top level; inside EXEC a finished scan is
//    compared sorted and an unfinished one by shape);
//  - RANDOMKEY: any key may come back (nil-ness must match; membership is
//    checked by the runner);
//  - OBJECT IDLETIME: depends on the wall clock (shape only);
//  - EXEC: each element by the rule of the command that was queued, except
//    OBJECT REFCOUNT (shape only): Redis holds a queued command's arguments
//    until EXEC ends, so a value set in the same transaction counts an extra
//    reference there — an artefact of its argv ownership, not a behaviour.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/resp_client.h"

namespace amber::testing {

// `argv` is the command as sent; `queued` the commands of the transaction
// when argv is EXEC.
bool replies_match(const std::vector<std::string>& argv, const RespValue& expected,
                   const RespValue& actual, const std::vector<std::vector<std::string>>& queued);

std::string upper(std::string s);

}  // namespace amber::testing
