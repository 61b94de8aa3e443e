#include "gateways/okx/okx_signing.h"

#include <openssl/crypto.h>

namespace tradingd::gateways::okx {
namespace {

// 9999-12-31T23:59:59.999Z: the last instant with a four-digit year.
constexpr std::int64_t kMaxIsoMs = 253402300799999;

void TwoDigits(int value, char* out) {
  out[0] = static_cast<char>('0' + value / 10);
  out[1] = static_cast<char>('0' + value % 10);
}

}  // namespace

bool FormatIsoTimestamp(std::int64_t unix_ms, IsoTimestamp* out) {
  if (unix_ms < 0 || unix_ms > kMaxIsoMs) return false;
  const std::int64_t days = unix_ms / 86'400'000;
  const int ms_of_day = static_cast<int>(unix_ms % 86'400'000);
  // Days to the proleptic Gregorian date (H. Hinnant's civil_from_days, for days >= 0).
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const auto doe = static_cast<int>(z - era * 146097);
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int day = doy - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  const int year = static_cast<int>(era * 400 + yoe) + (month <= 2 ? 1 : 0);

  char* p = out->text;
  TwoDigits(year / 100, p);
  TwoDigits(year % 100, p + 2);
  p[4] = '-';
  TwoDigits(month, p + 5);
  p[7] = '-';
  TwoDigits(day, p + 8);
  p[10] = 'T';
  TwoDigits(ms_of_day / 3'600'000, p + 11);
  p[13] = ':';
  TwoDigits(ms_of_day / 60'000 % 60, p + 14);
  p[16] = ':';
  TwoDigits(ms_of_day / 1000 % 60, p + 17);
  p[19] = '.';
  const int ms = ms_of_day % 1000;
  p[20] = static_cast<char>('0' + ms / 100);
  TwoDigits(ms % 100, p + 21);
  p[23] = 'Z';
  return true;
}

core::Result<Signer> Signer::Create(std::string_view secret) {
  if (secret.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "OKX API secret is empty");
  }
  auto hmac = Hmac::Create(HashAlgorithm::kSha256, secret);
  if (!hmac.ok()) return hmac.status();
  return Signer(std::move(hmac).value());
}

bool Signer::Sign(std::string_view timestamp, std::string_view method,
                  std::string_view request_path, std::string_view body, Signature* out) {
  Digest mac;
  if (!hmac_.Begin() || !hmac_.Update(timestamp) || !hmac_.Update(method) ||
      !hmac_.Update(request_path) || !hmac_.Update(body) || !hmac_.Finish(&mac)) {
    return false;
  }
  Base64EncodeTo(mac.view(), out->text);
  return true;
}

bool Signer::Verify(std::string_view timestamp, std::string_view method,
                    std::string_view request_path, std::string_view body,
                    std::string_view signature) {
  Signature expected;
  if (!Sign(timestamp, method, request_path, body, &expected)) return false;
  // The length is public (always 44); the content is compared without an early exit.
  return signature.size() == kSignatureChars &&
         CRYPTO_memcmp(signature.data(), expected.text, kSignatureChars) == 0;
}

}  // namespace tradingd::gateways::okx
