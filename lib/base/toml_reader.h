#pragma once
// Reads one TOML table (toml++) for a loader that reports every problem as
// "file:line: context: message": it remembers which keys were read so the rest can be reported as
// unknown, and each accessor records its own error and returns an empty value on failure. Shared
// by the calendar loader and the configuration loader.

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace deadline {

inline long line_of(const toml::node& node) { return static_cast<long>(node.source().begin.line); }

class TableReader {
 public:
  TableReader(const toml::table& table, std::string context, std::string file,
              std::vector<std::string>& errors)
      : table_(table), context_(std::move(context)), file_(std::move(file)), errors_(errors) {}

  void set_context(std::string context) { context_ = std::move(context); }
  const std::string& context() const { return context_; }
  std::string place(long line) const { return file_ + ":" + std::to_string(line); }
  long line() const { return line_of(table_); }
  long line(std::string_view key) const {
    const toml::node* node = table_.get(key);
    return node ? line_of(*node) : line();
  }
  void error(long at_line, const std::string& message) {
    errors_.push_back(place(at_line) + ": " + context_ + ": " + message);
  }

  const toml::node* find(std::string_view key, bool required) {
    read_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (!node && required) error(line(), "missing '" + std::string(key) + "'");
    return node;
  }

  std::string text(std::string_view key, bool required = true) {
    const toml::node* node = find(key, required);
    if (!node) return {};
    const auto value = node->value<std::string>();
    if (!node->is_string() || !value) {
      error(line_of(*node), "'" + std::string(key) + "' must be a string");
      return {};
    }
    if (value->empty()) error(line_of(*node), "'" + std::string(key) + "' must not be empty");
    return *value;
  }

  std::optional<int> integer(std::string_view key, int min, int max, bool required = true) {
    const toml::node* node = find(key, required);
    if (!node) return std::nullopt;
    const auto value = node->as_integer();
    if (!value) {
      error(line_of(*node), "'" + std::string(key) + "' must be an integer");
      return std::nullopt;
    }
    if (value->get() < min || value->get() > max) {
      error(line_of(*node), "'" + std::string(key) + "' must be between " + std::to_string(min) +
                                " and " + std::to_string(max));
      return std::nullopt;
    }
    return static_cast<int>(value->get());
  }

  std::optional<bool> boolean(std::string_view key, bool required = true) {
    const toml::node* node = find(key, required);
    if (!node) return std::nullopt;
    if (!node->is_boolean()) {
      error(line_of(*node), "'" + std::string(key) + "' must be true or false");
      return std::nullopt;
    }
    return node->as_boolean()->get();
  }

  // A string that must be one of `allowed`; empty when absent or not allowed (error recorded).
  std::string one_of(std::string_view key, std::initializer_list<std::string_view> allowed,
                     bool required = true) {
    const std::string value = text(key, required);
    if (value.empty()) return value;
    for (const std::string_view a : allowed) {
      if (value == a) return value;
    }
    std::string choices;
    std::size_t index = 0;
    for (const std::string_view a : allowed) {
      if (index > 0) choices += index + 1 == allowed.size() ? " or " : ", ";
      choices += a;
      ++index;
    }
    error(line(key), std::string(key) + " must be " + choices + ", not '" + value + "'");
    return {};
  }

  // An array of strings; empty (with an error) when it is anything else.
  std::vector<std::string> strings(std::string_view key, bool required = true) {
    std::vector<std::string> result;
    const toml::node* node = find(key, required);
    if (!node) return result;
    const toml::array* array = node->as_array();
    if (array && array->empty()) return result;
    if (!array || !array->is_homogeneous(toml::node_type::string)) {
      error(line_of(*node), "'" + std::string(key) + "' must be an array of strings");
      return result;
    }
    for (const toml::node& element : *array) result.push_back(*element.value<std::string>());
    return result;
  }

  // A table inside this one, or nullptr (no error) when absent.
  const toml::table* subtable(std::string_view key) {
    const toml::node* node = find(key, false);
    if (!node) return nullptr;
    if (!node->is_table()) {
      error(line_of(*node), "'" + std::string(key) + "' must be a table");
      return nullptr;
    }
    return node->as_table();
  }

  // An array of tables, e.g. [[programme.window]] or phones = [{...}].
  std::vector<const toml::table*> tables(std::string_view key, bool required) {
    std::vector<const toml::table*> result;
    const toml::node* node = find(key, required);
    if (!node) return result;
    const toml::array* array = node->as_array();
    if (!array) {
      error(line_of(*node), "'" + std::string(key) + "' must be an array of tables");
      return result;
    }
    for (const toml::node& element : *array) {
      if (const toml::table* t = element.as_table()) {
        result.push_back(t);
      } else {
        error(line_of(element), "'" + std::string(key) + "' must hold only tables");
      }
    }
    return result;
  }

  void reject_unknown_keys() {
    for (const auto& [key, node] : table_) {
      if (!read_.count(std::string(key.str()))) {
        errors_.push_back(place(static_cast<long>(key.source().begin.line)) + ": " + context_ +
                          ": unknown key '" + std::string(key.str()) + "'");
      }
    }
  }

 private:
  const toml::table& table_;
  std::string context_;
  std::string file_;
  std::vector<std::string>& errors_;
  std::set<std::string> read_;
};

}  // namespace deadline
