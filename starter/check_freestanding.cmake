# Fails the build if the code `pyattach` runs before glibc's start-up refers to anything
# outside itself: such a symbol would come from glibc, which cannot be called yet (an
# IFUNC such as memcpy is not even relocated). A `__builtin_memcpy` of a variable size,
# for one, becomes a call to glibc's memcpy despite freestanding_memory.hpp.
# Run as: cmake -DNM=nm -DOBJECTS="a.o|b.o" -P check_freestanding.cmake
cmake_minimum_required(VERSION 3.25)
string(REPLACE "|" ";" OBJECTS "${OBJECTS}")
execute_process(COMMAND ${NM} --undefined-only --format=just-symbols ${OBJECTS}
                OUTPUT_VARIABLE undefined COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${NM} --defined-only --format=just-symbols ${OBJECTS}
                OUTPUT_VARIABLE defined COMMAND_ERROR_IS_FATAL ANY)
string(REGEX REPLACE "\n" ";" undefined "${undefined}")
string(REGEX REPLACE "\n" ";" defined "${defined}")
list(REMOVE_DUPLICATES undefined)
list(REMOVE_ITEM undefined ${defined} "")
# glibc's entry point, where pyattach_entry goes on, is the one meant to be outside.
list(REMOVE_ITEM undefined _start)
if(undefined)
  message(FATAL_ERROR "the fast paths refer to code outside them, which cannot run before "
                      "glibc's start-up: ${undefined}")
endif()
