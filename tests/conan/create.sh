#!/bin/sh
# ctest's conan_package: `conan create` on the source tree with a Conan home of its own,
# offline, xsimd from the system (system-deps.profile), the test package built under the
# work directory.
#   tests/conan/create.sh <conan executable> <source dir> <work dir>
set -eu
conan=$1
src=$2
work=$3
export CONAN_HOME="$work/home"
"$conan" profile detect --exist-ok
exec "$conan" create "$src" --profile:all "$src/tests/conan/system-deps.profile" --build=missing --no-remote \
     --conf "tools.cmake.cmake_layout:test_folder=$work/test_package"
