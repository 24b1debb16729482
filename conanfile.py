"""Conan 2 recipe: pyperf_tensor as a header-only package.

    conan create .                     # package it (and build + run tests/conan against it)
    conan install --requires=pyperf_tensor/0.1.0 -g CMakeDeps -g CMakeToolchain

Consumers get the same CMake interface as from an installed package:
find_package(pyperf_tensor CONFIG REQUIRED), the target pyperf_tensor::pyperf_tensor, and
pyperf_tensor_add_kernels() to compile their own sources once per ISA.
"""

import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load


class PyperfTensorConan(ConanFile):
    name = "pyperf_tensor"
    description = "SIMD, multi-threaded tensor operations for C++17 and NumPy, without silent copies"
    license = "BSD-3-Clause"
    topics = ("simd", "xsimd", "tensor", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*", "cmake/pyperf_tensor_isa.cmake", "LICENSE"
    no_copy_source = True
    test_package_folder = "tests/conan"

    def set_version(self):
        # The version lives in one place: the C++ header.
        config = load(self, os.path.join(self.recipe_folder, "include", "pyperf_tensor", "config.hpp"))
        self.version = re.search(r'#define PYPERF_TENSOR_VERSION_STRING "([^"]+)"', config).group(1)

    def requirements(self):
        # The kernels are written against xsimd 8's API (Debian 12's libxsimd-dev is 8.1.0).
        self.requires("xsimd/8.1.0")

    def validate(self):
        check_min_cppstd(self, 17)

    def package_id(self):
        self.info.clear()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))
        copy(self, "pyperf_tensor_isa.cmake", os.path.join(self.source_folder, "cmake"),
             os.path.join(self.package_folder, "lib", "cmake", "pyperf_tensor"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "pyperf_tensor")
        self.cpp_info.set_property("cmake_target_name", "pyperf_tensor::pyperf_tensor")
        # pyperf_tensor_add_kernels() and the per-ISA flags, as the installed CMake package has them.
        self.cpp_info.set_property("cmake_build_modules", [os.path.join("lib", "cmake", "pyperf_tensor",
                                                                        "pyperf_tensor_isa.cmake")])
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread", "m"]
