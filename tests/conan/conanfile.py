"""Conan test package: builds tests/consumer (the README's C++ example and a kernel of its
own compiled per ISA) against the package `conan create` just made, and runs it."""

import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class PyperfTensorTestConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self, src_folder="../consumer")

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.user_presets_path = False  # leave the source tree (tests/consumer) as it is
        toolchain.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure(variables={"CONSUMER_MODE": "find_package"})
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "consumer"), env="conanrun")
