// The route table against docs/openapi.json, both ways: every route the server registers is
// documented, and nothing documented is missing from the table (integration.api then calls
// every route of the table on the running daemon).

#include "api/route_table.h"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

using namespace deadline::api;
using nlohmann::json;

namespace {

json openapi() {
  std::ifstream in(std::string(DEADLINED_TEST_DIR) + "/../docs/openapi.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::set<std::string> template_names(const std::string& path) {
  std::set<std::string> names;
  const std::regex param(R"(\{([^}]+)\})");
  for (auto it = std::sregex_iterator(path.begin(), path.end(), param); it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

}  // namespace

TEST_CASE("docs/openapi.json documents exactly the routes the server registers") {
  const json doc = openapi();
  CHECK(doc["openapi"] == "3.0.3");
  std::set<std::pair<std::string, std::string>> documented, registered;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      documented.insert({upper(method), path});
    }
  }
  for (const RouteSpec& route : public_api_routes()) {
    CHECK_MESSAGE(registered.insert({route.method, route.path}).second, "listed twice: ", route.method, " ", route.path);
  }
  for (const auto& [method, path] : registered) {
    CHECK_MESSAGE(documented.contains({method, path}), "registered but not in docs/openapi.json: ", method, " ", path);
  }
  for (const auto& [method, path] : documented) {
    CHECK_MESSAGE(registered.contains({method, path}), "in docs/openapi.json but not registered: ", method, " ", path);
  }
}

TEST_CASE("every operation declares its path parameters, its responses and the error shape") {
  const json doc = openapi();
  REQUIRE(doc["components"]["schemas"].contains("Error"));
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!operation.is_object() || !operation.contains("responses")) continue;
      std::set<std::string> declared;
      for (const json& list : {item.value("parameters", json::array()), operation.value("parameters", json::array())}) {
        for (const json& p : list) {
          const json& resolved = p.contains("$ref")
                                     ? doc["components"]["parameters"][p["$ref"].get<std::string>().substr(
                                           std::string("#/components/parameters/").size())]
                                     : p;
          if (resolved["in"] == "path") declared.insert(resolved["name"].get<std::string>());
        }
      }
      CHECK_MESSAGE(declared == template_names(path), method, " ", path);
      CHECK_MESSAGE(operation.contains("operationId"), method, " ", path);
      CHECK_MESSAGE(!operation["responses"].empty(), method, " ", path);
    }
  }
}

TEST_CASE("path templates match one segment per parameter") {
  const auto params = match_path("/api/v1/manage/{token}/endpoints/{id}", "/api/v1/manage/abc/endpoints/12");
  REQUIRE(params);
  CHECK(path_param(*params, "token") == "abc");
  CHECK(path_param(*params, "id") == "12");
  CHECK(path_param(*params, "other").empty());
  CHECK(match_path("/healthz", "/healthz"));
  CHECK_FALSE(match_path("/healthz", "/healthz/"));
  CHECK_FALSE(match_path("/api/v1/manage/{token}", "/api/v1/manage/"));
  CHECK_FALSE(match_path("/api/v1/manage/{token}", "/api/v1/manage/a/b"));
  CHECK_FALSE(match_path("/api/v1/manage/{token}/endpoints", "/api/v1/manage/a/endpoint"));
  CHECK_FALSE(match_path("/api/v1/manage/{token}/endpoints/{id}", "/api/v1/manage/a/endpoints//"));
}

TEST_CASE("no two routes of the table answer the same request") {
  const std::vector<RouteSpec> routes = public_api_routes();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    std::string sample = std::regex_replace(routes[i].path, std::regex(R"(\{[^}]+\})"), "x1");
    for (std::size_t j = 0; j < routes.size(); ++j) {
      if (i != j && routes[i].method == routes[j].method) CHECK_FALSE(match_path(routes[j].path, sample));
    }
  }
}
