#pragma once
// The text each enum value is stored, logged and shown to operators as: one table per enum, so
// parsing, printing and "every state" lists (metrics, admin filters) cannot disagree.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace deadline {

template <class Enum, std::size_t N>
struct StateNames {
  std::array<std::pair<Enum, std::string_view>, N> entries;

  constexpr std::string_view name(Enum value) const {
    for (const auto& [v, text] : entries) {
      if (v == value) return text;
    }
    return "?";
  }
  constexpr std::optional<Enum> parse(std::string_view text) const {
    for (const auto& [v, name] : entries) {
      if (name == text) return v;
    }
    return std::nullopt;
  }
  // Every name, in declaration order.
  constexpr std::array<std::string_view, N> names() const {
    std::array<std::string_view, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = entries[i].second;
    return out;
  }
};

}  // namespace deadline
