// Request signing per venue, with the payload of a realistic limit order (what a gateway signs on
// the order path), and the Coinbase Advanced Trade ES256 JWT (sign and verify).
// Run: build/bench/signing_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// The HMAC signers reuse a keyed gateways::Hmac: the target is 300 ns per signature or less. ES256
// costs an EC scalar multiplication per signature and is expected in the tens of microseconds.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "gateways/binance/binance_signing.h"
#include "gateways/bybit/bybit_signing.h"
#include "gateways/coinbase/coinbase_jwt.h"
#include "gateways/kraken/kraken_signing.h"
#include "gateways/okx/okx_signing.h"

namespace {

namespace gw = tradingd::gateways;

// Made-up secrets in each venue's format (not live keys).
constexpr std::string_view kBinanceSecret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr std::string_view kKrakenSecret =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
constexpr std::string_view kOkxSecret = "22582BD0CFF14C41EDBF1AB98506286D";
constexpr std::string_view kBybitSecret = "2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki";

template <typename T>
T OrDie(tradingd::core::Result<T> result) {
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
    std::abort();
  }
  return std::move(result).value();
}

void BM_BinanceRestOrder(benchmark::State& state) {
  auto signer = OrDie(gw::binance::Signer::Create(kBinanceSecret));
  const std::string body =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100000&"
      "price=61685.99000000&newClientOrderId=tradingd-000000001&recvWindow=5000&"
      "timestamp=1714000000000";
  gw::binance::Signature signature;
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer.Sign("", body, &signature));
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_BinanceRestOrder);

void BM_BinanceWebSocketOrder(benchmark::State& state) {
  auto signer = OrDie(gw::binance::Signer::Create(kBinanceSecret));
  const std::vector<gw::binance::WebSocketParam> params = {
      {"symbol", "BTCUSDT"},
      {"side", "BUY"},
      {"type", "LIMIT"},
      {"timeInForce", "GTC"},
      {"quantity", "0.00100000"},
      {"price", "61685.99000000"},
      {"newClientOrderId", "tradingd-000000001"},
      {"recvWindow", "5000"},
      {"timestamp", "1714000000000"},
      {"apiKey", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"}};
  gw::binance::Signature signature;
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer.SignWebSocket(params, &signature));
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_BinanceWebSocketOrder);

void BM_KrakenAddOrder(benchmark::State& state) {
  auto signer = OrDie(gw::kraken::Signer::Create(kKrakenSecret));
  const std::string body =
      "nonce=1714000000000123&ordertype=limit&pair=XBTUSD&price=61685.9&type=buy&volume=0.001&"
      "cl_ord_id=tradingd-000000001";
  gw::kraken::Signature signature;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        signer.Sign("/0/private/AddOrder", "1714000000000123", body, &signature));
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_KrakenAddOrder);

void BM_OkxIsoTimestamp(benchmark::State& state) {
  std::int64_t unix_ms = 1714000000000;
  gw::okx::IsoTimestamp timestamp;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gw::okx::FormatIsoTimestamp(unix_ms++, &timestamp));
    benchmark::DoNotOptimize(timestamp);
  }
}
BENCHMARK(BM_OkxIsoTimestamp);

void BM_OkxPlaceOrder(benchmark::State& state) {
  auto signer = OrDie(gw::okx::Signer::Create(kOkxSecret));
  const std::string body =
      R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"tradingd000000001","side":"buy",)"
      R"("ordType":"limit","px":"61685.9","sz":"0.001"})";
  std::int64_t unix_ms = 1714000000000;
  gw::okx::IsoTimestamp timestamp;
  gw::okx::Signature signature;
  // The timestamp is formatted per request, so it is part of what is measured.
  for (auto _ : state) {
    benchmark::DoNotOptimize(gw::okx::FormatIsoTimestamp(unix_ms++, &timestamp));
    benchmark::DoNotOptimize(
        signer.Sign(timestamp.view(), "POST", "/api/v5/trade/order", body, &signature));
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_OkxPlaceOrder);

void BM_BybitCreateOrder(benchmark::State& state) {
  auto signer = OrDie(gw::bybit::Signer::Create("XXXXXXXXXXXXXXXXXX", kBybitSecret));
  const std::string body =
      R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001",)"
      R"("price":"61685.99","timeInForce":"GTC","orderLinkId":"tradingd-000000001"})";
  gw::bybit::Signature signature;
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer.Sign("1714000000000", "5000", body, &signature));
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_BybitCreateOrder);

constexpr std::string_view kCoinbaseKeyName =
    "organizations/7ffbb587-c89b-49a7-8e49-45186964fa12/apiKeys/"
    "afd4070c-a484-4c53-98a4-080efcef64d9";

void BM_CoinbaseJwtSign(benchmark::State& state) {
  const std::string pem = OrDie(gw::coinbase::GenerateTestPrivateKeyPem());
  auto signer = OrDie(gw::coinbase::JwtSigner::Create(kCoinbaseKeyName, pem));
  std::string jwt;
  std::int64_t now = 1714000000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        signer.Sign("POST", gw::coinbase::kRestHost, "/api/v3/brokerage/orders", now++, &jwt));
    benchmark::DoNotOptimize(jwt.data());
  }
}
BENCHMARK(BM_CoinbaseJwtSign);

void BM_CoinbaseJwtVerify(benchmark::State& state) {
  const std::string pem = OrDie(gw::coinbase::GenerateTestPrivateKeyPem());
  auto signer = OrDie(gw::coinbase::JwtSigner::Create(kCoinbaseKeyName, pem));
  auto verifier = OrDie(gw::coinbase::JwtVerifier::FromPrivateKey(kCoinbaseKeyName, pem));
  std::string jwt;
  if (!signer.Sign("POST", gw::coinbase::kRestHost, "/api/v3/brokerage/orders", 1714000000, &jwt)) {
    std::abort();
  }
  const std::string uri = "POST api.coinbase.com/api/v3/brokerage/orders";
  for (auto _ : state) {
    const tradingd::core::Status status = verifier.Verify(jwt, uri, 1714000001);
    if (!status.ok()) state.SkipWithError(status.message().c_str());
    benchmark::DoNotOptimize(status);
  }
}
BENCHMARK(BM_CoinbaseJwtVerify);

}  // namespace

BENCHMARK_MAIN();
