# Shared compile settings and the torch precompiled header.

add_library(mumu_warnings INTERFACE)
# -fPIC on executables too (after CMake's -fPIE): one PIC mode everywhere keeps the torch PCH valid.
target_compile_options(mumu_warnings INTERFACE -Wall -Wextra -fPIC)
# Qt's `slots`/`signals` keywords collide with torch headers (ATen/core/ivalue_inl.h).
target_compile_definitions(mumu_warnings INTERFACE QT_NO_KEYWORDS)
# PyTorch's wheels export std::filesystem symbols (their toolchain's libstdc++_nonshared, compiled into libtorch).
# Loaded before libstdc++ they win the symbol lookup, and std::filesystem::remove_all jumped to address 0. Naming
# libstdc++ first on every link line puts it first in the search order, so the system's definitions win.
target_link_options(mumu_warnings INTERFACE "LINKER:--push-state,--no-as-needed,-lstdc++,--pop-state")
if(MUMU_ASAN)
  target_compile_options(mumu_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(mumu_warnings INTERFACE -fsanitize=address,undefined)
endif()

# Each translation unit including <torch/torch.h> costs ~20 s; with the PCH ~7.5 s. One PCH, built
# once in this tiny object library, is reused by every torch-using target (same flags everywhere).
add_library(mumu_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/pch_anchor.cpp)
target_link_libraries(mumu_torch_pch PUBLIC torch mumu_warnings)
target_precompile_headers(mumu_torch_pch PRIVATE <torch/torch.h> <string> <vector> <memory>)

# mumu_use_torch_pch(target): reuse the shared torch PCH.
function(mumu_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM mumu_torch_pch)
endfunction()

# mumu_add_translations(target): compile translations/*.ts and embed the .qm files under :/i18n.
function(mumu_add_translations target)
  qt_add_lrelease(${target} TS_FILES ${MUMU_TS_FILES} QM_FILES_OUTPUT_VARIABLE qm_files)
  qt_add_resources(${target} "mumu_translations" PREFIX "/i18n" BASE ${CMAKE_CURRENT_BINARY_DIR}
                   FILES ${qm_files})
endfunction()
