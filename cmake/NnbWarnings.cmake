# SPDX-License-Identifier: GPL-3.0-or-later
# nnb_set_warnings(target): the project's warning set, as errors when NNB_WERROR is on.
function(nnb_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
                                             -Wno-missing-field-initializers)
    # GCC 12 at -O2 reports false -Wrestrict/-Wstringop-overflow hits inside libstdc++'s
    # std::string code (GCC bugs 105329, 105651); they are not in our code.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        target_compile_options(${target} PRIVATE -Wno-restrict -Wno-stringop-overflow)
    endif()
    if(NNB_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
