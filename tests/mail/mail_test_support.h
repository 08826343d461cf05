#pragma once
// What the mail tests share: a deliberately simple reader for the messages mail/mime.h builds
// (CRLF only), independent of the builder's code, to check structure and decode parts.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64.h"

namespace deadline::test::mail {

// The first byte offset of a CR not followed by LF or an LF not preceded by CR; npos if none.
inline std::size_t bare_line_end(std::string_view message) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\r' && (i + 1 == message.size() || message[i + 1] != '\n')) return i;
    if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) return i;
  }
  return std::string_view::npos;
}

inline std::vector<std::string> split_crlf(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

struct Entity {
  std::vector<std::string> header_lines;  // physical lines, folded ones included
  std::string body;
};

inline Entity split_entity(std::string_view text) {
  Entity entity;
  const std::size_t blank = text.find("\r\n\r\n");
  const std::string_view head = blank == std::string_view::npos ? text : text.substr(0, blank);
  entity.header_lines = split_crlf(head);
  if (blank != std::string_view::npos) entity.body = std::string(text.substr(blank + 4));
  return entity;
}

struct Field {
  std::string name;
  std::string value;  // unfolded (CRLF before a space removed), leading space dropped
};

inline std::vector<Field> fields(const Entity& entity) {
  std::vector<Field> out;
  for (const std::string& line : entity.header_lines) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().value += line;
      continue;
    }
    const std::size_t colon = line.find(':');
    Field field{line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 1)};
    if (!field.value.empty() && field.value[0] == ' ') field.value.erase(0, 1);
    out.push_back(field);
  }
  return out;
}

inline std::string field_value(const std::vector<Field>& all, std::string_view name) {
  for (const Field& f : all) {
    if (f.name == name) return f.value;
  }
  return {};
}

inline std::string param(std::string_view value, std::string_view name) {
  const std::string key = std::string(name) + "=\"";
  const std::size_t at = value.find(key);
  if (at == std::string_view::npos) return {};
  const std::size_t end = value.find('"', at + key.size());
  return std::string(value.substr(at + key.size(), end - at - key.size()));
}

inline std::string decode_qp(std::string_view body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '=' && body.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else if (body[i] == '=') {
      out += static_cast<char>(std::stoi(std::string(body.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += body[i];
    }
  }
  return out;
}

struct Leaf {
  std::string content_type;
  std::string disposition;
  std::string encoding;
  std::string raw_body;
  std::string decoded;
  std::string path;  // "multipart/mixed > multipart/alternative > text/plain; charset=UTF-8"
};

// Every leaf part, depth first, with its body decoded (base64 or quoted-printable).
inline void leaves(std::string_view text, const std::string& path, std::vector<Leaf>& out) {
  const Entity entity = split_entity(text);
  const std::vector<Field> all = fields(entity);
  const std::string type = field_value(all, "Content-Type");
  const std::string here = path.empty() ? type : path + " > " + type;
  if (type.starts_with("multipart/")) {
    const std::string delimiter = "--" + param(type, "boundary");
    std::string_view body = entity.body;
    std::size_t at = body.starts_with(delimiter) ? 0 : body.find("\r\n" + delimiter);
    while (at != std::string_view::npos) {
      const std::size_t line_start = at == 0 && body.starts_with(delimiter) ? 0 : at + 2;
      const std::size_t after = line_start + delimiter.size();
      if (body.substr(after, 2) == "--") break;
      const std::size_t part_start = after + 2;  // CRLF after the delimiter
      const std::size_t next = body.find("\r\n" + delimiter, part_start);
      leaves(body.substr(part_start, next - part_start), here, out);
      at = next;
    }
    return;
  }
  Leaf leaf{type, field_value(all, "Content-Disposition"), field_value(all, "Content-Transfer-Encoding"), entity.body,
            {}, here};
  if (leaf.encoding == "base64") {
    std::string compact;
    for (const char c : entity.body) {
      if (c != '\r' && c != '\n') compact += c;
    }
    Result<std::string> bytes = base64_decode(compact);
    leaf.decoded = bytes ? *bytes : "<invalid base64: " + bytes.error() + ">";
  } else if (leaf.encoding == "quoted-printable") {
    leaf.decoded = decode_qp(entity.body);
  } else {
    leaf.decoded = entity.body;
  }
  out.push_back(leaf);
}

inline std::vector<Leaf> leaves(std::string_view message) {
  std::vector<Leaf> out;
  leaves(message, "", out);
  return out;
}

}  // namespace deadline::test::mail
