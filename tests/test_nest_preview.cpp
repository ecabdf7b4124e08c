// GetConnections and SetStatus(connections) before the first Simulate are answered from a preview of the network
// (host/nest_preview.cpp): what a user sees when building that network fails.
#include <gtest/gtest.h>

#include <string>

#include "host/nest_layer.hpp"
#include "tests/support/error_text.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_preview {

using namespace volley;

TEST(NestPreview, ABuildErrorBeforeTheFirstRunNamesTheQuery) {
  // volley answers GetConnections and SetStatus(connections) before the first Simulate from the network it will
  // build: an error of that build (a cm_default without compartments, which NEST refuses to simulate) names the
  // query and the build, not a Simulate() the user has not called.
  nest::kernel k;
  k.create("cm_default");
  const auto n = k.create("iaf_psc_alpha", 2);
  k.connect(n, n, "all_to_all", {{"weight", 2.0}});
  const std::string listed = test::error_text([&] { k.get_connections(n, n); });
  const std::string set = test::error_text([&] { k.set_connections(n, n, {{"weight", 3.0}}); });
  for (const std::string& text : {listed, set}) {
    EXPECT_NE(text.find("before the first Simulate"), std::string::npos) << text;
    EXPECT_NE(text.find("compartments"), std::string::npos) << text;
  }
}

}  // namespace test_nest_preview
