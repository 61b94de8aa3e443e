// The one translation unit that compiles Boost.Asio, Asio SSL and Boost.Beast (separate
// compilation, see net/CMakeLists.txt). Everything else includes only their headers, which keeps
// the rebuild of any other file cheap.

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
