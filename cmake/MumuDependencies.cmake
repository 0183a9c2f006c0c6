# Finds the third-party packages. Facts about them on Debian 12: ../shared/TOOLCHAIN.md.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Debian's libtorch 1.13 (reports 1.13.0) or a libtorch 2.x given through CMAKE_PREFIX_PATH.
find_package(Torch 1.13 REQUIRED)
set(MUMU_HAVE_CUDA OFF)
if(MUMU_CUDA STREQUAL "AUTO")
  if(TARGET torch_cuda OR "${TORCH_LIBRARIES}" MATCHES "torch_cuda|c10_cuda")
    set(MUMU_HAVE_CUDA ON)
  endif()
elseif(MUMU_CUDA)
  set(MUMU_HAVE_CUDA ON)
endif()

find_package(nlohmann_json 3.11 REQUIRED)
# OpenImageIO's CMake config is broken on Debian (wants openimageio-tools and OpenCV): use pkg-config.
pkg_check_modules(OIIO REQUIRED IMPORTED_TARGET OpenImageIO)

if(MUMU_GUI)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Sql Concurrent OpenGL OpenGLWidgets Svg
                                          Test LinguistTools)
  find_package(OpenGL REQUIRED)
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
  set(CMAKE_AUTOMOC ON)
  set(CMAKE_AUTORCC ON)
endif()

if(MUMU_TESTS)
  find_package(GTest REQUIRED)
endif()
if(MUMU_BENCHMARKS)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    message(STATUS "Google Benchmark not found: benchmarks off")
    set(MUMU_BENCHMARKS OFF)
  endif()
endif()
