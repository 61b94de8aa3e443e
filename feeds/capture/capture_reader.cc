#include "feeds/capture/capture_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/decimal.h"

namespace tradingd::feeds {
namespace {

constexpr std::size_t kMaxReportedErrors = 20;

// Reads a whole file; zlib's gzread passes plain files through unchanged, so one path serves
// .gz and text captures alike.
core::Result<std::string> ReadWholeFile(const std::filesystem::path& path, std::string* warning) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return core::Status(core::ErrorCode::kIoError, fmt::format("cannot open {}", path.string()));
  }
  gzbuffer(file, 1 << 17);
  std::string data;
  constexpr std::size_t kChunk = 1 << 20;
  for (;;) {
    const std::size_t old_size = data.size();
    data.resize(old_size + kChunk);
    const int read = gzread(file, data.data() + old_size, static_cast<unsigned>(kChunk));
    if (read < 0) {
      int code = 0;
      const char* message = gzerror(file, &code);
      data.resize(old_size);
      *warning = fmt::format("{}: {} (kept what was decoded)", path.string(),
                             message != nullptr ? message : "read error");
      break;
    }
    data.resize(old_size + static_cast<std::size_t>(read));
    if (read == 0) break;
  }
  gzclose(file);
  return data;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "1633998512.0633569" (seconds) → ns. Digits past nanoseconds are truncated.
bool ParseSeconds(std::string_view text, std::int64_t* ns) {
  const std::size_t point = text.find('.');
  if (point != std::string_view::npos && text.size() - point - 1 > 9) {
    text = text.substr(0, point + 10);
  }
  return core::ParseDecimal(text, 9, ns) == core::DecimalError::kOk && *ns >= 0;
}

bool ParseNanoseconds(std::string_view text, std::int64_t* ns) {
  if (text.empty() || text.find('.') != std::string_view::npos) return false;
  return core::ParseDecimal(text, 0, ns) == core::DecimalError::kOk && *ns >= 0;
}

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// "btcusdt_20240808.gz" → "BTCUSDT".
std::string SymbolHint(const std::filesystem::path& path) {
  std::string stem = path.filename().string();
  stem = stem.substr(0, stem.find_first_of("_."));
  for (char& c : stem) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return stem;
}

class FileParser {
 public:
  FileParser(std::uint32_t file_index, std::string_view name, std::string_view symbol_hint,
             CaptureStats* stats, std::vector<CaptureRecord>* out)
      : file_index_(file_index), name_(name), hint_(symbol_hint), stats_(stats), out_(out) {}

  void Parse(std::string_view data) {
    std::uint32_t line_number = 0;
    std::size_t position = 0;
    while (position < data.size()) {
      std::size_t end = data.find('\n', position);
      if (end == std::string_view::npos) end = data.size();
      ++line_number;
      ++stats_->lines;
      ParseLine(TrimRight(data.substr(position, end - position)), line_number);
      position = end + 1;
    }
  }

 private:
  void ParseLine(std::string_view line, std::uint32_t number) {
    if (line.empty() || StartsWith(line, "configuration:")) {
      ++stats_->skipped;
      return;
    }
    CaptureRecord record;
    record.file_index = file_index_;
    record.line = number;
    if (StartsWith(line, "wss://") || StartsWith(line, "ws://")) {
      if (const std::size_t open = line.find(" <-> "); open != std::string_view::npos) {
        if (!ParseSeconds(line.substr(open + 5), &record.timestamp_ns)) return Bad(number, line);
        record.kind = CaptureKind::kConnectionOpened;
        record.url = line.substr(0, open);
        connection_url_ = record.url;
        return Add(record);
      }
      if (line.find(" <- ") != std::string_view::npos) {
        ++stats_->skipped;  // a frame the recorder sent (subscription)
        return;
      }
      return Bad(number, line);
    }
    if (StartsWith(line, "https://") || StartsWith(line, "http://")) {
      const std::size_t arrow = line.find(" -> ");
      if (arrow == std::string_view::npos) return Bad(number, line);
      const std::string_view rest = line.substr(arrow + 4);
      const std::size_t colon = rest.find(": ");
      if (colon == std::string_view::npos || colon + 2 >= rest.size()) return Bad(number, line);
      if (!ParseSeconds(rest.substr(0, colon), &record.timestamp_ns)) return Bad(number, line);
      record.kind = CaptureKind::kRestResponse;
      record.url = line.substr(0, arrow);
      record.symbol = RestUrlSymbol(record.url);
      record.payload = rest.substr(colon + 2);
      return Add(record);
    }
    if (std::isdigit(static_cast<unsigned char>(line.front()))) {
      const std::size_t stop = line.find_first_of(": ");
      if (stop == std::string_view::npos) return Bad(number, line);
      if (line[stop] == ':') {
        // cryptofeed: "<seconds>: <json>"
        if (stop + 2 >= line.size() || line[stop + 1] != ' ') return Bad(number, line);
        if (!ParseSeconds(line.substr(0, stop), &record.timestamp_ns)) return Bad(number, line);
        record.payload = line.substr(stop + 2);
        record.url = connection_url_;
      } else {
        // hftbacktest: "<ns> <json>"
        if (!ParseNanoseconds(line.substr(0, stop), &record.timestamp_ns)) {
          return Bad(number, line);
        }
        record.payload = line.substr(stop + 1);
        if (StartsWith(record.payload, "{\"lastUpdateId\"")) {
          record.kind = CaptureKind::kRestResponse;
          record.symbol = hint_;
        }
      }
      if (record.payload.empty() || (record.payload.front() != '{' &&
                                     record.payload.front() != '[')) {
        return Bad(number, line);
      }
      return Add(record);
    }
    Bad(number, line);
  }

  void Add(const CaptureRecord& record) {
    ++stats_->records;
    out_->push_back(record);
  }

  void Bad(std::uint32_t number, std::string_view line) {
    ++stats_->bad_lines;
    if (stats_->errors.size() < kMaxReportedErrors) {
      std::string excerpt(line.substr(0, 60));
      for (char& c : excerpt) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
      }
      stats_->errors.push_back(fmt::format("{}:{}: unrecognised line: {}", name_, number, excerpt));
    }
  }

  std::uint32_t file_index_;
  std::string_view name_;
  std::string_view hint_;
  CaptureStats* stats_;
  std::vector<CaptureRecord>* out_;
  std::string_view connection_url_;
};

}  // namespace

const char* CaptureKindName(CaptureKind kind) {
  switch (kind) {
    case CaptureKind::kFrame: return "frame";
    case CaptureKind::kRestResponse: return "rest_response";
    case CaptureKind::kConnectionOpened: return "connection_opened";
  }
  return "unknown";
}

std::string_view RestUrlSymbol(std::string_view url) {
  const std::size_t query = url.find('?');
  if (query == std::string_view::npos) return {};
  std::string_view rest = url.substr(query + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    if (StartsWith(param, "symbol=")) return param.substr(7);
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return {};
}

core::Result<Capture> LoadCapture(std::span<const std::filesystem::path> files) {
  Capture capture;
  std::vector<std::vector<CaptureRecord>> per_file(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string warning;
    core::Result<std::string> data = ReadWholeFile(files[i], &warning);
    if (!data.ok()) return data.status();
    if (!warning.empty()) capture.stats_.errors.push_back(std::move(warning));
    auto arena = std::make_unique<std::string>(std::move(data).value());
    const std::size_t size = arena->size();
    arena->append(kCapturePadding, ' ');
    auto name = std::make_unique<std::string>(files[i].filename().string());
    auto hint = std::make_unique<std::string>(SymbolHint(files[i]));
    FileParser parser(static_cast<std::uint32_t>(i), *name, *hint, &capture.stats_, &per_file[i]);
    parser.Parse(std::string_view(arena->data(), size));
    capture.storage_.push_back(std::move(arena));
    capture.storage_.push_back(std::move(name));
    capture.storage_.push_back(std::move(hint));
  }
  // k-way merge: stable within a file even if its clock steps back; ties go to the earlier file.
  std::size_t total = 0;
  for (const auto& records : per_file) total += records.size();
  capture.records_.reserve(total);
  std::vector<std::size_t> heads(per_file.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    std::size_t best = per_file.size();
    for (std::size_t f = 0; f < per_file.size(); ++f) {
      if (heads[f] == per_file[f].size()) continue;
      if (best == per_file.size() ||
          per_file[f][heads[f]].timestamp_ns < per_file[best][heads[best]].timestamp_ns) {
        best = f;
      }
    }
    capture.records_.push_back(per_file[best][heads[best]++]);
  }
  return capture;
}

core::Result<Capture> LoadCapture(const std::filesystem::path& file) {
  return LoadCapture(std::span<const std::filesystem::path>(&file, 1));
}

}  // namespace tradingd::feeds
