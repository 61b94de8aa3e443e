#pragma once
// Helpers for the net tests: drive an io_context on the test thread until a condition holds (with a
// deadline that fails the test instead of hanging), and a raw TCP client for hostile input.
//
// Thread contract: everything runs on the test thread, which is also the io_context's thread.

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tradingd::net::testing {

// Runs `io` until `done()` holds; false when `limit` passes first.
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Runs `io` for `duration`, to check that something does not happen meanwhile.
inline void RunFor(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
}

// A raw client: connects, writes `bytes` (optionally half-closing after), and collects everything
// the server sends until it closes the connection.
class RawClient : public std::enable_shared_from_this<RawClient> {
 public:
  explicit RawClient(boost::asio::io_context& io) : socket_(io) {}

  void Run(std::uint16_t port, std::string bytes) {
    bytes_ = std::move(bytes);
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    socket_.async_connect(endpoint, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->Done();
      boost::asio::async_write(self->socket_, boost::asio::buffer(self->bytes_),
                               [self](boost::system::error_code e, std::size_t) {
                                 if (e) return self->Done();
                                 self->Read();
                               });
    });
  }

  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  bool finished() const { return finished_; }
  const std::string& received() const { return received_; }

 private:
  void Read() {
    socket_.async_read_some(
        boost::asio::buffer(chunk_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          self->received_.append(self->chunk_.data(), n);
          if (ec) return self->Done();
          self->Read();
        });
  }

  void Done() {
    finished_ = true;
    Close();
  }

  boost::asio::ip::tcp::socket socket_;
  std::string bytes_;
  std::string received_;
  std::array<char, 4096> chunk_{};
  bool finished_ = false;
};

}  // namespace tradingd::net::testing
