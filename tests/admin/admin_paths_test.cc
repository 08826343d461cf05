// The admin API's routes and methods (lib/admin/admin_paths.h).

#include <doctest/doctest.h>

#include "admin/admin_paths.h"

using namespace deadline;
using namespace deadline::admin;

TEST_CASE("every admin route is matched with its id") {
  struct Case {
    const char* path;
    AdminRoute route;
    const char* id;
  };
  const Case cases[] = {
      {"/admin/v1/subscribers", AdminRoute::subscribers, ""},
      {"/admin/v1/subscribers/12", AdminRoute::subscriber, "12"},
      {"/admin/v1/subscribers/12/unsubscribe", AdminRoute::subscriber_unsubscribe, "12"},
      {"/admin/v1/endpoints", AdminRoute::endpoints, ""},
      {"/admin/v1/endpoints/7", AdminRoute::endpoint, "7"},
      {"/admin/v1/endpoints/7/disable", AdminRoute::endpoint_disable, "7"},
      {"/admin/v1/endpoints/7/enable", AdminRoute::endpoint_enable, "7"},
      {"/admin/v1/messages", AdminRoute::messages, ""},
      {"/admin/v1/messages/0123456789abcdef0123456789abcdef/replay", AdminRoute::message_replay,
       "0123456789abcdef0123456789abcdef"},
      {"/admin/v1/counts", AdminRoute::counts, ""},
      {"/admin/v1/reload", AdminRoute::reload, ""},
      {"/admin/v1/revisions", AdminRoute::revisions, ""},
      {"/metrics", AdminRoute::metrics, ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    const auto found = match_admin_path(c.path);
    REQUIRE(found);
    CHECK(found->route == c.route);
    CHECK(found->id == c.id);
  }
}

TEST_CASE("other paths are not admin routes") {
  for (const char* path : {"/", "/admin", "/admin/v1", "/admin/v1/", "/admin/v1/subscribers/", "/admin/v1/nope",
                           "/admin/v1/subscribers/1/", "/admin/v1/subscribers//unsubscribe",
                           "/admin/v1/subscribers/1/disable", "/admin/v1/endpoints/1/unsubscribe",
                           "/admin/v1/messages/1", "/admin/v1/counts/1", "/admin/v1/endpoints/1/enable/now",
                           "/admin/v2/counts", "/metrics/", "/healthz", "/api/v1/programmes"}) {
    CAPTURE(path);
    CHECK_FALSE(match_admin_path(path));
  }
}

TEST_CASE("each route allows its methods and says so in Allow") {
  CHECK(allowed_methods(AdminRoute::subscribers) == "GET, HEAD, POST");
  CHECK(allowed_methods(AdminRoute::endpoint_rotate_secret) == "POST");
  CHECK(method_allowed(AdminRoute::endpoints, http::Verb::post));
  CHECK_FALSE(method_allowed(AdminRoute::messages, http::Verb::post));
  CHECK(allowed_methods(AdminRoute::subscriber) == "GET, HEAD, DELETE");
  CHECK(allowed_methods(AdminRoute::endpoint_disable) == "POST");
  CHECK(allowed_methods(AdminRoute::metrics) == "GET, HEAD");
  CHECK(method_allowed(AdminRoute::subscriber, http::Verb::get));
  CHECK(method_allowed(AdminRoute::subscriber, http::Verb::head));
  CHECK(method_allowed(AdminRoute::subscriber, http::Verb::delete_));
  CHECK_FALSE(method_allowed(AdminRoute::subscriber, http::Verb::post));
  CHECK_FALSE(method_allowed(AdminRoute::subscribers, http::Verb::delete_));
  CHECK(match_admin_path("/admin/v1/endpoints/7/rotate-secret")->route == AdminRoute::endpoint_rotate_secret);
  CHECK(match_admin_path("/admin/v1/endpoints/7/finish-rotation")->route == AdminRoute::endpoint_finish_rotation);
  CHECK(method_allowed(AdminRoute::reload, http::Verb::post));
  CHECK_FALSE(method_allowed(AdminRoute::reload, http::Verb::get));
  CHECK_FALSE(method_allowed(AdminRoute::counts, http::Verb::put));
  CHECK_FALSE(method_allowed(AdminRoute::message_replay, http::Verb::patch));
}
