#include "net/url.h"

#include <gtest/gtest.h>

namespace tradingd::net {
namespace {

TEST(UrlTest, ParsesWssWithPortAndQuery) {
  auto url = Url::Parse("wss://stream.binance.com:9443/stream?streams=a/b");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->scheme, "wss");
  EXPECT_EQ(url->host, "stream.binance.com");
  EXPECT_EQ(url->port, 9443);
  EXPECT_EQ(url->target, "/stream?streams=a/b");
  EXPECT_TRUE(url->tls());
  EXPECT_EQ(url->ToString(), "wss://stream.binance.com:9443/stream?streams=a/b");
}

TEST(UrlTest, DefaultsPortAndTarget) {
  auto https = Url::Parse("https://api.binance.com");
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->target, "/");
  EXPECT_EQ(https->ToString(), "https://api.binance.com/");

  auto ws = Url::Parse("WS://127.0.0.1:8080");
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(ws->scheme, "ws");
  EXPECT_EQ(ws->port, 8080);
  EXPECT_FALSE(ws->tls());

  auto http = Url::Parse("http://example.com?x=1#frag");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->target, "/?x=1");
}

TEST(UrlTest, ParsesBracketedIpv6) {
  auto url = Url::Parse("ws://[::1]:9000/ws");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->target, "/ws");
  EXPECT_EQ(url->ToString(), "ws://[::1]:9000/ws");

  auto no_port = Url::Parse("https://[2001:db8::1]/a");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->port, 443);
}

TEST(UrlTest, RejectsBadInput) {
  const char* bad[] = {
      "",
      "stream.binance.com",
      "ftp://example.com/",
      "ws://",
      "ws://:80/",
      "ws://host:0/",
      "ws://host:65536/",
      "ws://host:/",
      "ws://host:12a/",
      "ws://host:-1/",
      "ws://[::1/",
      "ws://[]/",
      "ws://[::1]x/",
      "ws://::1/",
      "ws://user:pw@host/",
      "ws://ho st/",
      "ws://host/a\r\nHost: evil",
  };
  for (const char* text : bad) {
    auto url = Url::Parse(text);
    EXPECT_FALSE(url.ok()) << "accepted: " << text;
    if (!url.ok()) {
      EXPECT_EQ(url.status().code(), core::ErrorCode::kBadRequest);
      EXPECT_NE(url.status().message().find("invalid URL"), std::string::npos);
    }
  }
}

TEST(UrlTest, MessageNamesTheProblem) {
  auto url = Url::Parse("ws://host:70000/");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("port must be a number from 1 to 65535"),
            std::string::npos);
  auto scheme = Url::Parse("gopher://host/");
  ASSERT_FALSE(scheme.ok());
  EXPECT_NE(scheme.status().message().find("unsupported scheme 'gopher'"), std::string::npos);
}

}  // namespace
}  // namespace tradingd::net
