#pragma once
// Conditional and negotiated GETs (RFC 9110 §8.8, §12.5.3, §13): HTTP dates, If-None-Match
// against entity tags, and whether a client takes gzip. For the cacheable responses (feeds).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "time/instant.h"

namespace deadline::http {

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(Instant at);
// IMF-fixdate only (the obsolete RFC 850 and asctime forms are not accepted: nothing current
// sends them); nullopt when it is not one.
std::optional<Instant> parse_http_date(std::string_view text);

// True when If-None-Match lists one of `etags` (weak comparison: a W/ prefix is ignored) or is "*".
bool none_match_hits(std::string_view if_none_match, const std::vector<std::string>& etags);

// True when Accept-Encoding lists gzip (or x-gzip, or *) with a q-value above 0.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace deadline::http
