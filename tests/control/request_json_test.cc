#include "control/request_json.h"

#include <gtest/gtest.h>

#include <string>

namespace tradingd::control {
namespace {

constexpr FieldSpec kSpecs[] = {
    {"exchange", FieldType::kString, true},
    {"depth", FieldType::kInteger, false},
    {"post_only", FieldType::kBool, false},
};

std::string ErrorOf(std::string_view body, bool allow_empty = false) {
  auto fields = RequestFields::Parse(body, kSpecs, allow_empty);
  if (fields.ok()) return "OK";
  EXPECT_EQ(fields.status().code(), core::ErrorCode::kBadRequest);
  return fields.status().message();
}

TEST(RequestFieldsTest, ExtractsTypedFields) {
  auto fields =
      RequestFields::Parse(R"({"exchange":"binance","depth":5,"post_only":true})", kSpecs);
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  ASSERT_NE(fields->String("exchange"), nullptr);
  EXPECT_EQ(*fields->String("exchange"), "binance");
  ASSERT_NE(fields->Integer("depth"), nullptr);
  EXPECT_EQ(*fields->Integer("depth"), 5);
  ASSERT_NE(fields->Bool("post_only"), nullptr);
  EXPECT_TRUE(*fields->Bool("post_only"));
  EXPECT_EQ(fields->String("depth"), nullptr);  // asked with the wrong type
  EXPECT_EQ(fields->String("nope"), nullptr);
}

TEST(RequestFieldsTest, OptionalFieldsMayBeAbsent) {
  auto fields = RequestFields::Parse(" \n{\"exchange\" : \"okx\"}\n ", kSpecs);
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  EXPECT_TRUE(fields->Has("exchange"));
  EXPECT_FALSE(fields->Has("depth"));
  EXPECT_EQ(fields->Integer("depth"), nullptr);
}

TEST(RequestFieldsTest, EscapesAreDecoded) {
  auto fields = RequestFields::Parse(R"({"\u0065xchange":"bin\u0061nce\/x"})", kSpecs);
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  EXPECT_EQ(*fields->String("exchange"), "binance/x");
}

TEST(RequestFieldsTest, UnknownFieldsAreIgnoredButMustBeValidJson) {
  EXPECT_EQ(ErrorOf(R"({"exchange":"a","extra":{"x":[1,2.5,-3e4,"s",true,false,null,{}]}})"), "OK");
  EXPECT_EQ(ErrorOf(R"({"exchange":"a","huge":123456789012345678901234567890})"), "OK");
  EXPECT_NE(ErrorOf(R"({"exchange":"a","extra":[1,,2]})").find("malformed JSON"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"exchange":"a","extra":{"x" 1}})").find("malformed JSON"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"exchange":"a","extra":nul})").find("malformed JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"exchange":"a","extra":tru})").find("malformed JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"exchange":"a","extra":01})").find("malformed JSON"), std::string::npos);
}

TEST(RequestFieldsTest, MalformedJson) {
  for (const char* body :
       {"{", R"({"exchange":"binance")", R"({"exchange":"binance",})", R"({"exchange" "binance"})",
        R"({"exchange":"binance"}})", R"({"exchange":"binance"} {})", R"({"exchange":"binance"} x)",
        R"({exchange:"binance"})", R"({'exchange':'binance'})", R"({"exchange":"unterminated)",
        "\x7b\x22"}) {
    const std::string error = ErrorOf(body);
    EXPECT_NE(error, "OK") << body;
    EXPECT_NE(error.find("malformed JSON"), std::string::npos) << body << " → " << error;
  }
}

TEST(RequestFieldsTest, BodyMustBeAnObject) {
  for (const char* body : {"[]", R"(["exchange"])", "\"binance\"", "42", "null", "true"}) {
    EXPECT_EQ(ErrorOf(body), "request body must be a JSON object") << body;
  }
}

TEST(RequestFieldsTest, EmptyBody) {
  EXPECT_EQ(ErrorOf(""), "request body is empty; expected a JSON object");
  EXPECT_EQ(ErrorOf(" \r\n\t"), "request body is empty; expected a JSON object");
  // Allowed empty, it is `{}`: required fields are still required.
  EXPECT_EQ(ErrorOf("", true), "missing field 'exchange'");
  constexpr FieldSpec kOptional[] = {{"exchange", FieldType::kString, false}};
  EXPECT_TRUE(RequestFields::Parse("", kOptional, true).ok());
  EXPECT_TRUE(RequestFields::Parse("{}", kOptional, false).ok());
}

TEST(RequestFieldsTest, MissingAndMistypedFieldsNameTheField) {
  EXPECT_EQ(ErrorOf("{}"), "missing field 'exchange'");
  EXPECT_EQ(ErrorOf(R"({"Exchange":"binance"})"), "missing field 'exchange'");  // names are exact
  EXPECT_EQ(ErrorOf(R"({"exchange":1})"), "field 'exchange' must be a string");
  EXPECT_EQ(ErrorOf(R"({"exchange":null})"), "field 'exchange' must be a string");
  EXPECT_EQ(ErrorOf(R"({"exchange":["binance"]})"), "field 'exchange' must be a string");
  EXPECT_EQ(ErrorOf(R"({"exchange":{"name":"binance"}})"), "field 'exchange' must be a string");
  EXPECT_EQ(ErrorOf(R"({"exchange":"a","post_only":"true"})"),
            "field 'post_only' must be a boolean");
  EXPECT_EQ(ErrorOf(R"({"exchange":"a","post_only":1})"), "field 'post_only' must be a boolean");
}

TEST(RequestFieldsTest, IntegerFieldsTakeIntegersOnly) {
  for (const char* depth :
       {R"("20")", "2.5", "20.0", "1e2", "99999999999999999999", "true", "null", "[20]"}) {
    EXPECT_EQ(ErrorOf(std::string(R"({"exchange":"a","depth":)") + depth + "}"),
              "field 'depth' must be an integer")
        << depth;
  }
  auto fields = RequestFields::Parse(R"({"exchange":"a","depth":-7})", kSpecs);
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(*fields->Integer("depth"), -7);  // range is the endpoint's business
}

TEST(RequestFieldsTest, DuplicateKnownFieldIsRefused) {
  EXPECT_EQ(ErrorOf(R"({"exchange":"a","exchange":"b"})"), "duplicate field 'exchange'");
  // Duplicates among ignored fields do not matter.
  EXPECT_EQ(ErrorOf(R"({"exchange":"a","x":1,"x":2})"), "OK");
}

TEST(RequestFieldsTest, NonUtf8IsRefusedAnywhere) {
  EXPECT_EQ(ErrorOf("{\"exchange\":\"bin\xff"
                    "ance\"}"),
            "request body is not valid UTF-8");
  EXPECT_EQ(ErrorOf("{\"exchange\":\"a\",\"note\":\"\xC0\xAF\"}"),
            "request body is not valid UTF-8");  // overlong, in an ignored field
  EXPECT_EQ(ErrorOf("{\"exchange\":\"\xED\xA0\x80\"}"), "request body is not valid UTF-8");
  // Valid multi-byte UTF-8 is fine.
  EXPECT_EQ(ErrorOf("{\"exchange\":\"\xE2\x82\xAC\"}"), "OK");
}

TEST(RequestFieldsTest, LoneSurrogateEscapeIsRefused) {
  EXPECT_NE(ErrorOf(R"({"exchange":"\ud800"})"), "OK");
}

TEST(RequestFieldsTest, DeepNestingIsRefused) {
  std::string deep = R"({"exchange":"a","x":)";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  EXPECT_NE(ErrorOf(deep).find("nests deeper"), std::string::npos) << ErrorOf(deep);
  std::string shallow = R"({"exchange":"a","x":)";
  for (int i = 0; i < 10; ++i) shallow += "[";
  for (int i = 0; i < 10; ++i) shallow += "]";
  shallow += "}";
  EXPECT_EQ(ErrorOf(shallow), "OK");
}

}  // namespace
}  // namespace tradingd::control
