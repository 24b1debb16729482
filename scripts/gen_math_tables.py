"""Writes include/pyperf_tensor/simd/math_tables.hpp, the tables of simd/math.hpp.

    python scripts/gen_math_tables.py > include/pyperf_tensor/simd/math_tables.hpp

Every value is computed in 60-digit decimal arithmetic and rounded once to its type, so the
tables carry no error of their own beyond that rounding (tests/python/test_elementwise.py
checks that the committed header is this script's output).

log (float64 pow): x = 2^k z with z in [0.765625, 1.53125); the 16 subintervals are the 16
values of the top 4 bits of z's significand after an offset, arranged so that z = 1 lies
inside the interval whose c is 1 (log(1) must come out as exactly 0). For each subinterval,
invc is 1/c for c its midpoint, rounded to double; log(1/invc) is split into a hi part that
is a multiple of 2^-42 (so k ln2_hi + logc_hi is exact for any exponent k) and a lo part.
exp (float64 exp and pow): 2^(j/16) for j = 0..15 as a double and its relative tail
(2^(j/16) - hi) / hi.
log (float32 and float64, AVX-512): z in [0.75, 1.5) (what vgetmantps/pd give), 16
subintervals by the top bits after an offset; invc is 1 where z = 1 lies, elsewhere the
multiple of 1/16 that keeps |z invc - 1| smallest over the interval (at most 1/16 for all 16),
so z invc - 1 is exact in float32 and in float64; log(1/invc) rounded to the type and the
rounded rest.
log (float32, AVX2): 8 subintervals (a table fills one ymm register) by the top 3 bits after
an offset, z in [0.7734375, 1.546875): z = 1 lies inside the fourth, 5/128 from its start
and 3/64 from its end (with AVX-512's z in [0.75, 1.5) the interval [1, 1.125) would need
invc = 1 and |r| up to 1/8). invc is 1 there, elsewhere the nearest multiple of 1/64 (by the
largest |z invc - 1| over the interval) for which every z of the interval gives an exact
z invc - 1 in float32 (checked float by float): |r| <= 0.0665.
"""

from decimal import Decimal, getcontext
import struct

getcontext().prec = 60
N = 16
OFFSET = 0x3FE8800000000000  # z's bits start here: 1.0 = OFFSET + 7.5 * 2^48
OFFSET_F32 = 0x3F400000  # float32: z in [0.75, 1.5), AVX-512's getmant interval
OFFSET_F64 = 0x3FE8000000000000  # the same 0.75 in double's bits
LOG8_OFFSET_F32 = 0x3F460000  # float32 AVX2: z in [0.7734375, 1.546875)
LN2 = Decimal(2).ln()


def double(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def single_bits(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def single(v):
    """v rounded to the nearest float32 (as a Python float)."""
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def multiple_of(v, step):
    """v rounded to the nearest multiple of the power of two `step` (few significant bits)."""
    return float((v / step).to_integral_value() * step)


def split(v, step=None):
    hi = float(v) if step is None else multiple_of(v, step)
    return hi, float(v - Decimal(hi))


def f64_tables():
    invc, logc_hi, logc_lo = [], [], []
    for i in range(N):
        lo, hi = double(OFFSET + (i << 48)), double(OFFSET + ((i + 1) << 48))
        ic = 1.0 if lo <= 1.0 < hi else float(Decimal(2) / (Decimal(lo) + Decimal(hi)))
        h, l = split(-Decimal(ic).ln(), Decimal(2) ** -42)
        invc.append(ic), logc_hi.append(h), logc_lo.append(l)
    exp_hi, exp_tail = [], []
    for j in range(N):
        v = (Decimal(j) / N * LN2).exp()
        h = float(v)
        exp_hi.append(h), exp_tail.append(float((v - Decimal(h)) / Decimal(h)))
    return {"invc": invc, "logc_hi": logc_hi, "logc_lo": logc_lo, "exp_hi": exp_hi, "exp_tail": exp_tail}


def getmant_tables():
    invc, logc, logc_lo, logc64, logc64_lo = [], [], [], [], []
    for i in range(N):
        lo = single_bits(OFFSET_F32 + (i << 19))
        top = single_bits(OFFSET_F32 + ((i + 1) << 19) - 1)  # the interval's last float
        ic = 1.0 if lo <= 1.0 <= top else \
            min((m / 16 for m in range(8, 25)), key=lambda v: max(abs(lo * v - 1), abs(top * v - 1)))
        # exact: z invc has its last bit at 2^-28 (z < 1) or 2^-27, so r needs |r| < 2^-4 or 2^-3
        assert max(abs(lo * ic - 1), abs(top * ic - 1)) <= 1 / 16
        v = -Decimal(ic).ln()
        h, h64 = single(v), float(v)
        invc.append(ic), logc.append(h), logc_lo.append(single(v - Decimal(h)))
        logc64.append(h64), logc64_lo.append(float(v - Decimal(h64)))
    return ({"log_f32_invc": invc, "log_f32_c": logc, "log_f32_c_lo": logc_lo},
            {"log_f64_invc": invc, "log_f64_c": logc64, "log_f64_c_lo": logc64_lo})


def ymm_log_tables(n=8):
    import numpy as np

    invc, logc, logc_lo = [], [], []
    for i in range(n):
        lo_bits, hi_bits = LOG8_OFFSET_F32 + (i << 20), LOG8_OFFSET_F32 + ((i + 1) << 20)
        lo, top = single_bits(lo_bits), single_bits(hi_bits - 1)
        z = np.arange(lo_bits, hi_bits, dtype=np.uint32).view(np.float32).astype(np.float64)

        def exact(v):  # z v - 1 is exact in double (24 and at most 7 significant bits)
            r = z * v - 1
            return np.array_equal(r.astype(np.float32).astype(np.float64), r)

        worst = lambda v: max(abs(lo * v - 1), abs(top * v - 1))
        ic = 1.0 if lo <= 1.0 <= top else next(v for v in sorted((m / 64 for m in range(32, 100)), key=worst)
                                                if exact(v))
        assert exact(ic) and worst(ic) < 0.0665
        v = -Decimal(ic).ln()
        h = single(v)
        invc.append(ic), logc.append(h), logc_lo.append(single(v - Decimal(h)))
    return {"log8_f32_invc": invc, "log8_f32_c": logc, "log8_f32_c_lo": logc_lo}


def header():
    ln2_hi, ln2_lo = split(LN2, Decimal(2) ** -42)  # k ln2_hi exact for |k| < 2^11
    ln2n_hi, ln2n_lo = split(LN2 / N, Decimal(2) ** -40)  # n ln2/16 exact for |n| < 2^18
    lines = [
        "// Generated by scripts/gen_math_tables.py (see there for what each table holds); do not edit.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "",
        "namespace pyperf_tensor::simd::tables",
        "{",
        "    // clang-format off",
    ]
    f32, f64 = getmant_tables()
    for type_, suffix, arrays in (("double", "", f64_tables()), ("float", "f", f32), ("double", "", f64),
                                  ("float", "f", ymm_log_tables())):
        for name, values in arrays.items():
            lines.append(f"    alignas(64) inline constexpr {type_} {name}[{len(values)}] = {{")
            lines += [f"        {', '.join(v.hex() + suffix for v in values[r:r + 4])}," for r in range(0, len(values), 4)]
            lines.append("    };")
    lines.append(f"    inline constexpr std::uint64_t offset = {OFFSET:#x};")
    lines.append(f"    inline constexpr std::uint32_t offset_f32 = {OFFSET_F32:#x};")
    lines.append(f"    inline constexpr std::uint64_t offset_f64 = {OFFSET_F64:#x};")
    lines.append(f"    inline constexpr std::uint32_t log8_offset_f32 = {LOG8_OFFSET_F32:#x};")
    scalars = {"ln2_hi": ln2_hi, "ln2_lo": ln2_lo, "ln2_16_hi": ln2n_hi, "ln2_16_lo": ln2n_lo}
    lines += [f"    inline constexpr double {name} = {v.hex()};" for name, v in scalars.items()]
    lines.append("    // clang-format on")
    lines.append("} // namespace pyperf_tensor::simd::tables")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(header(), end="")
