#include "mail/dsn.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "base/base64.h"
#include "base/text.h"
#include "mail/header_encoding.h"
#include "subscription/email_address.h"

namespace deadline::mail {

namespace {

constexpr int kMaxDepth = 6;
constexpr std::size_t kMaxParts = 200;

// Named apart from header_encoding.cc's is_wsp: both can land in one unity batch.
bool is_dsn_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}


// Every line ending becomes LF, so the rest of the parser deals with one kind.
std::string lf_only(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

using Fields = std::vector<std::pair<std::string, std::string>>;  // lower-case name, unfolded value

// Header fields of `block` (LF line ends), folded lines joined with one space. Lines that are
// not "name: value" are skipped.
Fields parse_fields(std::string_view block) {
  Fields fields;
  std::size_t start = 0;
  while (start < block.size()) {
    const std::size_t end = std::min(block.find('\n', start), block.size());
    const std::string_view line = block.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    if (is_dsn_wsp(line.front())) {
      if (!fields.empty()) {
        const std::string_view more = trim(line);
        if (!more.empty()) {
          if (!fields.back().second.empty()) fields.back().second += ' ';
          fields.back().second += more;
        }
      }
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    const std::string_view name = trim(line.substr(0, colon));
    if (name.empty() || std::any_of(name.begin(), name.end(), [](char c) { return is_dsn_wsp(c); })) continue;
    fields.emplace_back(ascii_lowercase(name), std::string(trim(line.substr(colon + 1))));
  }
  return fields;
}

std::vector<std::string> values(const Fields& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [field, value] : fields) {
    if (field == name) out.push_back(value);
  }
  return out;
}

std::string first_value(const Fields& fields, std::string_view name) {
  for (const auto& [field, value] : fields) {
    if (field == name) return value;
  }
  return {};
}

struct Entity {
  Fields headers;
  std::string_view body;
};

// Headers up to the first empty line, then the body (LF line ends).
Entity split_entity(std::string_view text) {
  if (text.starts_with("\n")) return {{}, text.substr(1)};
  const std::size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos) return {parse_fields(text), {}};
  return {parse_fields(text.substr(0, blank + 1)), text.substr(blank + 2)};
}

struct ContentType {
  std::string media;  // "multipart/report", lower case
  std::string boundary;
};

ContentType content_type(const Fields& headers) {
  const std::string value = first_value(headers, "content-type");
  ContentType type;
  const std::size_t semi = value.find(';');
  type.media = ascii_lowercase(trim(std::string_view(value).substr(0, semi)));
  if (type.media.empty()) type.media = "text/plain";
  std::size_t at = semi;
  while (at != std::string::npos && at < value.size()) {
    ++at;  // past ';'
    const std::size_t equals = value.find('=', at);
    if (equals == std::string::npos) break;
    const std::string name = ascii_lowercase(trim(std::string_view(value).substr(at, equals - at)));
    std::size_t i = equals + 1;
    while (i < value.size() && is_dsn_wsp(value[i])) ++i;
    std::string param;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        param += value[i];
      }
      at = value.find(';', i);
    } else {
      at = value.find(';', i);
      param = std::string(trim(std::string_view(value).substr(i, at == std::string::npos ? std::string::npos : at - i)));
    }
    if (name == "boundary") type.boundary = param;
  }
  return type;
}

// The body parts of a multipart body between "--boundary" lines.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + std::string(boundary);
  std::optional<std::size_t> part_start;
  std::size_t start = 0;
  while (start < body.size() && parts.size() < kMaxParts) {
    const std::size_t end = std::min(body.find('\n', start), body.size());
    const std::string_view line = body.substr(start, end - start);
    if (line.starts_with(delimiter)) {
      const std::string_view rest = trim(line.substr(delimiter.size()));
      if (rest.empty() || rest == "--") {
        // The line break before a delimiter belongs to the delimiter.
        if (part_start) parts.push_back(body.substr(*part_start, start > *part_start ? start - 1 - *part_start : 0));
        if (rest == "--") return parts;
        part_start = end + 1;
      }
    }
    start = end + 1;
  }
  if (part_start && *part_start < body.size()) parts.push_back(body.substr(*part_start));  // no closing delimiter
  return parts;
}

std::string decode_body(const Fields& headers, std::string_view body) {
  const std::string encoding = ascii_lowercase(first_value(headers, "content-transfer-encoding"));
  if (encoding == "base64") {
    std::string compact;
    for (const char c : body) {
      if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
    }
    while (compact.size() % 4 != 0) compact += '=';
    Result<std::string> bytes = base64_decode(compact);
    return bytes ? lf_only(*bytes) : std::string(body);
  }
  if (encoding == "quoted-printable") {
    std::string out;
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] != '=') {
        out += body[i];
        continue;
      }
      if (i + 1 < body.size() && body[i + 1] == '\n') {
        ++i;  // soft line break
        continue;
      }
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      };
      if (i + 2 < body.size() && hex(body[i + 1]) >= 0 && hex(body[i + 2]) >= 0) {
        out += static_cast<char>(hex(body[i + 1]) * 16 + hex(body[i + 2]));
        i += 2;
      } else {
        out += '=';
      }
    }
    return lf_only(out);
  }
  return std::string(body);
}

struct Found {
  std::optional<std::string> delivery_status;  // decoded body
  std::optional<Fields> returned_headers;      // headers of the returned message
};

void search(std::string_view text, int depth, Found& found) {
  if (depth > kMaxDepth) return;
  const Entity entity = split_entity(text);
  const ContentType type = content_type(entity.headers);
  if (type.media.starts_with("multipart/")) {
    if (type.boundary.empty()) return;
    for (const std::string_view part : split_multipart(entity.body, type.boundary)) search(part, depth + 1, found);
    return;
  }
  if (type.media == "message/delivery-status" || type.media == "message/global-delivery-status") {
    if (!found.delivery_status) found.delivery_status = decode_body(entity.headers, entity.body);
    return;
  }
  if (type.media == "text/rfc822-headers" || type.media == "message/rfc822" || type.media == "message/global" ||
      type.media == "message/global-headers") {
    if (!found.returned_headers) {
      const std::string decoded = decode_body(entity.headers, entity.body);
      found.returned_headers = split_entity(decoded + "\n\n").headers;
    }
  }
}

// "rfc822; a@b" -> "a@b"; "<a@b>" -> "a@b".
std::string address_of(std::string_view value) {
  std::string_view text = trim(value);
  if (const std::size_t semi = text.find(';'); semi != std::string_view::npos) text = trim(text.substr(semi + 1));
  if (text.size() >= 2 && text.front() == '<' && text.back() == '>') text = trim(text.substr(1, text.size() - 2));
  return std::string(text);
}

std::string after_type(std::string_view value) {
  std::string_view text = trim(value);
  if (const std::size_t semi = text.find(';'); semi != std::string_view::npos) text = trim(text.substr(semi + 1));
  return std::string(text);
}

bool digits(std::string_view text, std::size_t min, std::size_t max) {
  return text.size() >= min && text.size() <= max &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "5.1.1" style: class 2, 4 or 5; subject and detail of 1 to 3 digits.
bool is_status_code(std::string_view text) {
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') return false;
  const std::size_t dot = text.find('.', 2);
  if (dot == std::string_view::npos) return false;
  return digits(text.substr(2, dot - 2), 1, 3) && digits(text.substr(dot + 1), 1, 3);
}

// The first enhanced status code in `text`, as a separate token ("550 5.1.1 ...", "550-5.7.26").
std::string find_status_code(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '2' && text[i] != '4' && text[i] != '5') continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '.')) continue;
    std::size_t end = i;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
    if (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) continue;
    const std::string_view candidate = text.substr(i, end - i);
    if (is_status_code(candidate)) return std::string(candidate);
  }
  return {};
}

DsnAction parse_action(std::string_view value) {
  std::string word = ascii_lowercase(trim(value));
  word = word.substr(0, word.find_first_of(" \t("));
  if (word == "failed") return DsnAction::failed;
  if (word == "delayed") return DsnAction::delayed;
  if (word == "delivered") return DsnAction::delivered;
  if (word == "relayed") return DsnAction::relayed;
  if (word == "expanded") return DsnAction::expanded;
  return DsnAction::unknown;
}

}  // namespace

Result<std::string> make_verp_sender(std::string_view local, std::string_view message_id, std::string_view domain) {
  using R = Result<std::string>;
  if (local.empty() || local.find('+') != std::string_view::npos) {
    return R::failure("VERP local part must be non-empty and hold no '+'");
  }
  if (Status id = check_message_id(message_id); !id) return R::failure("VERP " + id.error());
  std::string address = std::string(local) + "+" + std::string(message_id) + "@" + std::string(domain);
  if (const std::string problem = email_address_problem(address); !problem.empty()) {
    return R::failure("VERP sender " + problem);
  }
  return R::success(std::move(address));
}

Result<std::string> message_id_from_verp(std::string_view address) {
  using R = Result<std::string>;
  std::string_view text = trim(address);
  if (text.size() > 1000) return R::failure("address is too long to be a VERP address");
  if (const std::size_t open = text.rfind('<'); open != std::string_view::npos) {
    const std::size_t close = text.find('>', open);
    text = text.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  } else if (const std::size_t semi = text.find(';'); semi != std::string_view::npos) {
    text = text.substr(semi + 1);  // "rfc822; bounces+id@domain"
  }
  text = trim(text);
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos) return R::failure("not a VERP address: no @");
  const std::size_t plus = text.substr(0, at).find('+');
  if (plus == std::string_view::npos) return R::failure("not a VERP address: no + before the @");
  const std::string_view id = text.substr(plus + 1, at - plus - 1);
  if (Status checked = check_message_id(id); !checked) return R::failure("not a VERP address: " + checked.error());
  return R::success(std::string(id));
}

std::string_view to_string(DsnAction action) {
  switch (action) {
    case DsnAction::failed: return "failed";
    case DsnAction::delayed: return "delayed";
    case DsnAction::delivered: return "delivered";
    case DsnAction::relayed: return "relayed";
    case DsnAction::expanded: return "expanded";
    case DsnAction::unknown: return "unknown";
  }
  return "unknown";
}

Result<Dsn> parse_dsn(std::string_view message, std::string_view envelope_recipient) {
  using R = Result<Dsn>;
  if (message.size() > kMaxDsnBytes) return R::failure("bounce is larger than 16 MiB");
  const std::string text = lf_only(message);
  const Entity top = split_entity(text);
  Found found;
  search(text, 0, found);
  if (!found.delivery_status) {
    return R::failure("not a delivery status notification: no message/delivery-status part");
  }

  Dsn dsn;
  std::string postfix_sender;
  // Groups of fields separated by blank lines: the per-message group, then one per recipient.
  std::string_view report = *found.delivery_status;
  std::vector<std::string_view> groups;
  {
    std::size_t start = 0, group_start = 0;
    while (start <= report.size()) {
      const std::size_t end = std::min(report.find('\n', start), report.size());
      if (trim(report.substr(start, end - start)).empty()) {
        if (start > group_start) groups.push_back(report.substr(group_start, start - group_start));
        group_start = end + 1;
      }
      if (end == report.size()) {
        if (group_start < report.size()) groups.push_back(report.substr(group_start));
        break;
      }
      start = end + 1;
    }
  }
  for (const std::string_view group : groups) {
    const Fields fields = parse_fields(group);
    if (const std::string mta = first_value(fields, "reporting-mta"); !mta.empty() && dsn.reporting_mta.empty()) {
      dsn.reporting_mta = after_type(mta);
    }
    if (const std::string sender = first_value(fields, "x-postfix-sender"); !sender.empty() && postfix_sender.empty()) {
      postfix_sender = sender;
    }
    const std::string final_recipient = first_value(fields, "final-recipient");
    const std::string action = first_value(fields, "action");
    if (final_recipient.empty() && action.empty()) continue;
    DsnRecipient recipient;
    recipient.final_recipient = address_of(final_recipient);
    recipient.original_recipient = address_of(first_value(fields, "original-recipient"));
    recipient.action = parse_action(action);
    recipient.diagnostic_code = first_value(fields, "diagnostic-code");
    recipient.remote_mta = after_type(first_value(fields, "remote-mta"));
    std::string status(trim(first_value(fields, "status")));
    status = status.substr(0, status.find_first_of(" \t("));
    if (!is_status_code(status)) status = find_status_code(recipient.diagnostic_code);
    if (status.empty()) {
      if (recipient.action == DsnAction::failed) status = "5.0.0";
      if (recipient.action == DsnAction::delayed) status = "4.0.0";
      if (recipient.action == DsnAction::delivered || recipient.action == DsnAction::relayed ||
          recipient.action == DsnAction::expanded) {
        status = "2.0.0";
      }
    }
    if (recipient.action == DsnAction::unknown && !status.empty()) {
      // An unknown or missing action: the status class says what happened.
      recipient.action = status[0] == '5' ? DsnAction::failed : status[0] == '4' ? DsnAction::delayed
                                                                                  : DsnAction::unknown;
    }
    recipient.status = status;
    dsn.recipients.push_back(std::move(recipient));
  }
  if (dsn.recipients.empty()) return R::failure("delivery status notification has no per-recipient fields");

  const auto decisive = [&]() -> const DsnRecipient& {
    for (const DsnAction wanted : {DsnAction::failed, DsnAction::delayed}) {
      for (const DsnRecipient& r : dsn.recipients) {
        if (r.action == wanted) return r;
      }
    }
    return dsn.recipients.front();
  }();
  dsn.action = decisive.action;
  dsn.status = decisive.status;
  dsn.diagnostic = after_type(decisive.diagnostic_code);
  if (dsn.diagnostic.empty()) dsn.diagnostic = decisive.diagnostic_code;
  dsn.recipient = decisive.final_recipient;

  // Where our message id can be, most reliable first.
  std::vector<std::pair<std::string, std::string>> candidates;  // (where, value)
  if (!trim(envelope_recipient).empty()) candidates.emplace_back("envelope", std::string(envelope_recipient));
  constexpr std::pair<std::string_view, std::string_view> kHeaders[] = {
      {"delivered-to", "Delivered-To"}, {"x-original-to", "X-Original-To"}, {"envelope-to", "Envelope-To"},
      {"x-envelope-to", "X-Envelope-To"}, {"to", "To"}};
  for (const auto& [name, shown] : kHeaders) {
    for (const std::string& value : values(top.headers, name)) candidates.emplace_back(shown, value);
  }
  if (!postfix_sender.empty()) candidates.emplace_back("X-Postfix-Sender", postfix_sender);
  if (found.returned_headers) {
    for (const std::string& value : values(*found.returned_headers, "return-path")) {
      candidates.emplace_back("Return-Path", value);
    }
  }
  for (const auto& [where, value] : candidates) {
    Result<std::string> id = message_id_from_verp(value);
    if (id) {
      dsn.message_id = std::move(id).value();
      dsn.message_id_from = where;
      return R::success(std::move(dsn));
    }
  }
  if (found.returned_headers) {
    const std::string value(trim(first_value(*found.returned_headers, "message-id")));
    const std::size_t at = value.find('@');
    if (value.starts_with("<") && at != std::string::npos) {
      const std::string id = value.substr(1, at - 1);
      if (check_message_id(id)) {
        dsn.message_id = id;
        dsn.message_id_from = "Message-ID";
        return R::success(std::move(dsn));
      }
    }
  }
  return R::failure("delivery status notification names none of our messages (no VERP address, no Message-ID)");
}

}  // namespace deadline::mail
