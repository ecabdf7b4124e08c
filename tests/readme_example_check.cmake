# Fails unless README.md contains examples/api_example.cpp verbatim inside a ```cpp block.
file(READ ${README} readme)
file(READ ${EXAMPLE} example)
string(FIND "${readme}" "```cpp\n${example}```" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "README.md does not show examples/api_example.cpp verbatim in a ```cpp block")
endif()
