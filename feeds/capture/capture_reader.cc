#include "feeds/capture/capture_reader.h"

#include <zlib.h>

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/decimal.h"

namespace tradingd::feeds {
namespace {

constexpr std::size_t kMaxReportedErrors = 20;

// Every payload is parsed in place by simdjson, which may read this far past its end.
static_assert(simdjson::SIMDJSON_PADDING <= kCapturePadding,
              "kCapturePadding must cover simdjson's padding");

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

// Calls visit(line without its trailing whitespace, 1-based number) for each line, counting them.
template <typename Visit>
void ForEachLine(std::string_view data, CaptureStats* stats, Visit&& visit) {
  std::uint32_t number = 0;
  std::size_t position = 0;
  while (position < data.size()) {
    std::size_t end = data.find('\n', position);
    if (end == std::string_view::npos) end = data.size();
    ++number;
    ++stats->lines;
    visit(TrimRight(data.substr(position, end - position)), number);
    position = end + 1;
  }
}

// "btcusdt_20240808.gz" → "BTCUSDT".
std::string SymbolHint(const std::filesystem::path& path) {
  std::string stem = path.filename().string();
  stem = stem.substr(0, stem.find_first_of("_."));
  for (char& c : stem) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return stem;
}

// Printable ASCII only, so a hostile file cannot put control sequences into logs.
std::string Printable(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return out;
}

void AddBadLine(CaptureStats* stats, std::string_view name, std::uint32_t number,
                std::string_view what, std::string_view line) {
  ++stats->bad_lines;
  if (stats->errors.size() < kMaxReportedErrors) {
    stats->errors.push_back(fmt::format("{}:{}: {}: {}", name, number, what, Printable(line, 60)));
  }
}

class FileParser {
 public:
  FileParser(std::uint32_t file_index, std::string_view name, std::string_view symbol_hint,
             CaptureStats* stats, std::vector<CaptureRecord>* out)
      : file_index_(file_index), name_(name), hint_(symbol_hint), stats_(stats), out_(out) {}

  void Parse(std::string_view data) {
    ForEachLine(data, stats_, [this](std::string_view line, std::uint32_t number) {
      ParseLine(line, number);
    });
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
    AddBadLine(stats_, name_, number, "unrecognised line", line);
  }

  std::uint32_t file_index_;
  std::string_view name_;
  std::string_view hint_;
  CaptureStats* stats_;
  std::vector<CaptureRecord>* out_;
  std::string_view connection_url_;
};

// ---- JSON-per-line captures (Bybit's order-book archive) ------------------------------------

bool ReadMillisecondsAsNs(std::int64_t ms, std::int64_t* ns) {
  if (ms < 0 || ms > std::numeric_limits<std::int64_t>::max() / 1'000'000) return false;
  *ns = ms * 1'000'000;
  return true;
}

// One raw WebSocket message a line, e.g. Bybit's `{"topic":…,"type":"snapshot","ts":<ms>,…}`.
// Each line is validated whole (a half-written last line is reported, not replayed).
class JsonLinesParser {
 public:
  JsonLinesParser(std::uint32_t file_index, std::string_view name, CaptureStats* stats,
                  std::vector<CaptureRecord>* out)
      : file_index_(file_index), name_(name), stats_(stats), out_(out) {}

  // `data` must be followed by kCapturePadding readable bytes.
  void Parse(std::string_view data) {
    ForEachLine(data, stats_, [this](std::string_view line, std::uint32_t number) {
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      ParseLine(line, number);
    });
  }

 private:
  void ParseLine(std::string_view line, std::uint32_t number) {
    if (line.empty()) {
      ++stats_->skipped;
      return;
    }
    simdjson::dom::element root;
    // In place: the line is followed by the rest of the arena and its padding.
    if (auto e = parser_.parse(line.data(), line.size(), false).get(root); e) {
      return AddBadLine(stats_, name_, number,
                        fmt::format("malformed JSON ({})", simdjson::error_message(e)), line);
    }
    simdjson::dom::object message;
    if (root.get_object().get(message) != simdjson::SUCCESS) {
      return AddBadLine(stats_, name_, number, "not a JSON object", line);
    }
    std::int64_t ms = 0;
    CaptureRecord record;
    if (message.at_key("ts").get_int64().get(ms) != simdjson::SUCCESS ||
        !ReadMillisecondsAsNs(ms, &record.timestamp_ns)) {
      return AddBadLine(stats_, name_, number, "no \"ts\" (non-negative integer milliseconds)",
                        line);
    }
    record.kind = CaptureKind::kFrame;
    record.payload = line;
    record.file_index = file_index_;
    record.line = number;
    ++stats_->records;
    out_->push_back(record);
  }

  std::uint32_t file_index_;
  std::string_view name_;
  CaptureStats* stats_;
  std::vector<CaptureRecord>* out_;
  simdjson::dom::parser parser_;
};

// ---- Kraken SDK book captures: {"init": <snapshot>, "updates": [<update>, …]} -------------------

// The message's own "timestamp", else its first data element's (Kraken v2 `book` puts it there).
// kOk with *found = false when the message has none; an error when one is there but unreadable.
core::Status ReadKrakenTimestamp(simdjson::dom::object message, std::string_view label, bool* found,
                                 std::int64_t* ns) {
  *found = false;
  simdjson::dom::element timestamp;
  if (message.at_key("timestamp").get(timestamp) != simdjson::SUCCESS) {
    simdjson::dom::array data;
    simdjson::dom::object first;
    if (message.at_key("data").get_array().get(data) != simdjson::SUCCESS ||
        data.at(0).get_object().get(first) != simdjson::SUCCESS ||
        first.at_key("timestamp").get(timestamp) != simdjson::SUCCESS) {
      return core::Status::Ok();
    }
  }
  std::string_view text;
  if (timestamp.get_string().get(text) != simdjson::SUCCESS || !core::ParseTimestamp(text, ns)) {
    return core::Status(core::ErrorCode::kIoError,
                        fmt::format("{}: \"timestamp\" is not an RFC 3339 time: {}", label,
                                    Printable(simdjson::to_string(timestamp), 60)));
  }
  *found = true;
  return core::Status::Ok();
}

struct TextContext {
  std::uint32_t file_index = 0;
  std::string_view name;   // for bad-line reports: file name, or "archive.zip/member"
  std::string_view where;  // for errors: the path, plus the member of an archive
  std::string_view hint;   // FileParser's symbol hint
  CaptureStats* stats = nullptr;
  std::vector<CaptureRecord>* out = nullptr;
  std::vector<std::unique_ptr<std::string>>* storage = nullptr;
};

// The document is validated whole with the DOM first (On-Demand skips what it is not asked for),
// which also reads the timestamps; On-Demand then yields each message's raw text, minified into a
// new arena: payloads stay byte-for-byte the recorder's JSON (numbers keep their spelling, which
// the checksums depend on) minus the pretty-printing. The raw document is not kept.
core::Status ParseKrakenBookDocument(std::string_view text, const TextContext& context) {
  const auto fail = [&](std::string_view what) {
    return core::Status(core::ErrorCode::kIoError,
                        fmt::format("{}: Kraken book capture {{\"init\": …, \"updates\": […]}}: {}",
                                    context.where, what));
  };
  simdjson::dom::parser dom;
  simdjson::dom::element root;
  if (auto e = dom.parse(text.data(), text.size(), false).get(root); e) {
    return fail(fmt::format("malformed JSON ({})", simdjson::error_message(e)));
  }
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return fail("not a JSON object");
  simdjson::dom::element init_element, updates_element;
  bool have_init = false, have_updates = false;
  for (const simdjson::dom::key_value_pair field : top) {
    if (field.key == "init" || field.key == "updates") {
      bool& seen = field.key == "init" ? have_init : have_updates;
      if (seen) return fail(fmt::format("duplicate \"{}\"", field.key));
      seen = true;
      (field.key == "init" ? init_element : updates_element) = field.value;
    }
  }
  if (!have_init) return fail("no \"init\"");
  if (!have_updates) return fail("no \"updates\"");
  simdjson::dom::array updates;
  if (updates_element.get_array().get(updates) != simdjson::SUCCESS) {
    return fail("\"updates\" is not an array");
  }
  // Timestamps in record order: init first, then the updates.
  std::vector<std::int64_t> times;
  std::vector<bool> timed;
  const auto read_message = [&](simdjson::dom::element element,
                                const std::string& label) -> core::Status {
    simdjson::dom::object message;
    if (element.get_object().get(message) != simdjson::SUCCESS) {
      return fail(fmt::format("{} is not an object", label));
    }
    bool found = false;
    std::int64_t ns = 0;
    if (auto status = ReadKrakenTimestamp(message, label, &found, &ns); !status.ok()) {
      return fail(status.message());
    }
    times.push_back(ns);
    timed.push_back(found);
    return core::Status::Ok();
  };
  if (auto status = read_message(init_element, "\"init\""); !status.ok()) return status;
  std::size_t index = 0;
  for (const simdjson::dom::element element : updates) {
    if (auto status = read_message(element, fmt::format("\"updates\"[{}]", index++));
        !status.ok()) {
      return status;
    }
  }

  // The raw text of each message, in record order.
  simdjson::ondemand::parser on_demand;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  std::vector<std::string_view> raws;
  raws.reserve(times.size());
  raws.push_back({});
  // The DOM accepted this text, so On-Demand disagreeing would be a simdjson bug, not bad input.
  const auto internal = [&](simdjson::error_code e) {
    return core::Status(core::ErrorCode::kInternal,
                        fmt::format("{}: On-Demand could not re-read what the DOM accepted ({})",
                                    context.where, simdjson::error_message(e)));
  };
  auto error = on_demand
                   .iterate(simdjson::padded_string_view(text.data(), text.size(),
                                                         text.size() + kCapturePadding))
                   .get(doc);
  if (!error) error = doc.get_object().get(object);
  if (error) return internal(error);
  bool took_init = false, took_updates = false;
  for (auto field_result : object) {
    if (error) break;
    simdjson::ondemand::field field;
    std::string_view key;
    if ((error = std::move(field_result).get(field)) || (error = field.unescaped_key().get(key))) {
      break;
    }
    if (key == "init" && !took_init) {
      took_init = true;
      simdjson::ondemand::object message;
      if ((error = field.value().get_object().get(message)) ||
          (error = message.raw_json().get(raws.front()))) {
        break;
      }
    } else if (key == "updates" && !took_updates) {
      took_updates = true;
      simdjson::ondemand::array array;
      if ((error = field.value().get_array().get(array))) break;
      for (auto element : array) {
        simdjson::ondemand::object message;
        std::string_view raw;
        if ((error = element.get_object().get(message)) || (error = message.raw_json().get(raw))) {
          break;
        }
        raws.push_back(raw);
      }
    }
  }
  if (error || raws.size() != times.size() || raws.front().empty()) return internal(error);

  std::size_t total = kCapturePadding;
  for (const std::string_view raw : raws) total += raw.size() + 1;
  auto arena = std::make_unique<std::string>();
  arena->reserve(total + kCapturePadding);  // minify's scratch room past the last message
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset and size in the arena
  spans.reserve(raws.size());
  for (const std::string_view raw : raws) {
    const std::size_t offset = arena->size();
    arena->resize(offset + raw.size() + kCapturePadding);
    std::size_t size = 0;
    if (auto e = simdjson::minify(raw.data(), raw.size(), arena->data() + offset, size); e) {
      return fail(fmt::format("cannot minify a message ({})", simdjson::error_message(e)));
    }
    arena->resize(offset + size);
    arena->push_back('\n');
    spans.emplace_back(offset, size);
  }
  arena->append(kCapturePadding, ' ');

  // Messages without a timestamp take the previous one's; leading ones the first in the file.
  std::int64_t current = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (timed[i]) {
      current = times[i];
      break;
    }
  }
  // Line numbers point into the pretty-printed file, where "init" may even follow "updates".
  std::vector<std::size_t> newlines;
  for (std::size_t at = text.find('\n'); at != std::string_view::npos;
       at = text.find('\n', at + 1)) {
    newlines.push_back(at);
  }
  for (std::size_t i = 0; i < raws.size(); ++i) {
    const auto offset = static_cast<std::size_t>(raws[i].data() - text.data());
    const auto line = std::upper_bound(newlines.begin(), newlines.end(), offset) - newlines.begin();
    if (timed[i]) current = times[i];
    CaptureRecord record;
    record.kind = CaptureKind::kFrame;
    record.timestamp_ns = current;
    record.payload = std::string_view(arena->data() + spans[i].first, spans[i].second);
    record.file_index = context.file_index;
    record.line = static_cast<std::uint32_t>(line + 1);
    context.out->push_back(record);
  }
  context.stats->records += raws.size();
  context.stats->lines += newlines.size() + (!text.empty() && text.back() != '\n' ? 1 : 0);
  context.storage->push_back(std::move(arena));
  return core::Status::Ok();
}

// ---- ZIP archives ------------------------------------------------------------------------------
// Bybit publishes its order-book history as ZIP archives. zlib inflates raw deflate but does not
// read the ZIP container, and no other library may be linked, so the container is parsed here. The
// central directory is the authority (it is what a data descriptor's sizes are copied into), each
// local header is cross-checked against it, and every offset and size is checked against the file
// before use: a hostile archive gets an error, never an out-of-bounds read or a huge allocation.

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndRecordSignature = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kEndRecordSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::uint16_t kFlagEncrypted = 0x0001;
constexpr std::uint16_t kFlagDataDescriptor = 0x0008;
constexpr std::uint16_t kFlagStrongEncryption = 0x0040;
constexpr std::uint16_t kFlagMaskedHeaders = 0x2000;  // central directory encryption
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflate = 8;
constexpr std::uint16_t kMethodAes = 99;
// Inflated bytes of all members of one archive together; a capture this big is not a test
// fixture, and the bound keeps a "zip bomb" from exhausting memory.
constexpr std::uint64_t kMaxInflatedBytes = std::uint64_t{1} << 30;

bool LooksLikeZip(std::string_view data) {
  // A first member's local header, or the end record alone (an empty archive).
  return StartsWith(data, "PK\x03\x04") || StartsWith(data, "PK\x05\x06");
}

// Little-endian fields; callers have checked that [at, at + width) lies inside `data`.
std::uint16_t Le16(std::string_view data, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(data[at]) |
                                    static_cast<unsigned char>(data[at + 1]) << 8);
}
std::uint32_t Le32(std::string_view data, std::size_t at) {
  return static_cast<std::uint32_t>(Le16(data, at)) | static_cast<std::uint32_t>(Le16(data, at + 2))
                                                          << 16;
}

struct ZipMember {
  std::string name;  // printable
  std::string text;  // the inflated bytes, then kCapturePadding spaces
  std::size_t size = 0;
};

// Inflates raw deflate into exactly `size` bytes at `out`; a stream that wants to write more is
// refused at that point, so the header's size (already bounded) caps the memory spent.
std::string InflateInto(std::string_view compressed, char* out, std::size_t size) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return "zlib inflateInit2 failed";
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());  // < 4 GiB: a 32-bit ZIP field
  z.next_out = reinterpret_cast<Bytef*>(out);
  z.avail_out = static_cast<uInt>(size);  // <= kMaxInflatedBytes
  int result = Z_OK;
  do {
    result = inflate(&z, Z_FINISH);
  } while (result == Z_OK);
  std::string why;
  if (result == Z_STREAM_END) {
    if (z.total_out != size) {
      why = fmt::format("inflates to {} bytes, the header says {}", z.total_out, size);
    } else if (z.avail_in != 0) {
      why = fmt::format("{} bytes follow the end of the deflate stream", z.avail_in);
    }
  } else if (result == Z_BUF_ERROR && z.avail_out == 0) {
    why = fmt::format("inflates past the {} bytes the header declares", size);
  } else if (result == Z_BUF_ERROR) {
    why = "the deflate stream is truncated";
  } else {
    why = fmt::format("corrupt deflate data ({})", z.msg != nullptr ? z.msg : zError(result));
  }
  inflateEnd(&z);
  return why;
}

// Every member, in central-directory order; directories are skipped. `where` names the file in
// errors.
core::Result<std::vector<ZipMember>> ReadZipArchive(std::string_view zip, std::string_view where) {
  const auto fail = [&](std::string_view what) {
    return core::Status(core::ErrorCode::kIoError, fmt::format("{}: ZIP archive: {}", where, what));
  };
  // The end record is the last 22 bytes plus a comment of up to 64 KiB; its comment length must
  // reach exactly the end of the file, which also rejects a signature met inside member data.
  std::size_t end_record = std::string_view::npos;
  if (zip.size() >= kEndRecordSize) {
    const std::size_t lowest =
        zip.size() - kEndRecordSize - std::min<std::size_t>(zip.size() - kEndRecordSize, 0xffff);
    for (std::size_t at = zip.size() - kEndRecordSize + 1; at-- > lowest;) {
      if (Le32(zip, at) == kEndRecordSignature &&
          at + kEndRecordSize + Le16(zip, at + 20) == zip.size()) {
        end_record = at;
        break;
      }
    }
  }
  if (end_record == std::string_view::npos) {
    return fail("no end-of-central-directory record (the file is truncated or not a ZIP archive)");
  }
  const std::uint16_t disk = Le16(zip, end_record + 4);
  const std::uint16_t directory_disk = Le16(zip, end_record + 6);
  const std::uint16_t disk_entries = Le16(zip, end_record + 8);
  const std::uint16_t entries = Le16(zip, end_record + 10);
  const std::uint32_t directory_size = Le32(zip, end_record + 12);
  const std::uint32_t directory_offset = Le32(zip, end_record + 16);
  if (entries == 0xffff || directory_size == 0xffffffff || directory_offset == 0xffffffff ||
      (end_record >= kZip64LocatorSize &&
       Le32(zip, end_record - kZip64LocatorSize) == kZip64LocatorSignature)) {
    return fail("ZIP64 archives are not supported");
  }
  if (disk != 0 || directory_disk != 0 || disk_entries != entries) {
    return fail("multi-disk (split) archives are not supported");
  }
  if (directory_offset > end_record || directory_size > end_record - directory_offset) {
    return fail(fmt::format("the central directory ({} bytes at offset {}) lies beyond the file",
                            directory_size, directory_offset));
  }
  if (entries == 0) return fail("the archive holds no files");

  std::vector<ZipMember> members;
  std::uint64_t inflated_total = 0;
  const std::size_t directory_end = directory_offset + directory_size;
  std::size_t cursor = directory_offset;
  for (std::uint32_t i = 0; i < entries; ++i) {
    if (directory_end - cursor < kCentralHeaderSize) {
      return fail(fmt::format("central directory entry {} is truncated", i));
    }
    if (Le32(zip, cursor) != kCentralHeaderSignature) {
      return fail(fmt::format("bad central directory signature at offset {}", cursor));
    }
    const std::uint16_t flags = Le16(zip, cursor + 8);
    const std::uint16_t method = Le16(zip, cursor + 10);
    const std::uint32_t crc = Le32(zip, cursor + 16);
    const std::uint32_t compressed_size = Le32(zip, cursor + 20);
    const std::uint32_t size = Le32(zip, cursor + 24);
    const std::size_t name_size = Le16(zip, cursor + 28);
    const std::size_t entry_size =
        kCentralHeaderSize + name_size + Le16(zip, cursor + 30) + Le16(zip, cursor + 32);
    const std::uint16_t start_disk = Le16(zip, cursor + 34);
    const std::uint32_t local_offset = Le32(zip, cursor + 42);
    if (directory_end - cursor < entry_size) {
      return fail(fmt::format("central directory entry {} is truncated", i));
    }
    std::string name = Printable(zip.substr(cursor + kCentralHeaderSize, name_size), 200);
    cursor += entry_size;
    const auto member_fail = [&](std::string_view what) {
      return fail(fmt::format("member {} \"{}\": {}", i, name, what));
    };

    if ((flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagMaskedHeaders)) != 0 ||
        method == kMethodAes) {
      return member_fail("encrypted members are not supported");
    }
    if (compressed_size == 0xffffffff || size == 0xffffffff || local_offset == 0xffffffff ||
        start_disk == 0xffff) {
      return member_fail("ZIP64 members are not supported");
    }
    if (method != kMethodStored && method != kMethodDeflate) {
      return member_fail(fmt::format(
          "compression method {} is not supported (only 0, stored, and 8, deflate)", method));
    }
    if (method == kMethodStored && compressed_size != size) {
      return member_fail(
          fmt::format("stored, but {} bytes are said to hold {}", compressed_size, size));
    }
    if (size > kMaxInflatedBytes - inflated_total) {
      return member_fail(fmt::format("{} bytes would take the archive past the {} byte limit", size,
                                     kMaxInflatedBytes));
    }
    inflated_total += size;

    // The local header, and the data behind it: both must lie before the central directory.
    if (local_offset > directory_offset || directory_offset - local_offset < kLocalHeaderSize) {
      return member_fail(
          fmt::format("local header offset {} lies beyond the member data", local_offset));
    }
    if (Le32(zip, local_offset) != kLocalHeaderSignature) {
      return member_fail(fmt::format("bad local header signature at offset {}", local_offset));
    }
    const std::uint16_t local_flags = Le16(zip, local_offset + 6);
    if (Le16(zip, local_offset + 8) != method ||
        (local_flags & kFlagDataDescriptor) != (flags & kFlagDataDescriptor) ||
        (local_flags & (kFlagEncrypted | kFlagStrongEncryption)) != 0) {
      return member_fail("the local header disagrees with the central directory");
    }
    // With a data descriptor the local fields are zero and the real values follow the data; the
    // central directory holds them too, so the descriptor itself is not needed.
    if ((flags & kFlagDataDescriptor) == 0 &&
        (Le32(zip, local_offset + 14) != crc || Le32(zip, local_offset + 18) != compressed_size ||
         Le32(zip, local_offset + 22) != size)) {
      return member_fail("the local header disagrees with the central directory");
    }
    const std::size_t data_offset = local_offset + kLocalHeaderSize + Le16(zip, local_offset + 26) +
                                    Le16(zip, local_offset + 28);
    if (data_offset > directory_offset || directory_offset - data_offset < compressed_size) {
      return member_fail(fmt::format("{} bytes of data at offset {} run past the member area",
                                     compressed_size, data_offset));
    }
    if (name.ends_with('/') && size == 0) continue;  // a directory

    ZipMember member;
    member.name = std::move(name);
    member.size = size;
    member.text.assign(size + kCapturePadding, ' ');
    const std::string_view data = zip.substr(data_offset, compressed_size);
    if (method == kMethodStored) {
      std::memcpy(member.text.data(), data.data(), size);
    } else if (std::string why = InflateInto(data, member.text.data(), size); !why.empty()) {
      return member_fail(why);
    }
    const auto actual_crc = static_cast<std::uint32_t>(
        crc32_z(0, reinterpret_cast<const Bytef*>(member.text.data()), size));
    if (actual_crc != crc) {
      return member_fail(
          fmt::format("CRC-32 {:08x} does not match the header's {:08x}", actual_crc, crc));
    }
    members.push_back(std::move(member));
  }
  return members;
}

// ---- Dispatch by content -----------------------------------------------------------------------

// True when the first line of `text` (from its first '{') is a whole JSON object without "init"
// or "updates": then the text is one message a line. A pretty-printed document's first line is not
// a whole value, and a one-line Kraken document names its keys.
bool IsJsonLines(std::string_view text) {
  const std::size_t end = std::min(text.find('\n'), text.size());
  const std::string_view line = TrimRight(text.substr(0, end));
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(line.data(), line.size(), false).get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  return object.at_key("init").error() == simdjson::NO_SUCH_FIELD &&
         object.at_key("updates").error() == simdjson::NO_SUCH_FIELD;
}

// Parses one file's text (or one archive member's), which must be followed by kCapturePadding
// readable bytes inside `arena`; the arena is kept when records point into it.
core::Status ParseText(std::unique_ptr<std::string> arena, std::size_t size,
                       const TextContext& context) {
  const std::string_view text(arena->data(), size);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    if (!IsJsonLines(text.substr(first))) return ParseKrakenBookDocument(text, context);
    JsonLinesParser(context.file_index, context.name, context.stats, context.out).Parse(text);
  } else if (LooksLikeZip(text)) {
    return core::Status(core::ErrorCode::kIoError,
                        fmt::format("{}: nested ZIP archives are not supported", context.where));
  } else {
    FileParser(context.file_index, context.name, context.hint, context.stats, context.out)
        .Parse(text);
  }
  context.storage->push_back(std::move(arena));
  return core::Status::Ok();
}

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
    auto name = std::make_unique<std::string>(files[i].filename().string());
    auto hint = std::make_unique<std::string>(SymbolHint(files[i]));
    TextContext context;
    context.file_index = static_cast<std::uint32_t>(i);
    context.hint = *hint;
    context.stats = &capture.stats_;
    context.out = &per_file[i];
    context.storage = &capture.storage_;
    const std::string path = files[i].string();
    if (LooksLikeZip(*data)) {
      core::Result<std::vector<ZipMember>> members = ReadZipArchive(*data, path);
      if (!members.ok()) return members.status();
      data = std::string();  // the compressed bytes are no longer needed
      for (ZipMember& member : *members) {
        // Bad lines read "archive.zip/member:line"; the records' `line` counts within the member.
        auto member_name = std::make_unique<std::string>(*name + "/" + member.name);
        const std::string where = path + "/" + member.name;
        context.name = *member_name;
        context.where = where;
        capture.storage_.push_back(std::move(member_name));
        const std::size_t size = member.size;
        core::Status status =
            ParseText(std::make_unique<std::string>(std::move(member.text)), size, context);
        if (!status.ok()) return status;
      }
    } else {
      auto arena = std::make_unique<std::string>(std::move(data).value());
      const std::size_t size = arena->size();
      arena->append(kCapturePadding, ' ');
      context.name = *name;
      context.where = path;
      core::Status status = ParseText(std::move(arena), size, context);
      if (!status.ok()) return status;
    }
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
