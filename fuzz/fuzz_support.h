#pragma once
// What the fuzz targets share: FUZZ_CHECK (an invariant that must hold; __builtin_trap when it
// does not, so libFuzzer saves the input as a crash), a scratch file for the loaders that only
// read paths, the small fixed calendar the HTTP and JSON targets answer over, and checks on
// text (CRLF-only line ends, UTF-8).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "base/temp_dir.h"
#include "calendar/loader.h"

namespace deadline::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "\n*** fuzz invariant violated at %s:%d: %s\n", file, line, what);
  std::fflush(stderr);
  __builtin_trap();
}

// Runs `body`; an exception out of it is a failure (the functions fuzzed here promise none).
template <class Body>
void no_throw(Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n*** fuzz: exception escaped: %s\n", e.what());
    fail("no exception escapes", __FILE__, __LINE__);
  } catch (...) {
    fail("no exception escapes (not a std::exception)", __FILE__, __LINE__);
  }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A file in a private temporary directory (removed at a normal exit), rewritten for each input.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name) : path_(dir_ / name) {}
  const std::filesystem::path& write(std::string_view bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) fail("the scratch file can be written", __FILE__, __LINE__);
    return path_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  TempDir dir_{"deadlined-fuzz"};
  std::filesystem::path path_;
};

// tests/calendar/fixtures/valid.toml: one edition, one policy, one programme with an estimated
// month window and a confirmed deadline.
inline constexpr std::string_view kFixtureCalendar = R"toml([edition]
id = "test-edition"
title = "测试手册"
publisher = "测试中心"
year = 2024
zone = "Asia/Shanghai"

[[policy]]
id = "test-policy"
number = 1
page = 1
title = "测试政策"
summary = "测试"
period_phrase = "由2024年12月1日实施至2028年"
in_force_from = "2024-12-01"
in_force_until = "2028"

[[programme]]
id = "test-programme"
number = 1
page = 7
title = "测试项目"
group = "工业和信息化部门"
category = "资金引导"
contact = "工业和信息化部"
phones = [ { number = "010-68205566" }, { number = "010-68205766", area_code_inferred = true } ]
link = "https://policy.example.cn/p/1"
eligibility = "境内注册的企业"
recurs = true
recurs_reason = "按年度通知"

[[programme.window]]
key = "apply"
phrase = "申报时间：11月"
status = "estimated"
actor = "企业"
role = "企业"
opens = "2024-11"
closes = "2024-11"
year_from = "edition"

[[programme.window]]
key = "recommend"
phrase = "推荐单位应于2024年11月29日前完成线上审核"
status = "confirmed"
actor = "推荐单位"
role = "推荐单位"
closes = "before 2024-11-29"
)toml";

// kFixtureCalendar loaded once (through a scratch file: the loader reads paths only).
inline std::shared_ptr<const Calendar> fixture_calendar() {
  static const std::shared_ptr<const Calendar> calendar = [] {
    const ScratchFile file("fixture.toml");
    LoadOutcome outcome = load_calendar_files({file.write(kFixtureCalendar)});
    if (!outcome.calendar) fail("the fixture calendar loads", __FILE__, __LINE__);
    return std::make_shared<const Calendar>(std::move(*outcome.calendar));
  }();
  return calendar;
}

// Every CR is followed by LF and every LF preceded by CR.
inline bool crlf_only(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return false;
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
  }
  return true;
}

// Strict UTF-8 (RFC 3629): no overlong forms, surrogates or code points past U+10FFFF.
inline bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t value = 0, minimum = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2, value = lead & 0x1fu, minimum = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3, value = lead & 0x0fu, minimum = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4, value = lead & 0x07u, minimum = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0u) != 0x80u) return false;
      value = value << 6 | (next & 0x3fu);
    }
    if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

inline bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xc0u) == 0x80u; }

}  // namespace deadline::fuzz

#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : ::deadline::fuzz::fail(#condition, __FILE__, __LINE__))
