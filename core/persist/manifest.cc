// Reading and writing the AOF manifest (manifest.h). The parser follows
// redis-server 7.0's rules line by line (comment skipping, the 1024-byte
// line limit, splitting with quoting, the six mandatory fields) so that a
// manifest Redis accepts is accepted here and one it refuses is refused
// with the same reason.
#include "core/persist/manifest.h"

#include "core/sds_text.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "core/args.h"

namespace amber {
namespace {

constexpr size_t kMaxLine = 1024;

bool needs_quoting(std::string_view s) {
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isspace(u) || !std::isprint(u) || c == '"' || c == '\'' || c == '\\') return true;
  }
  return s.empty();
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kBlank = " \t\r\n";
  size_t b = s.find_first_not_of(kBlank);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kBlank) - b + 1);
}

Status manifest_error(int line_no, std::string_view line, std::string_view reason) {
  std::string message(reason);
  if (line_no > 0) {
    message += " (manifest line " + std::to_string(line_no) + ": '" + std::string(line) + "')";
  }
  return Status::corruption(std::move(message));
}

// One non-comment line into `info`; returns the error reason or "".
std::string parse_line(std::string_view line, AofFileInfo* info) {
  std::optional<std::vector<std::string>> words = split_args(line);
  if (!words || words->size() < 6 || words->size() % 2 != 0) {
    return "Invalid AOF manifest file format";
  }
  const std::vector<std::string>& args = *words;
  char type = 0;
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& value = args[i + 1];
    if (equals_ignore_case(args[i], "file")) {
      if (value.find('/') != std::string::npos) return "File can't be a path, just a filename";
      info->name = value;
    } else if (equals_ignore_case(args[i], "seq")) {
      info->seq = std::atoll(value.c_str());  // atoll, as Redis: garbage reads as 0
    } else if (equals_ignore_case(args[i], "type")) {
      type = value.empty() ? 0 : value[0];
    }
  }
  if (info->name.empty() || info->seq == 0 || type == 0) return "Invalid AOF manifest file format";
  if (type != 'b' && type != 'h' && type != 'i') return "Unknown AOF file type";
  info->type = static_cast<AofFileInfo::Type>(type);
  return "";
}

}  // namespace

std::string aof_manifest_name(std::string_view filename) {
  return std::string(filename) + ".manifest";
}

std::string aof_incr_name(std::string_view filename, int64_t seq) {
  return std::string(filename) + "." + std::to_string(seq) + ".incr.aof";
}

std::string aof_base_name(std::string_view filename, int64_t seq, bool rdb_preamble) {
  return std::string(filename) + "." + std::to_string(seq) + ".base." +
         (rdb_preamble ? "rdb" : "aof");
}

std::string AofManifest::to_string() const {
  std::string out;
  auto line = [&out](const AofFileInfo& f) {
    out += "file ";
    out += needs_quoting(f.name) ? quote(f.name) : f.name;
    out += " seq " + std::to_string(f.seq) + " type ";
    out.push_back(static_cast<char>(f.type));
    out.push_back('\n');
  };
  if (base) line(*base);
  for (const AofFileInfo& f : history) line(f);
  for (const AofFileInfo& f : incr) line(f);
  return out;
}

const AofFileInfo& AofManifest::add_incr(std::string_view filename) {
  ++incr_seq;
  incr.push_back(
      AofFileInfo{aof_incr_name(filename, incr_seq), incr_seq, AofFileInfo::Type::kIncr});
  return incr.back();
}

AofFileInfo AofManifest::next_base(std::string_view filename, bool rdb_preamble) {
  if (base) {
    base->type = AofFileInfo::Type::kHistory;
    history.push_back(*base);
  }
  ++base_seq;
  base = AofFileInfo{aof_base_name(filename, base_seq, rdb_preamble), base_seq,
                     AofFileInfo::Type::kBase};
  return *base;
}

Status parse_aof_manifest(std::string_view text, AofManifest* manifest) {
  *manifest = AofManifest{};
  if (text.empty()) return manifest_error(0, "", "Found an empty AOF manifest");
  int line_no = 0;
  int64_t max_seq = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view raw = text.substr(pos, eol == std::string_view::npos ? text.npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++line_no;
    if (!raw.empty() && raw[0] == '#') continue;
    if (eol == std::string_view::npos || raw.size() + 1 > kMaxLine) {
      return manifest_error(line_no, trim(raw), "The AOF manifest file contains too long line");
    }
    std::string_view line = trim(raw);
    if (line.empty()) return manifest_error(line_no, line, "Invalid AOF manifest file format");
    AofFileInfo info;
    std::string reason = parse_line(line, &info);
    if (!reason.empty()) return manifest_error(line_no, line, reason);
    if (info.type == AofFileInfo::Type::kBase) {
      if (manifest->base) {
        return manifest_error(line_no, line, "Found duplicate base file information");
      }
      manifest->base = info;
      manifest->base_seq = info.seq;
    } else if (info.type == AofFileInfo::Type::kHistory) {
      manifest->history.push_back(info);
    } else {
      if (info.seq <= max_seq) {
        return manifest_error(line_no, line, "Found a non-monotonic sequence number");
      }
      manifest->incr.push_back(info);
      manifest->incr_seq = max_seq = info.seq;
    }
  }
  return {};
}

}  // namespace amber
