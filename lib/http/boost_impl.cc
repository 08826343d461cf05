// The one translation unit that compiles Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are set on deadline_core), so the files that include them
// only instantiate templates instead of recompiling the whole libraries each time.

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
