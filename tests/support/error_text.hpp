#pragma once
// The message of the volley::user_error that f() throws, or "no error": for tests that check what a refusal names.
#include <string>

#include "engine/error.hpp"

namespace volley::test {

template <class F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const user_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace volley::test
