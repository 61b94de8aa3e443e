#include "feeds/capture/capture_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "tests/support/fixtures.h"

namespace tradingd::feeds {
namespace {

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

}  // namespace
}  // namespace tradingd::feeds
