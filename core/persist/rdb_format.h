// The RDB file format, version 10, as redis-server 7.0 writes it. amber's
// writer produces it and its loader reads versions 1..10 of it.
//
// File layout (multi-byte integers are little-endian unless noted):
//
//   "REDIS0010"                       9 bytes: magic + 4-digit version
//   { 0xFA AUX  <string key> <string value> }*      redis-ver, redis-bits,
//                                     ctime, used-mem, [repl-*], aof-base
//   { 0xF7 MODULE_AUX <module data> }*              (modules only)
//   { 0xF5 FUNCTION2 <string library code> }*       (FUNCTION LOAD libraries)
//   per non-empty database:
//     0xFE SELECTDB <length db index>
//     0xFB RESIZEDB <length keys> <length keys with expire>
//     per key:
//       [0xFC EXPIRETIME_MS <8 bytes: absolute Unix time, ms, int64>]
//       [0xFD EXPIRETIME    <4 bytes: absolute Unix time, s, int32>] (old files)
//       [0xF8 IDLE <length: LRU idle seconds>]      (maxmemory-policy *lru)
//       [0xF9 FREQ <1 byte: LFU counter>]           (maxmemory-policy *lfu)
//       <1 byte value type> <string key> <value>
//   0xFF EOF
//   <8 bytes: CRC-64/Jones of every byte before, 0 = not computed> (version >= 5)
//
// Length encoding (the top two bits of the first byte select the form):
//   00xxxxxx                      6-bit length
//   01xxxxxx xxxxxxxx             14-bit length, big-endian
//   10000000 <4 bytes>            32-bit length, big-endian
//   10000001 <8 bytes>            64-bit length, big-endian
//   11xxxxxx                      not a length: a special string encoding
//                                 whose number is the low 6 bits
//
// String encoding: a length then that many bytes, or a special encoding:
//   0xC0 <1 byte>                 INT8:  int8 written as decimal text
//   0xC1 <2 bytes little-endian>  INT16
//   0xC2 <4 bytes little-endian>  INT32
//   0xC3 <length clen> <length len> <clen bytes>   LZF-compressed, len bytes
//                                 once decompressed
// redis-server writes a string as INT8/16/32 when it is the canonical decimal
// form of an integer that fits (and is at most 11 bytes long), else as LZF
// when rdbcompression is on, it is longer than 20 bytes and lzf_compress
// fits it in a buffer of len - 4 bytes, else verbatim.
#pragma once

#include <cstdint>
#include <string_view>

namespace amber::rdb {

inline constexpr std::string_view kMagic = "REDIS";
inline constexpr int kVersion = 10;       // what amber writes
inline constexpr int kOldestVersion = 1;  // the oldest amber loads
inline constexpr int kFirstVersionWithChecksum = 5;
inline constexpr int kFirstVersionWithLittleEndianTime = 9;
inline constexpr size_t kHeaderBytes = 9;  // "REDIS0010"
inline constexpr size_t kChecksumBytes = 8;
inline constexpr std::string_view kRedisVersion = "7.0.15";  // AUX redis-ver

// Opcodes: a byte where a value type is expected that is not a value type.
inline constexpr uint8_t kOpFunction2 = 0xF5;  // FUNCTION LOAD library (7.0)
inline constexpr uint8_t kOpFunction = 0xF6;   // 7.0-rc1/rc2 library format
inline constexpr uint8_t kOpModuleAux = 0xF7;  // module data outside keys
inline constexpr uint8_t kOpIdle = 0xF8;       // LRU idle time of the next key
inline constexpr uint8_t kOpFreq = 0xF9;       // LFU counter of the next key
inline constexpr uint8_t kOpAux = 0xFA;        // string key/value metadata
inline constexpr uint8_t kOpResizeDb = 0xFB;   // sizes of the current db
inline constexpr uint8_t kOpExpireTimeMs = 0xFC;
inline constexpr uint8_t kOpExpireTime = 0xFD;
inline constexpr uint8_t kOpSelectDb = 0xFE;
inline constexpr uint8_t kOpEof = 0xFF;

// Length encoding: the two top bits of the first byte.
inline constexpr uint8_t kLen6Bit = 0;
inline constexpr uint8_t kLen14Bit = 1;
inline constexpr uint8_t kLenEncoded = 3;
inline constexpr uint8_t kLen32Bit = 0x80;  // whole first byte
inline constexpr uint8_t kLen64Bit = 0x81;  // whole first byte

// Special string encodings (low 6 bits after 11xxxxxx).
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;

// Compression rules of redis-server (rdbSaveRawString).
inline constexpr size_t kMaxIntEncodedStringBytes = 11;
inline constexpr size_t kMinCompressibleBytes = 21;  // strictly longer than 20
inline constexpr size_t kMinLzfSavingBytes = 4;      // output buffer is len - 4

// Module value opcodes inside MODULE_AUX and module-2 values.
inline constexpr uint64_t kModuleOpEof = 0;
inline constexpr uint64_t kModuleOpSint = 1;
inline constexpr uint64_t kModuleOpUint = 2;
inline constexpr uint64_t kModuleOpFloat = 3;
inline constexpr uint64_t kModuleOpDouble = 4;
inline constexpr uint64_t kModuleOpString = 5;

// Value types (the byte before a key).
enum class Type : uint8_t {
  kString = 0,
  kList = 1,            // linked list of strings (old)
  kSet = 2,             // hash table set
  kZset = 3,            // skiplist, scores as text
  kHash = 4,            // hash table
  kZset2 = 5,           // skiplist, binary double scores
  kModule = 6,          // module value, pre-4.0 format
  kModule2 = 7,         // module value with self-describing opcodes
  kHashZipmap = 9,      // old compact hash
  kListZiplist = 10,    // old compact list
  kSetIntset = 11,      // small integer set
  kZsetZiplist = 12,    // old compact sorted set
  kHashZiplist = 13,    // old compact hash
  kListQuicklist = 14,  // list of ziplists (3.2 .. 6.2)
  kStreamListpacks = 15,
  kHashListpack = 16,    // 7.0 compact hash
  kZsetListpack = 17,    // 7.0 compact sorted set
  kListQuicklist2 = 18,  // 7.0 list of listpacks
  kStreamListpacks2 = 19,
};

// Whether a byte read where a value type is expected names one.
constexpr bool is_value_type(uint8_t t) { return t <= 7 || (t >= 9 && t <= 19); }

struct TypeName {
  std::string_view type;      // what TYPE reports: "list"
  std::string_view encoding;  // the RDB encoding: "quicklist2"
};

// Names of a value type for error messages. REQUIRES: is_value_type(t).
constexpr TypeName type_name(uint8_t t) {
  switch (t) {
    case 0:
      return {"string", "string"};
    case 1:
      return {"list", "linkedlist"};
    case 2:
      return {"set", "hashtable"};
    case 3:
      return {"zset", "skiplist"};
    case 4:
      return {"hash", "hashtable"};
    case 5:
      return {"zset", "skiplist2"};
    case 6:
      return {"module", "module"};
    case 7:
      return {"module", "module2"};
    case 9:
      return {"hash", "zipmap"};
    case 10:
      return {"list", "ziplist"};
    case 11:
      return {"set", "intset"};
    case 12:
      return {"zset", "ziplist"};
    case 13:
      return {"hash", "ziplist"};
    case 14:
      return {"list", "quicklist"};
    case 15:
      return {"stream", "listpacks"};
    case 16:
      return {"hash", "listpack"};
    case 17:
      return {"zset", "listpack"};
    case 18:
      return {"list", "quicklist2"};
    case 19:
      return {"stream", "listpacks2"};
    default:
      return {"unknown", "unknown"};
  }
}

// A module type id is 54 bits of name (9 characters of 6 bits each, first
// character in the highest bits) and 10 bits of encoding version.
inline constexpr std::string_view kModuleNameCharset =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
inline constexpr int kModuleNameChars = 9;
inline constexpr int kModuleVersionBits = 10;

}  // namespace amber::rdb
