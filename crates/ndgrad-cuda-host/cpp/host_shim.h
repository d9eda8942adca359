// Lets kernels/grad.cu compile as C++ for the CPU: the CUDA built-ins it uses, each with
// the rounding the GPU instruction has (IEEE round-to-nearest-even; x86-64 SSE arithmetic is
// exactly that, and -ffp-contract=off keeps it from fusing). Thread and block indices are
// thread-local globals the harness sets before calling a kernel body.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#define NDG_HOST 1
#define NDG_DEV inline
#define NDG_GLOBAL extern "C"
#define NDG_PARAMS const NdgParams
#define __restrict__ __restrict

struct dim3 {
    unsigned x, y, z;
};
extern thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fmaf(a, b, c); }
inline double __ll2double_rn(long long x) { return (double)x; }
inline double __ull2double_rn(unsigned long long x) { return (double)x; }
inline float __double2float_rn(double x) { return (float)x; }
template <class T>
inline void __stcs(T* p, T v) { *p = v; }

// f16 conversions (PTX cvt) in software.
inline float ndg_f16_to_f32(unsigned short h) {
    const unsigned e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v;
    if (e == 0) {
        v = std::ldexp((float)m, -24);
    } else if (e == 31) {
        v = m ? NAN : INFINITY;
    } else {
        v = std::ldexp((float)(m | 0x400), (int)e - 25);
    }
    return (h & 0x8000) ? -v : v;
}

// Round to nearest even, once, from any double (floats widen exactly).
inline unsigned short ndg_f64_to_f16(double x) {
    const unsigned short sign = std::signbit(x) ? 0x8000 : 0;
    if (std::isnan(x)) return sign | 0x7e00;
    const double a = std::fabs(x);
    if (std::isinf(a)) return sign | 0x7c00;
    if (a < 0x1p-14) {
        // Subnormal (or zero): whole multiples of 2^-24; 1024 of them is the smallest normal,
        // whose encoding is 0x400, so the sum below stays right when rounding carries.
        return sign | (unsigned short)std::nearbyint(a * 0x1p24);
    }
    int e;
    std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1): exponent e - 1
    const double q = std::nearbyint(std::ldexp(a, 11 - e));  // in [1024, 2048]
    unsigned exp = (unsigned)(e - 1 + 15), mant = (unsigned)q - 1024;
    if (q == 2048) {
        exp += 1;
        mant = 0;
    }
    if (exp >= 31) return sign | 0x7c00;
    return sign | (unsigned short)((exp << 10) | mant);
}
inline unsigned short ndg_f32_to_f16(float x) { return ndg_f64_to_f16((double)x); }
