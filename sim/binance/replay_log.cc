#include "sim/binance/replay_log.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "sim/common/http_query.h"

namespace tradingd::sim::binance {

namespace {

constexpr std::string_view kStreamPrefix = R"({"stream":")";
constexpr std::string_view kSnapshotPrefix = R"({"lastUpdateId")";

// Reads a gzip or a plain text file (gzread passes plain files through unchanged).
core::Result<std::vector<std::string>> ReadLines(const std::string& path) {
  std::unique_ptr<gzFile_s, decltype(&gzclose)> file(gzopen(path.c_str(), "rb"), &gzclose);
  if (file == nullptr) return core::Status(core::ErrorCode::kIoError, "cannot open " + path);
  gzbuffer(file.get(), 1 << 17);
  std::vector<std::string> lines;
  std::string pending;
  char buffer[1 << 16];
  for (;;) {
    const int n = gzread(file.get(), buffer, sizeof(buffer));
    if (n < 0) return core::Status(core::ErrorCode::kIoError, "cannot read " + path);
    if (n == 0) break;
    std::string_view chunk(buffer, static_cast<std::size_t>(n));
    for (std::size_t newline; (newline = chunk.find('\n')) != std::string_view::npos;) {
      pending.append(chunk.substr(0, newline));
      if (!pending.empty() && pending.back() == '\r') pending.pop_back();
      lines.push_back(std::move(pending));
      pending.clear();
      chunk.remove_prefix(newline + 1);
    }
    pending.append(chunk);
  }
  if (!pending.empty()) lines.push_back(std::move(pending));
  return lines;
}

// "1723161253937085768" (ns) or "1633998512.0633569" (seconds); false when not a timestamp.
bool ParseTimestamp(std::string_view text, std::int64_t* ns) {
  std::int64_t integer = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    integer = integer * 10 + (text[i] - '0');
  }
  if (i == 0) return false;
  if (i == text.size()) {
    *ns = integer;
    return true;
  }
  if (text[i] != '.') return false;
  std::int64_t fraction = 0;
  int digits = 0;
  for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (digits < 9) {
      fraction = fraction * 10 + (text[i] - '0');
      ++digits;
    }
  }
  if (i != text.size()) return false;
  for (; digits < 9; ++digits) fraction *= 10;
  *ns = integer * 1'000'000'000 + fraction;
  return true;
}

void AddJson(ReplayLog& log, std::int64_t time_ns, std::string_view json,
             const std::string& snapshot_symbol) {
  if (json.starts_with(kSnapshotPrefix)) {
    log.snapshots.push_back({time_ns, snapshot_symbol, std::string(json), 0});
    return;
  }
  if (json.empty() || json.front() != '{') return;
  ReplayFrame frame;
  frame.time_ns = time_ns;
  frame.text = std::string(json);
  if (json.starts_with(kStreamPrefix)) {
    const std::size_t end = json.find('"', kStreamPrefix.size());
    if (end != std::string_view::npos) {
      frame.stream = std::string(json.substr(kStreamPrefix.size(), end - kStreamPrefix.size()));
    }
  }
  log.frames.push_back(std::move(frame));
}

void ParseLine(ReplayLog& log, std::string_view line, const std::string& default_symbol) {
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return;
  std::int64_t time_ns = 0;
  // hftbacktest: "<ns> <json>".
  if (ParseTimestamp(line.substr(0, space), &time_ns)) {
    AddJson(log, time_ns, line.substr(space + 1), default_symbol);
    return;
  }
  // cryptofeed: "<ts>: <json>" (a received frame).
  if (space > 0 && line[space - 1] == ':' && ParseTimestamp(line.substr(0, space - 1), &time_ns)) {
    AddJson(log, time_ns, line.substr(space + 1), default_symbol);
    return;
  }
  // cryptofeed: "<url> -> <ts>: <body>" (a REST response).
  const std::size_t arrow = line.find(" -> ");
  if (arrow == std::string_view::npos) return;
  const std::string_view url = line.substr(0, arrow);
  const std::string_view rest = line.substr(arrow + 4);
  const std::size_t colon = rest.find(": ");
  if (colon == std::string_view::npos || !ParseTimestamp(rest.substr(0, colon), &time_ns)) return;
  const std::string_view body = rest.substr(colon + 2);
  if (!body.starts_with(kSnapshotPrefix)) return;
  const std::size_t question = url.find('?');
  std::string symbol = default_symbol;
  if (question != std::string_view::npos) {
    if (auto param = QueryParam(url.substr(question + 1), "symbol")) symbol = *param;
  }
  log.snapshots.push_back({time_ns, std::move(symbol), std::string(body), 0});
}

}  // namespace

std::string_view ReplayFrame::Payload() const {
  if (stream.empty()) return text;
  const std::string_view view(text);
  const std::size_t data = view.find(R"("data":)", kStreamPrefix.size() + stream.size());
  const std::size_t end = view.rfind('}');
  if (data == std::string_view::npos || end == std::string_view::npos || end <= data + 7) {
    return text;
  }
  return view.substr(data + 7, end - data - 7);
}

core::Result<ReplayLog> LoadReplayLog(const std::vector<std::string>& paths,
                                      const std::vector<std::string>& default_symbols) {
  ReplayLog log;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto lines = ReadLines(paths[i]);
    if (!lines.ok()) return lines.status();
    const std::string symbol = i < default_symbols.size() ? default_symbols[i] : std::string();
    for (const std::string& line : *lines) ParseLine(log, line, symbol);
  }
  std::stable_sort(
      log.frames.begin(), log.frames.end(),
      [](const ReplayFrame& a, const ReplayFrame& b) { return a.time_ns < b.time_ns; });
  std::stable_sort(
      log.snapshots.begin(), log.snapshots.end(),
      [](const ReplaySnapshot& a, const ReplaySnapshot& b) { return a.time_ns < b.time_ns; });
  for (ReplaySnapshot& snapshot : log.snapshots) {
    snapshot.next_frame = static_cast<std::size_t>(
        std::upper_bound(log.frames.begin(), log.frames.end(), snapshot.time_ns,
                         [](std::int64_t t, const ReplayFrame& f) { return t < f.time_ns; }) -
        log.frames.begin());
  }
  if (log.frames.empty() && log.snapshots.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "no Binance frames in the replay files");
  }
  return log;
}

}  // namespace tradingd::sim::binance
