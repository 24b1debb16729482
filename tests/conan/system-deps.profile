# The detected profile, with xsimd taken from the system (Debian: libxsimd-dev) instead of
# a Conan remote: how `make test` checks the recipe offline.
include(default)

[platform_requires]
xsimd/8.1.0
