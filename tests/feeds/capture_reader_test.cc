#include "feeds/capture/capture_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>
#include <unistd.h>

#include "tests/support/fixtures.h"

namespace tradingd::feeds {
namespace {

// ---- A ZIP writer for the archive tests: the reader is checked against bytes built here, by the
// book (APPNOTE 4.3), not against its own idea of the format.

void PutLe16(std::string* out, std::uint32_t value) {
  out->push_back(static_cast<char>(value & 0xff));
  out->push_back(static_cast<char>((value >> 8) & 0xff));
}
void PutLe32(std::string* out, std::uint32_t value) {
  PutLe16(out, value & 0xffff);
  PutLe16(out, value >> 16);
}
void SetLe16(std::string* zip, std::size_t at, std::uint32_t value) {
  (*zip)[at] = static_cast<char>(value & 0xff);
  (*zip)[at + 1] = static_cast<char>((value >> 8) & 0xff);
}
void SetLe32(std::string* zip, std::size_t at, std::uint32_t value) {
  SetLe16(zip, at, value & 0xffff);
  SetLe16(zip, at + 2, value >> 16);
}
std::uint32_t GetLe32(const std::string& zip, std::size_t at) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(zip[at + i]);
  return value;
}

std::string RawDeflate(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct ZipEntry {
  std::string name;
  std::string data;
  bool deflate = false;
  bool data_descriptor = false;  // sizes and CRC after the data, zero in the local header
};

std::string BuildZip(const std::vector<ZipEntry>& entries) {
  std::string zip, directory;
  for (const ZipEntry& entry : entries) {
    const auto crc =
        static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(entry.data.data()),
                                         static_cast<uInt>(entry.data.size())));
    const std::string body = entry.deflate ? RawDeflate(entry.data) : entry.data;
    const std::uint32_t flags = entry.data_descriptor ? 0x0008 : 0;
    const std::uint32_t method = entry.deflate ? 8 : 0;
    const auto offset = static_cast<std::uint32_t>(zip.size());
    const auto csize = static_cast<std::uint32_t>(body.size());
    const auto size = static_cast<std::uint32_t>(entry.data.size());
    PutLe32(&zip, 0x04034b50);
    PutLe16(&zip, 20);  // version needed
    PutLe16(&zip, flags);
    PutLe16(&zip, method);
    PutLe32(&zip, 0);  // time, date
    PutLe32(&zip, entry.data_descriptor ? 0 : crc);
    PutLe32(&zip, entry.data_descriptor ? 0 : csize);
    PutLe32(&zip, entry.data_descriptor ? 0 : size);
    PutLe16(&zip, static_cast<std::uint32_t>(entry.name.size()));
    PutLe16(&zip, 0);  // extra
    zip += entry.name;
    zip += body;
    if (entry.data_descriptor) {
      PutLe32(&zip, 0x08074b50);
      PutLe32(&zip, crc);
      PutLe32(&zip, csize);
      PutLe32(&zip, size);
    }
    PutLe32(&directory, 0x02014b50);
    PutLe16(&directory, 0x0314);  // made by: Unix, 2.0
    PutLe16(&directory, 20);
    PutLe16(&directory, flags);
    PutLe16(&directory, method);
    PutLe32(&directory, 0);
    PutLe32(&directory, crc);
    PutLe32(&directory, csize);
    PutLe32(&directory, size);
    PutLe16(&directory, static_cast<std::uint32_t>(entry.name.size()));
    PutLe32(&directory, 0);  // extra, comment
    PutLe32(&directory, 0);  // disk, internal attributes
    PutLe32(&directory, 0);  // external attributes
    PutLe32(&directory, offset);
    directory += entry.name;
  }
  const auto directory_offset = static_cast<std::uint32_t>(zip.size());
  zip += directory;
  PutLe32(&zip, 0x06054b50);
  PutLe32(&zip, 0);  // disk numbers
  PutLe16(&zip, static_cast<std::uint32_t>(entries.size()));
  PutLe16(&zip, static_cast<std::uint32_t>(entries.size()));
  PutLe32(&zip, static_cast<std::uint32_t>(directory.size()));
  PutLe32(&zip, directory_offset);
  PutLe16(&zip, 0);  // comment
  return zip;
}

// Where things are in BuildZip's output.
std::size_t DirectoryOffset(const std::string& zip) { return GetLe32(zip, zip.size() - 22 + 16); }
std::size_t DirectoryEntry(const std::string& zip, std::size_t index) {
  std::size_t at = DirectoryOffset(zip);
  for (std::size_t i = 0; i < index; ++i) {
    at += 46 + (GetLe32(zip, at + 28) & 0xffff);  // the fixed part, then the name
  }
  return at;
}
std::size_t LocalHeader(const std::string& zip, std::size_t index) {
  return GetLe32(zip, DirectoryEntry(zip, index) + 42);
}

// Bybit-shaped lines: a stored member, and a deflated one with a blank line, a line without "ts",
// a line that is not JSON, and no final line end; plus a directory entry.
constexpr char kBybitSnapshot[] =
    "{\"topic\":\"orderbook.1.XRPUSDT\",\"type\":\"snapshot\",\"ts\":1733011200691,"
    "\"data\":{\"s\":\"XRPUSDT\",\"b\":[[\"1.9531\",\"6203\"]],\"a\":[],\"u\":1,"
    "\"seq\":7},\"cts\":1733011200688}";
constexpr char kBybitDelta[] =
    "{\"topic\":\"orderbook.1.XRPUSDT\",\"type\":\"delta\",\"ts\":1733011200791}";

std::vector<ZipEntry> TestArchive() {
  return {{"a.data", std::string(kBybitSnapshot) + "\r\n" + kBybitDelta + "\r\n", false, false},
          {"dir/", "", false, false},
          {"dir/b.data", "\r\n{\"ts\":5}\r\n{\"no_ts\":1}\r\nnot json\r\n{\"ts\":7}", true, false}};
}

// True when `payload` has no whitespace outside its strings.
bool IsMinified(std::string_view payload) {
  bool in_string = false;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const char c = payload[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      return false;
    }
  }
  return true;
}

class CaptureReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tradingd_capture_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path Write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path WriteGz(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
    gzclose(file);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(CaptureReaderTest, CryptofeedText) {
  const auto path = Write("BINANCE.ws.1.0",
                          "wss://stream.binance.com:9443/stream?streams=a@depth <-> 1633998511.159679\n"
                          "wss://stream.binance.com:9443/stream?streams=a@depth <- 1633998511.2: "
                          "{\"method\":\"SUBSCRIBE\"}\n"
                          "1633998512.0633569: {\"stream\":\"a\",\"data\":{}}\r\n"
                          "configuration: {\"x\":1}\n"
                          "\n"
                          "this is not a record\n"
                          "1633998513: \n"
                          "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000 -> "
                          "1633998512.320639: {\"lastUpdateId\":1}\n"
                          "1633998514.5: [1]");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto& records = capture->records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].kind, CaptureKind::kConnectionOpened);
  EXPECT_EQ(records[0].url, "wss://stream.binance.com:9443/stream?streams=a@depth");
  EXPECT_EQ(records[0].timestamp_ns, 1633998511159679000);
  EXPECT_EQ(records[1].kind, CaptureKind::kFrame);
  EXPECT_EQ(records[1].timestamp_ns, 1633998512063356900);
  EXPECT_EQ(records[1].payload, "{\"stream\":\"a\",\"data\":{}}");
  EXPECT_EQ(records[1].url, records[0].url);
  EXPECT_EQ(records[2].kind, CaptureKind::kRestResponse);
  EXPECT_EQ(records[2].symbol, "NKNUSDT");
  EXPECT_EQ(records[2].payload, "{\"lastUpdateId\":1}");
  EXPECT_EQ(records[2].line, 8u);
  EXPECT_EQ(records[3].payload, "[1]");
  // The last payload of the file still has its padding.
  EXPECT_EQ(records[3].payload.data()[records[3].payload.size() + kCapturePadding - 1], ' ');
  EXPECT_EQ(capture->stats().bad_lines, 2u);
  EXPECT_EQ(capture->stats().skipped, 3u);
  ASSERT_EQ(capture->stats().errors.size(), 2u);
  EXPECT_NE(capture->stats().errors[0].find("BINANCE.ws.1.0:6"), std::string::npos);
}

TEST_F(CaptureReaderTest, HftbacktestGzipAndMerge) {
  const auto gz = WriteGz("ethusdt_20240101.gz",
                          "1000 {\"stream\":\"a\"}\n"
                          "3000 {\"lastUpdateId\":5,\"bids\":[],\"asks\":[]}\n"
                          "2500 {\"stream\":\"late clock\"}\n"
                          "garbage\n"
                          "4000 {\"stream\":\"b\"}\n");
  const auto text = Write("other.ws.1.0", "0.000002: {\"x\":1}\n0.000003: {\"x\":2}\n0.000004: {\"x\":3}\n");
  const std::array<std::filesystem::path, 2> files{gz, text};
  auto capture = LoadCapture(files);
  ASSERT_TRUE(capture.ok());
  const auto& r = capture->records();
  ASSERT_EQ(r.size(), 7u);
  std::vector<std::int64_t> times;
  for (const auto& record : r) times.push_back(record.timestamp_ns);
  // File order is kept even when its clock steps back (3000 then 2500); ties go to the first file.
  EXPECT_EQ(times, (std::vector<std::int64_t>{1000, 2000, 3000, 2500, 3000, 4000, 4000}));
  EXPECT_EQ(r[3].file_index, 0u);
  EXPECT_EQ(r[4].file_index, 1u);
  EXPECT_EQ(r[5].file_index, 0u);
  EXPECT_EQ(r[2].kind, CaptureKind::kRestResponse);
  EXPECT_EQ(r[2].symbol, "ETHUSDT");
  EXPECT_TRUE(r[2].url.empty());
  EXPECT_EQ(capture->stats().bad_lines, 1u);
}

TEST_F(CaptureReaderTest, MissingFileIsAnError) {
  auto capture = LoadCapture(dir_ / "nope.gz");
  EXPECT_FALSE(capture.ok());
}

TEST_F(CaptureReaderTest, TruncatedGzipKeepsWhatDecoded) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(1000 + i) + " {\"i\":" + std::to_string(i) + "}\n";
  const auto gz = WriteGz("x.gz", text);
  const auto size = std::filesystem::file_size(gz);
  std::filesystem::resize_file(gz, size / 2);
  auto capture = LoadCapture(gz);
  ASSERT_TRUE(capture.ok());
  EXPECT_FALSE(capture->stats().errors.empty());
  EXPECT_LT(capture->records().size(), 20000u);
}

TEST(RestUrlSymbol, FindsTheParameter) {
  EXPECT_EQ(RestUrlSymbol("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000"),
            "BTCUSDT");
  EXPECT_EQ(RestUrlSymbol("https://fapi.binance.com/fapi/v1/depth?limit=5&symbol=ETHUSDT"),
            "ETHUSDT");
  EXPECT_EQ(RestUrlSymbol("https://api.binance.com/api/v3/exchangeInfo"), "");
  EXPECT_EQ(RestUrlSymbol("https://x/y?notsymbol=1"), "");
}

TEST(CaptureFixture, SpotHftbacktest) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  EXPECT_EQ(capture->stats().bad_lines, 0u);
  EXPECT_EQ(capture->records().size(), 41249u);
  int rest = 0;
  for (const auto& record : capture->records()) rest += record.kind == CaptureKind::kRestResponse;
  EXPECT_EQ(rest, 1);
  // The snapshot is the 8th line: buffered diffs come first, as in Binance's procedure.
  EXPECT_EQ(capture->records()[7].kind, CaptureKind::kRestResponse);
  EXPECT_EQ(capture->records()[7].symbol, "BTCUSDT");
  EXPECT_EQ(capture->records()[7].line, 8u);
}

TEST(CaptureFixture, CryptofeedBinance) {
  TRADINGD_REQUIRE_FIXTURE(ws, "binance/BINANCE.ws.1.0");
  TRADINGD_REQUIRE_FIXTURE(http, "binance/BINANCE.http.0.0");
  const std::array<std::filesystem::path, 2> files{ws, http};
  auto capture = LoadCapture(files);
  ASSERT_TRUE(capture.ok());
  EXPECT_EQ(capture->stats().bad_lines, 0u);
  int rest = 0, opened = 0;
  for (const auto& record : capture->records()) {
    rest += record.kind == CaptureKind::kRestResponse;
    opened += record.kind == CaptureKind::kConnectionOpened;
  }
  EXPECT_EQ(rest, 4);
  EXPECT_EQ(opened, 1);
}

TEST_F(CaptureReaderTest, ZipStoredAndDeflatedMembers) {
  const auto path = Write("test.zip", BuildZip(TestArchive()));
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto& r = capture->records();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].kind, CaptureKind::kFrame);
  EXPECT_EQ(r[0].payload, kBybitSnapshot);  // the CR is not part of the message
  EXPECT_EQ(r[0].timestamp_ns, 1733011200691000000);
  EXPECT_EQ(r[0].line, 1u);
  EXPECT_EQ(r[1].payload, kBybitDelta);
  EXPECT_EQ(r[1].timestamp_ns, 1733011200791000000);
  // The second member keeps its order after the first (one file), though its clock is earlier.
  EXPECT_EQ(r[2].payload, "{\"ts\":5}");
  EXPECT_EQ(r[2].timestamp_ns, 5000000);
  EXPECT_EQ(r[2].line, 2u);
  EXPECT_EQ(r[3].payload, "{\"ts\":7}");
  EXPECT_EQ(r[3].line, 5u);
  EXPECT_EQ(r[3].file_index, 0u);
  EXPECT_EQ(r[3].payload.data()[r[3].payload.size() + kCapturePadding - 1], ' ');
  EXPECT_EQ(capture->stats().records, 4u);
  EXPECT_EQ(capture->stats().skipped, 1u);
  EXPECT_EQ(capture->stats().bad_lines, 2u);
  ASSERT_EQ(capture->stats().errors.size(), 2u);
  EXPECT_NE(capture->stats().errors[0].find("test.zip/dir/b.data:3: no \"ts\""), std::string::npos)
      << capture->stats().errors[0];
  EXPECT_NE(capture->stats().errors[1].find("test.zip/dir/b.data:4: malformed JSON"),
            std::string::npos)
      << capture->stats().errors[1];
}

TEST_F(CaptureReaderTest, ZipDataDescriptorUsesTheCentralDirectory) {
  const std::string lines = std::string(kBybitDelta) + "\n" + kBybitDelta;
  const auto path = Write("dd.zip", BuildZip({{"x.data", lines, true, true}}));
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  ASSERT_EQ(capture->records().size(), 2u);
  EXPECT_EQ(capture->records()[1].payload, kBybitDelta);
}

TEST_F(CaptureReaderTest, ZipEveryTruncationIsAnError) {
  const std::string zip = BuildZip(TestArchive());
  for (std::size_t size = 1; size < zip.size(); ++size) {
    const auto path = Write("cut.zip", zip.substr(0, size));
    auto capture = LoadCapture(path);
    if (size < 4) {
      // Shorter than the signature: not recognisably a ZIP, so text with nothing to replay.
      EXPECT_TRUE(!capture.ok() || capture->records().empty()) << size;
      continue;
    }
    ASSERT_FALSE(capture.ok()) << "truncated to " << size << " bytes";
    EXPECT_NE(capture.status().message().find("cut.zip: ZIP archive: "), std::string::npos)
        << capture.status().message();
  }
}

TEST_F(CaptureReaderTest, ZipHostileHeadersAreClearErrors) {
  const std::string good = BuildZip(TestArchive());
  // Member 0 is stored, member 2 deflated (member 1 is the directory).
  const std::size_t stored_data = LocalHeader(good, 0) + 30 + 6;
  const std::size_t deflated_local = LocalHeader(good, 2);
  const std::size_t deflated_entry = DirectoryEntry(good, 2);
  const std::size_t deflated_data = deflated_local + 30 + 10;
  const std::uint32_t deflated_size = GetLe32(good, deflated_entry + 24);
  const std::uint32_t deflated_csize = GetLe32(good, deflated_entry + 20);
  const auto set_sizes = [&](std::string* zip, std::uint32_t csize, std::uint32_t size) {
    SetLe32(zip, deflated_entry + 20, csize);
    SetLe32(zip, deflated_entry + 24, size);
    SetLe32(zip, deflated_local + 18, csize);
    SetLe32(zip, deflated_local + 22, size);
  };
  struct Case {
    const char* expect;
    std::function<void(std::string*)> damage;
  };
  const std::vector<Case> cases = {
      {"bad central directory signature",
       [&](std::string* zip) { (*zip)[DirectoryOffset(*zip)] = 'X'; }},
      {"bad local header signature", [&](std::string* zip) { (*zip)[deflated_local] = 'X'; }},
      {"lies beyond the file",
       [&](std::string* zip) { SetLe32(zip, zip->size() - 22 + 16, zip->size()); }},
      {"run past the member area",
       [&](std::string* zip) { set_sizes(zip, 0x00ffffff, deflated_size); }},
      {"CRC-32", [&](std::string* zip) { (*zip)[stored_data] ^= 1; }},
      {"encrypted members are not supported",
       [&](std::string* zip) { SetLe16(zip, DirectoryEntry(*zip, 0) + 8, 1); }},
      {"compression method 12 is not supported",
       [&](std::string* zip) { SetLe16(zip, DirectoryEntry(*zip, 0) + 10, 12); }},
      {"ZIP64 members are not supported",
       [&](std::string* zip) { SetLe32(zip, deflated_entry + 24, 0xffffffff); }},
      {"past the 1073741824 byte limit",
       [&](std::string* zip) { set_sizes(zip, deflated_csize, 0x50000000); }},
      {"inflates past the",
       [&](std::string* zip) { set_sizes(zip, deflated_csize, deflated_size - 1); }},
      {"inflates to", [&](std::string* zip) { set_sizes(zip, deflated_csize, deflated_size + 1); }},
      {"the deflate stream is truncated",
       [&](std::string* zip) { set_sizes(zip, deflated_csize / 2, deflated_size); }},
      {"corrupt deflate data",
       [&](std::string* zip) { (*zip)[deflated_data] = static_cast<char>(0xff); }},
      {"stored, but",
       [&](std::string* zip) {
         SetLe32(zip, DirectoryEntry(*zip, 0) + 20, 3);
         SetLe32(zip, LocalHeader(*zip, 0) + 18, 3);
       }},
      {"the local header disagrees",
       [&](std::string* zip) { SetLe32(zip, LocalHeader(*zip, 0) + 14, 0xdeadbeef); }},
      {"multi-disk", [&](std::string* zip) { SetLe16(zip, zip->size() - 22 + 4, 1); }},
      {"holds no files", [&](std::string* zip) { *zip = BuildZip({}); }},  // the end record alone
  };
  // The directory entry's name must match BuildZip's layout for the offsets above.
  ASSERT_EQ(good.substr(deflated_local + 30, 10), "dir/b.data");
  for (const Case& c : cases) {
    std::string zip = good;
    c.damage(&zip);
    const auto path = Write("bad.zip", zip);
    auto capture = LoadCapture(path);
    ASSERT_FALSE(capture.ok()) << c.expect;
    EXPECT_NE(capture.status().message().find(c.expect), std::string::npos)
        << "expected \"" << c.expect << "\" in: " << capture.status().message();
    EXPECT_NE(capture.status().message().find("bad.zip"), std::string::npos);
  }
}

// A pretty-printed Kraken SDK document: extra keys, spaces inside strings, a message whose
// timestamp sits at the top level with an offset, and one with none.
const char kKrakenDocument[] = R"({
  "meta": { "note": "ignored" },
  "init": {
    "channel": "book",
    "type": "snapshot",
    "data": [ { "symbol": "BTC / USD", "bids": [ { "price": 29430.2, "qty": 4.0 } ] } ]
  },
  "updates": [
    {
      "channel": "book", "type": "update",
      "data": [ { "symbol": "BTC / USD", "timestamp": "2023-07-30T15:29:58.343415Z" } ]
    },
    { "channel": "book", "type": "update", "data": [ { "symbol": "BTC / USD" } ] },
    { "type": "update", "timestamp": "2023-07-30T17:30:00.5+02:00", "data": [] }
  ]
})";

TEST_F(CaptureReaderTest, KrakenDocumentMinifiedInOrder) {
  auto capture = LoadCapture(Write("book.json", std::string(kKrakenDocument) + "\n"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto& r = capture->records();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].payload,
            "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC / USD\","
            "\"bids\":[{\"price\":29430.2,\"qty\":4.0}]}]}");
  EXPECT_EQ(r[1].payload,
            "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC / USD\","
            "\"timestamp\":\"2023-07-30T15:29:58.343415Z\"}]}");
  EXPECT_EQ(r[3].payload,
            "{\"type\":\"update\",\"timestamp\":\"2023-07-30T17:30:00.5+02:00\",\"data\":[]}");
  // The init takes the first timestamp; a message without one keeps the previous one.
  EXPECT_EQ(r[0].timestamp_ns, 1690730998343415000);
  EXPECT_EQ(r[1].timestamp_ns, 1690730998343415000);
  EXPECT_EQ(r[2].timestamp_ns, 1690730998343415000);
  EXPECT_EQ(r[3].timestamp_ns, 1690731000500000000);
  EXPECT_EQ(r[0].line, 3u);
  EXPECT_EQ(r[1].line, 9u);
  EXPECT_EQ(r[2].line, 13u);
  for (const auto& record : r) EXPECT_EQ(record.kind, CaptureKind::kFrame);
  // One message a line in the new arena, and the padding after the last.
  EXPECT_EQ(r[0].payload.data() + r[0].payload.size() + 1, r[1].payload.data());
  EXPECT_EQ(r[3].payload.data()[r[3].payload.size() + kCapturePadding], ' ');
  EXPECT_EQ(capture->stats().records, 4u);
  EXPECT_EQ(capture->stats().lines, 16u);
  EXPECT_EQ(capture->stats().bad_lines, 0u);
}

TEST_F(CaptureReaderTest, KrakenDocumentOnOneLineInitAfterUpdates) {
  auto capture = LoadCapture(
      Write("book.json", "{\"updates\":[{\"type\":\"update\"}],\"init\":{\"type\":\"snapshot\"}}"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto& r = capture->records();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].payload, "{\"type\":\"snapshot\"}");
  EXPECT_EQ(r[1].payload, "{\"type\":\"update\"}");
  EXPECT_EQ(r[0].timestamp_ns, 0);
  EXPECT_EQ(r[1].timestamp_ns, 0);
}

TEST_F(CaptureReaderTest, KrakenDocumentHostileShapesAreClearErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\n  \"init\": {\"type\": \"snapshot\"},\n  \"updates\": {\"0\": {}}\n}\n",
       "\"updates\" is not an array"},
      {"{\"init\":{},\"updates\":5}", "\"updates\" is not an array"},
      {"{\"init\":{},\"updates\":[{},1]}", "\"updates\"[1] is not an object"},
      {"{\"init\":[],\"updates\":[]}", "\"init\" is not an object"},
      {"{\"updates\":[]}", "no \"init\""},
      {"{\n  \"a\": 1\n}\n", "no \"init\""},
      {"{\"init\":{},\"init\":{},\"updates\":[]}", "duplicate \"init\""},
      {"{\"init\":{},\"updates\":[{\"timestamp\":\"yesterday\"}]}",
       "\"updates\"[0]: \"timestamp\" is not an RFC 3339 time: \"yesterday\""},
      {"{\"init\":{},\"updates\":[{\"data\":[{\"timestamp\":\"2023-02-30T00:00:00Z\"}]}]}",
       "not an RFC 3339 time"},
      {"{\"init\":{},\"updates\":[{\"timestamp\":17}]}", "not an RFC 3339 time"},
      {std::string(kKrakenDocument) + "\n{}\n", "malformed JSON"},
      {"{\n  \"init\": {}, \"updates\": [] ,\n}", "malformed JSON"},
  };
  for (const auto& [text, expect] : cases) {
    auto capture = LoadCapture(Write("book.json", text));
    ASSERT_FALSE(capture.ok()) << text;
    EXPECT_NE(capture.status().message().find(expect), std::string::npos)
        << "expected '" << expect << "' in: " << capture.status().message();
    EXPECT_NE(capture.status().message().find("book.json: Kraken book capture"), std::string::npos);
  }
}

TEST_F(CaptureReaderTest, KrakenDocumentEveryTruncationIsAnError) {
  const std::string text = kKrakenDocument;
  for (std::size_t size = 1; size < text.size(); ++size) {
    auto capture = LoadCapture(Write("cut.json", text.substr(0, size)));
    ASSERT_FALSE(capture.ok()) << "truncated to " << size << " bytes";
    EXPECT_NE(capture.status().message().find("malformed JSON"), std::string::npos)
        << capture.status().message();
  }
}

TEST(CaptureFixture, KrakenSdkOrderbookV2) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/orderbook-v2.json");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto& r = capture->records();
  ASSERT_EQ(r.size(), 510u);  // the init and 509 updates
  EXPECT_TRUE(r[0].payload.starts_with("{\"channel\":\"book\",\"type\":\"snapshot\""))
      << r[0].payload.substr(0, 80);
  EXPECT_EQ(r[0].line, 2u);
  EXPECT_TRUE(r[1].payload.starts_with("{\"channel\":\"book\",\"type\":\"update\""));
  EXPECT_EQ(r[1].timestamp_ns, 1690730998343415000);      // 2023-07-30T15:29:58.343415Z
  EXPECT_EQ(r[0].timestamp_ns, r[1].timestamp_ns);        // the init has none of its own
  EXPECT_EQ(r.back().timestamp_ns, 1690731049008834000);  // 2023-07-30T15:30:49.008834Z
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].kind, CaptureKind::kFrame);
    ASSERT_TRUE(IsMinified(r[i].payload)) << i;
    if (i > 0) {
      ASSERT_GE(r[i].timestamp_ns, r[i - 1].timestamp_ns) << i;
    }
  }
  EXPECT_EQ(capture->stats().bad_lines, 0u);
}

TEST(CaptureFixture, BybitOrderbookArchive) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/xrpusdt-ob500.data.zip");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto& r = capture->records();
  ASSERT_EQ(r.size(), 50u);  // `unzip -p FILE | grep -c .` counts 50 lines
  EXPECT_TRUE(r[0].payload.starts_with(
      "{\"topic\":\"orderbook.500.XRPUSDT\",\"type\":\"snapshot\",\"ts\":1733011200691,"));
  EXPECT_EQ(r[0].timestamp_ns, 1733011200691000000);
  EXPECT_EQ(r.back().timestamp_ns, 1733011205490000000);
  int deltas = 0;
  for (const auto& record : r) {
    EXPECT_EQ(record.kind, CaptureKind::kFrame);
    EXPECT_EQ(record.payload.back(), '}');  // CRLF trimmed
    deltas += record.payload.find("\"type\":\"delta\"") != std::string_view::npos;
  }
  EXPECT_EQ(deltas, 49);
  EXPECT_EQ(capture->stats().bad_lines, 0u);
  EXPECT_TRUE(capture->stats().errors.empty());
}

}  // namespace
}  // namespace tradingd::feeds
