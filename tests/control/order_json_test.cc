// POST /api/trading/order's fields: every mistake is a 400 that names the field, and a valid order
// becomes exactly the OrderSpec it describes.
#include "control/order_json.h"

#include <gtest/gtest.h>

#include <string>

#include "control/request_json.h"
#include "core/instrument.h"

namespace tradingd::control {
namespace {

constexpr FieldSpec kFields[] = {
    {"side", FieldType::kString, true},        {"order_type", FieldType::kString, true},
    {"quantity", FieldType::kString, true},    {"price", FieldType::kString, false},
    {"stop_price", FieldType::kString, false}, {"time_in_force", FieldType::kString, false},
    {"post_only", FieldType::kBool, false},    {"client_order_id", FieldType::kString, false},
};

class OrderJsonTest : public ::testing::Test {
 protected:
  OrderJsonTest() { id_ = *registry_.Add(core::Venue::kBinance, "BTC", "USDT"); }

  core::Result<engine::PlaceOrder> Parse(const std::string& body) {
    auto fields = RequestFields::Parse(body, kFields);
    if (!fields.ok()) return fields.status();
    return ParseOrderRequest(*fields, registry_.Get(id_));
  }
  // The request is refused as a bad request whose message names `field`.
  void ExpectRefused(const std::string& body, const std::string& field) {
    auto parsed = Parse(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.status().code(), core::ErrorCode::kBadRequest) << body;
    EXPECT_NE(parsed.status().message().find(field), std::string::npos)
        << body << " → " << parsed.status().message();
  }

  core::SymbolRegistry registry_;
  core::InstrumentId id_ = 0;
};

TEST_F(OrderJsonTest, ALimitOrderBecomesItsSpec) {
  auto parsed = Parse(
      R"({"side":"BUY","order_type":"LIMIT","quantity":"0.001","price":"45000.50",)"
      R"("time_in_force":"IOC","client_order_id":"0123456789abcdef0123456789abcdef"})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const core::OrderSpec& spec = parsed->spec;
  EXPECT_EQ(spec.instrument, id_);
  EXPECT_EQ(spec.side, core::Side::kBuy);
  EXPECT_EQ(spec.type, core::OrderType::kLimit);
  EXPECT_EQ(spec.time_in_force, core::TimeInForce::kIoc);
  EXPECT_EQ(spec.quantity.mantissa(), 100'000);         // 0.001 at 8 decimals
  EXPECT_EQ(spec.price.mantissa(), 4'500'050'000'000);  // 45000.50 at 8 decimals
  EXPECT_TRUE(parsed->client_order_id_given);
  EXPECT_EQ(spec.client_order_id.view(), "0123456789abcdef0123456789abcdef");
}

TEST_F(OrderJsonTest, LowerCaseEnumsAreAcceptedAndStopsTakeTheirStopPrice) {
  auto parsed = Parse(
      R"({"side":"sell","order_type":"stop_loss_limit","quantity":"1","price":"40000",)"
      R"("stop_price":"40100"})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->spec.type, core::OrderType::kStopLossLimit);
  EXPECT_EQ(parsed->spec.stop_price.mantissa(), 4'010'000'000'000);
  EXPECT_FALSE(parsed->client_order_id_given);
}

TEST_F(OrderJsonTest, EveryMistakeNamesItsField) {
  ExpectRefused(R"({"side":"HOLD","order_type":"LIMIT","quantity":"1","price":"1"})", "side");
  ExpectRefused(R"({"side":"BUY","order_type":"ICEBERG","quantity":"1"})", "order_type");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"0"})", "quantity");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"-1"})", "quantity");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"1e3"})", "quantity");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"0.000000001"})", "quantity");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"99999999999999"})", "quantity");
  ExpectRefused(R"({"side":"BUY","order_type":"LIMIT","quantity":"1"})", "price");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"1","price":"1"})", "price");
  ExpectRefused(R"({"side":"BUY","order_type":"STOP_LOSS","quantity":"1"})", "stop_price");
  ExpectRefused(R"({"side":"BUY","order_type":"LIMIT","quantity":"1","price":"1","stop_price":"1"})",
                "stop_price");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"1","time_in_force":"IOC"})",
                "time_in_force");
  ExpectRefused(R"({"side":"BUY","order_type":"LIMIT","quantity":"1","price":"1","time_in_force":"DAY"})",
                "time_in_force");
  ExpectRefused(
      R"({"side":"BUY","order_type":"LIMIT","quantity":"1","price":"1","time_in_force":"FOK","post_only":true})",
      "post_only");
  ExpectRefused(
      R"({"side":"BUY","order_type":"STOP_LOSS_LIMIT","quantity":"1","price":"1","stop_price":"1","post_only":true})",
      "post_only");
  ExpectRefused(
      R"({"side":"BUY","order_type":"MARKET","quantity":"1","client_order_id":"0123456789ABCDEF0123456789ABCDEF"})",
      "client_order_id");
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":"1","client_order_id":"abc"})",
                "client_order_id");
}

TEST_F(OrderJsonTest, NumbersAndWrongTypesAreRefused) {
  // A JSON number may already have lost digits: decimals are strings.
  ExpectRefused(R"({"side":"BUY","order_type":"MARKET","quantity":0.001})", "quantity");
  ExpectRefused(R"({"side":"BUY","order_type":"LIMIT","quantity":"1","price":45000.5})", "price");
  ExpectRefused(R"({"side":"BUY","order_type":"LIMIT","quantity":"1","price":"1","post_only":"yes"})",
                "post_only");
  ExpectRefused(R"({"side":1,"order_type":"MARKET","quantity":"1"})", "side");
}

}  // namespace
}  // namespace tradingd::control
