# SPDX-License-Identifier: GPL-3.0-or-later
# nnb_set_warnings(target): the project's warning set, as errors when NNB_WERROR is on.
function(nnb_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
                                             -Wno-missing-field-initializers)
    if(NNB_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
