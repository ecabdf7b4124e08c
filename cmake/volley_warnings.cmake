add_library(volley_warnings INTERFACE)
target_compile_options(volley_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-unknown-pragmas>)
