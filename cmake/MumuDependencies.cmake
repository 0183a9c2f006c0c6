# Finds the third-party packages. Facts about them on Debian 12: ../shared/TOOLCHAIN.md.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# libtorch 2.x from PyTorch's wheel: the .venv that scripts/setup_torch.sh links into the checkout, or any
# libtorch given through CMAKE_PREFIX_PATH (a wheel's torch.utils.cmake_prefix_path, or an unpacked libtorch zip).
set(MUMU_TORCH_VENV "${PROJECT_SOURCE_DIR}/.venv" CACHE PATH "Python environment holding PyTorch's wheel")
set(_mumu_torch_dir "")
foreach(_p IN LISTS CMAKE_PREFIX_PATH)
  if(EXISTS "${_p}/Torch/TorchConfig.cmake")  # …/torch/share/cmake
    get_filename_component(_mumu_torch_dir "${_p}/../.." ABSOLUTE)
  endif()
endforeach()
if(NOT _mumu_torch_dir)
  file(GLOB _mumu_torch_dirs "${MUMU_TORCH_VENV}/lib/python3*/site-packages/torch")
  if(_mumu_torch_dirs)
    list(GET _mumu_torch_dirs 0 _mumu_torch_dir)
    list(APPEND CMAKE_PREFIX_PATH "${_mumu_torch_dir}/share/cmake")
  endif()
endif()
if(_mumu_torch_dir)
  # The wheel's lib/ first: TorchConfig's find_library would otherwise take a system libtorch.so (Debian's 1.13).
  list(PREPEND CMAKE_PREFIX_PATH "${_mumu_torch_dir}")
  # A CUDA wheel's TorchConfig wants a CUDA toolkit at configure time: NVIDIA's wheels beside it (setup_torch.sh).
  file(GLOB _mumu_cuda_roots "${_mumu_torch_dir}/../nvidia/cu[0-9]*")
  if(_mumu_cuda_roots AND NOT DEFINED CUDA_TOOLKIT_ROOT_DIR)
    list(GET _mumu_cuda_roots 0 _mumu_cuda_root)
    get_filename_component(_mumu_cuda_root "${_mumu_cuda_root}" ABSOLUTE)
    if(EXISTS "${_mumu_cuda_root}/bin/nvcc")
      set(CUDA_TOOLKIT_ROOT_DIR "${_mumu_cuda_root}")
      set(CMAKE_CUDA_COMPILER "${_mumu_cuda_root}/bin/nvcc")
    endif()
  endif()
  # Kineto is linked into the wheel's libtorch_cpu; TorchConfig still looks for a library of its own.
  if(EXISTS "${_mumu_torch_dir}/lib/libtorch_cpu.so")
    set(kineto_LIBRARY "${_mumu_torch_dir}/lib/libtorch_cpu.so" CACHE FILEPATH "")
  endif()
endif()
# We compile no CUDA kernels: an explicit arch list skips torch's GPU detection (a try_run), and C++17 is a CUDA
# dialect CMake 3.25 knows for nvcc 13 (it has no flags for CUDA20).
set(TORCH_CUDA_ARCH_LIST "8.0;9.0" CACHE STRING "CUDA architectures (only for CUDA sources, of which we have none)")
set(CMAKE_CUDA_STANDARD 17)
find_package(Torch 2 REQUIRED)
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
if(MUMU_OIIO)
  pkg_check_modules(OIIO REQUIRED IMPORTED_TARGET OpenImageIO)
elseif(MUMU_GUI OR MUMU_TESTS)
  message(FATAL_ERROR "MUMU_OIIO=OFF is for headless GPU checks: configure it with MUMU_GUI=OFF and MUMU_TESTS=OFF")
endif()

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
