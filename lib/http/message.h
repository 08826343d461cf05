#pragma once
// The HTTP messages this module speaks: Beast's, with string bodies (every body is a small JSON
// document). The aliases keep Beast's long names out of the rest of the module.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace deadline::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Field = boost::beast::http::field;
using Verb = boost::beast::http::verb;

}  // namespace deadline::http
