// The order path's CPU costs, without sockets:
//   BM_RiskCheck           PreTradeRisk::Check of a limit buy (rules, collar, limits, balance,
//                          rate windows) that passes;
//   BM_RiskRefusal         the same refused at the balance check (the message is formatted);
//   BM_EncodeSign/<venue>  a limit order's request as each venue's gateway builds it: parameters
//                          or JSON body, timestamp or nonce, signature, headers (gateways/<venue>);
//   BM_OrderManagerCycle   an order through the order manager on the engine thread: PlaceOrder
//                          command → risk → reservation → gateway call → venue ack → reply.
// Run: build/bench/order_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "core/clock.h"
#include "core/order_port.h"
#include "engine/order_manager.h"
#include "gateways/binance/binance_gateway.h"
#include "gateways/bybit/bybit_gateway.h"
#include "gateways/coinbase/coinbase_gateway.h"
#include "gateways/coinbase/coinbase_jwt.h"
#include "gateways/kraken/kraken_gateway.h"
#include "gateways/okx/okx_gateway.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"

namespace {

using namespace tradingd;

std::int64_t Units(std::string_view text) {
  std::int64_t mantissa = 0;
  if (core::ParseDecimal(text, 8, &mantissa) != core::DecimalError::kOk) std::abort();
  return mantissa;
}

struct Fixture {
  Fixture() {
    instrument = *registry.Add(core::Venue::kBinance, "BTC", "USDT");
    rules.instrument = instrument;
    rules.tick_size = core::Price::FromMantissa(Units("0.01"));
    rules.lot_size = core::Quantity::FromMantissa(Units("0.00001"));
    rules.min_quantity = core::Quantity::FromMantissa(Units("0.00001"));
    rules.max_quantity = core::Quantity::FromMantissa(INT64_MAX);
    rules.min_notional = core::Price::FromMantissa(Units("5"));
    rules.status = core::TradingStatus::kTrading;
    market.instrument = &registry.Get(instrument);
    market.rules = &rules;
    market.book_state = core::BookState::kLive;
    market.best_bid = core::Price::FromMantissa(Units("61685.99"));
    market.best_ask = core::Price::FromMantissa(Units("61686.00"));
    account.available_quote = core::Amount::FromMantissa(Units("100000"));
    account.available_base = core::Amount::FromMantissa(Units("10"));
    account.base_position = account.available_base;
    account.base_position_with_open_buys = account.available_base;
    account.taker_fee_ppm = 1000;
    // Binance's published windows, far from full: the check walks them as it does live.
    limiter.Configure(core::Venue::kBinance, risk::DefaultRateLimits(core::Venue::kBinance));
    spec.instrument = instrument;
    spec.side = core::Side::kBuy;
    spec.type = core::OrderType::kLimit;
    spec.quantity = core::Quantity::FromMantissa(Units("0.001"));
    spec.price = core::Price::FromMantissa(Units("61680.00"));
    spec.client_order_id = core::ClientOrderId::FromBits(0x0123456789abcdefULL, 42);
  }
  core::SymbolRegistry registry;
  core::InstrumentId instrument = 0;
  core::InstrumentRules rules;
  risk::MarketContext market;
  risk::AccountContext account;
  risk::RateLimiter limiter;
  core::OrderSpec spec;
};

void BM_RiskCheck(benchmark::State& state) {
  Fixture f;
  risk::RiskLimits limits;
  limits.default_max_order_notional = core::Amount::FromMantissa(Units("50000"));
  limits.max_position["BTC"] = core::Amount::FromMantissa(Units("20"));
  risk::PreTradeRisk risk(limits, &f.limiter);
  std::int64_t now = 0;
  for (auto _ : state) {
    // 1 s apart (time is an argument): neither the 50-per-10-s nor the per-day window fills.
    now += 1'000'000'000;
    auto result = risk.Check(f.spec, f.market, f.account, now);
    if (result.index() != 0) state.SkipWithError("refused");
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_RiskCheck);

void BM_RiskRefusal(benchmark::State& state) {
  Fixture f;
  f.account.available_quote = core::Amount::FromMantissa(Units("1"));
  risk::PreTradeRisk risk(risk::RiskLimits{}, &f.limiter);
  for (auto _ : state) {
    auto result = risk.Check(f.spec, f.market, f.account, 0);
    if (result.index() != 1) state.SkipWithError("approved");
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_RiskRefusal);

// Made-up keys in each venue's format (not live keys).
std::unique_ptr<gateways::OrderProtocol> MakeProtocol(core::Venue venue, bool advanced_trade) {
  core::Result<std::unique_ptr<gateways::OrderProtocol>> protocol =
      std::unique_ptr<gateways::OrderProtocol>();
  switch (venue) {
    case core::Venue::kBinance:
      protocol = gateways::binance::MakeBinanceOrderProtocol(
          {"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
           "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
           std::chrono::milliseconds(5000)});
      break;
    case core::Venue::kKraken:
      protocol = gateways::kraken::MakeKrakenOrderProtocol(
          {"bm90LWEtcmVhbC1rcmFrZW4ta2V5",
           "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="});
      break;
    case core::Venue::kOkx:
      protocol = gateways::okx::MakeOkxOrderProtocol({"11111111-2222-4333-8444-555555555555",
                                                      "22582BD0CFF14C41EDBF1AB98506286D",
                                                      "passphrase", false,
                                                      std::chrono::milliseconds(5000)});
      break;
    case core::Venue::kBybit:
      protocol = gateways::bybit::MakeBybitOrderProtocol(
          {"XXXXXXXXXXXXXXXXXX", "2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki",
           std::chrono::milliseconds(5000), "spot"});
      break;
    case core::Venue::kCoinbase:
      if (advanced_trade) {
        auto pem = gateways::coinbase::GenerateTestPrivateKeyPem();
        if (!pem.ok()) std::abort();
        protocol = gateways::coinbase::MakeCoinbaseAdvancedTradeOrderProtocol(
            {"organizations/bench/apiKeys/bench", *pem, "api.coinbase.com"});
      } else {
        protocol = gateways::coinbase::MakeCoinbaseExchangeOrderProtocol(
            {"0123456789abcdef0123456789abcdef",
             "c2FuZGJveC1zZWNyZXQtZm9yLXRoZS1jb2luYmFzZS1zaW0=", "passphrase"});
      }
      break;
    default:
      break;
  }
  if (!protocol.ok() || *protocol == nullptr) std::abort();
  return std::move(*protocol);
}

void BM_EncodeSign(benchmark::State& state, core::Venue venue, bool advanced_trade) {
  core::SymbolRegistry registry;
  const core::InstrumentId id = *registry.Add(venue, "BTC", "USDT");
  Fixture f;
  core::OrderSpec spec = f.spec;
  spec.instrument = id;
  auto protocol = MakeProtocol(venue, advanced_trade);
  const core::Instrument& instrument = registry.Get(id);
  std::int64_t now_ms = 1714000000000;
  for (auto _ : state) {
    auto request = protocol->PlaceRequest(spec, instrument, ++now_ms);
    benchmark::DoNotOptimize(request);
  }
}
BENCHMARK_CAPTURE(BM_EncodeSign, binance, core::Venue::kBinance, false);
BENCHMARK_CAPTURE(BM_EncodeSign, kraken, core::Venue::kKraken, false);
BENCHMARK_CAPTURE(BM_EncodeSign, okx, core::Venue::kOkx, false);
BENCHMARK_CAPTURE(BM_EncodeSign, bybit, core::Venue::kBybit, false);
BENCHMARK_CAPTURE(BM_EncodeSign, coinbase_exchange, core::Venue::kCoinbase, false);
BENCHMARK_CAPTURE(BM_EncodeSign, coinbase_advanced_trade, core::Venue::kCoinbase, true);

class AckingGateway final : public core::GatewayPort {
 public:
  void Place(const core::Approved<core::OrderSpec>& order) override { last = order.order(); }
  void Cancel(const core::OrderRef&) override {}
  void Query(const core::OrderRef&) override {}
  void FetchBalances() override {}
  core::OrderSpec last;
};

class LiveMarket final : public engine::MarketView {
 public:
  explicit LiveMarket(const risk::MarketContext& market) : market_(market) {}
  risk::MarketContext Market(core::InstrumentId) const override { return market_; }

 private:
  risk::MarketContext market_;
};

void BM_OrderManagerCycle(benchmark::State& state) {
  Fixture f;
  LiveMarket market(f.market);
  risk::RateLimiter unlimited;
  risk::PreTradeRisk risk(risk::RiskLimits{}, &unlimited);
  core::ManualClock clock(1'714'000'000'000'000'000);
  AckingGateway gateway;
  engine::OrderManagerOptions options;
  options.poll_interval = std::chrono::milliseconds(0);
  engine::OrderManager orders(f.registry, clock, market, &risk, &unlimited, options);
  orders.SetGateway(core::Venue::kBinance, &gateway, core::KeyState::kValid);
  core::BalanceUpdate balance;
  balance.venue = core::Venue::kBinance;
  balance.flags = core::BalanceUpdate::kFirst | core::BalanceUpdate::kLast;
  balance.asset.Assign("USDT");
  balance.free = core::Amount::FromMantissa(Units("100000000"));
  orders.OnBalance(balance);

  core::OrderSpec spec = f.spec;
  bool answered = false;
  for (auto _ : state) {
    engine::Command command;
    command.body = engine::PlaceOrder{spec, false};
    command.reply = [&answered](engine::CommandResult) { answered = true; };
    orders.Execute(command);
    // The venue's ack: the order rests, then is cancelled so open orders do not pile up.
    core::OrderUpdate ack;
    ack.venue = core::Venue::kBinance;
    ack.instrument = spec.instrument;
    ack.client_order_id = gateway.last.client_order_id;
    ack.venue_order_id.Assign("28");
    ack.status = core::OrderStatus::kNew;
    orders.OnOrderUpdate(ack);
    ack.status = core::OrderStatus::kCanceled;
    ack.source = core::UpdateSource::kCancel;
    ack.has_filled = true;  // nothing filled: no last query owed
    orders.OnOrderUpdate(ack);
    if (!answered) state.SkipWithError("no reply");
    answered = false;
  }
}
BENCHMARK(BM_OrderManagerCycle);

}  // namespace

BENCHMARK_MAIN();
