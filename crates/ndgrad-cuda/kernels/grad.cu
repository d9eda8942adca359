// grad.cu: numpy.gradient's formulas as one CUDA kernel for all requested axes, with NumPy's
// bits (the CPU engine's crates/ndgrad/src/element.rs and kernels.rs are the reference).
//
// Exactness rules (docs/GPU.md of the design, section 3):
// - All arithmetic lives in NDG_DEV functions below; the kernel only indexes and calls them,
//   so the host build (crates/ndgrad-cuda-host) tests the very arithmetic the GPU runs.
// - Every operation is an explicitly rounded intrinsic (__dadd_rn, __fmul_rn, ...): `.rn`
//   operations are never contracted into FMA. The only FMAs are NumPy's complex multiply's
//   (one per part, as NumPy's loops round it).
// - NumPy's order: differences in the data's own type, division in the compute type, never
//   by a reciprocal; three-point sums as (a*f0 + b*f1) + c*f2.
// - No #include: the NVRTC wheels ship no headers. Compiled with --fmad=false --ftz=false
//   --prec-div=true (scripts/gen_ptx.sh); the PTX is committed as grad.ptx.
// The parameter layout is mirrored by crates/ndgrad-cuda/src/params.rs (#[repr(C)]).

// Tuning (scripts/gen_ptx.py --define overrides it for a sweep, scripts/gpu_sweep.sh; the
// shipped value is the one measured best, docs/PERFORMANCE.md "GPU"): how many 256-thread
// blocks per SM the register budget is capped for (0: no cap).
#ifndef NDG_MIN_BLOCKS
#define NDG_MIN_BLOCKS 0
#endif

#ifndef NDG_HOST
#define NDG_DEV __device__ __forceinline__
#if NDG_MIN_BLOCKS > 0
#define NDG_GLOBAL extern "C" __global__ __launch_bounds__(256, NDG_MIN_BLOCKS)
#else
#define NDG_GLOBAL extern "C" __global__
#endif
// Parameters stay in the parameter space when indexed by a variable (the general kernels'
// loop over axes): no per-thread copy of them (sm_70+, CUDA 11.7+).
#define NDG_PARAMS const __grid_constant__ NdgParams
#endif

#define NDG_MAX_DIMS 8
// Outputs a NumPy-formula launch holds in registers (their offsets and positions): more
// would cost every launch registers, hence occupancy; launches of more axes run the
// general kernels (crates/ndgrad-cuda/src/launch.rs: FAST_AXES).
#define NDG_FAST_AXES 4

// A divisor prepared in the compute type (ndgrad::backend::Divisor).
struct NdgDivisor {
    double d;    // real compute types: the divisor; complex zero: |d|
    double rat;  // complex reciprocal: 0 / d
    double scl;  // complex reciprocal: 1 / (d + 0 * rat)
    int kind;    // NDG_DIV_*
    int pad;
};
#define NDG_DIV_REAL 0
#define NDG_DIV_COMPLEX_ZERO 1
#define NDG_DIV_COMPLEX_RECIPROCAL 2

// One differentiated axis: its output and NumPy's coefficients in the compute type.
struct NdgAxis {
    long long out_strides[NDG_MAX_DIMS];  // element strides of this output, iteration order
    unsigned long long out;               // output pointer
    unsigned long long table;             // coordinate axes: [a, b, c] per interior sample
    NdgDivisor h2, first, last;
    double left[3], right[3];
    long long origin;     // the axis's index of the launch's first sample (0 for whole arrays)
    long long len;        // the axis's whole length (a block's launch sees part of it)
    long long row_pitch;  // middle dims: rows per step along this axis (1 if outer/inner)
    long long ghost_left;   // ghost samples before sample 0 (boundary modes)
    long long ghost_right;  // ghost samples after sample len - 1
    double constant[4];     // "constant" ghosts in the data's arithmetic type: left re, im,
                            // right re, im
    int dim;              // the iteration dim this axis runs along
    int edge_order;       // NumPy's formulas: 1 or 2
    int uniform;          // NumPy's formulas: 1: (f[i+1] - f[i-1]) / h2; 0: the table
    int kind;             // NDG_KIND_*
    int half_width;       // taps: interior points read i - half_width ..= i + half_width
    int end_width;        // taps: points nearer an end read the end_width nearest samples
    int odd;              // uniform taps: odd derivative (pairs are differences)
    int fill_left;        // NDG_FILL_*
    int fill_right;
    int pad;
};
// What an axis computes: NumPy's formulas (h2/first/last/left/right, the table holding the
// coordinate interior), or taps: uniform (the table holds centre[half_width + 1], then
// half_width left rows and half_width right rows of end_width weights; divided by h2) or on
// coordinates (the table holds, per real sample, max(2 half_width + 1, end_width) weights).
#define NDG_KIND_NUMPY 0
#define NDG_KIND_UNIFORM_TAPS 1
#define NDG_KIND_COORDINATE_TAPS 2
// Where ghost samples come from (np.pad's modes).
#define NDG_FILL_WRAP 0
#define NDG_FILL_MIRROR 1
#define NDG_FILL_CONSTANT 2

// One launch. Iteration dims are the array's dims ordered by decreasing input stride (the
// last one is the unit-stride one threads run along), at least 3 of them: dim 0 is marched
// by each thread, dims 1..ndim-2 are the "rows" of grid y, dim ndim-1 is grid x.
struct NdgParams {
    unsigned long long in;
    long long shape[NDG_MAX_DIMS];
    long long strides[NDG_MAX_DIMS];  // input element strides
    long long rows;                   // product of shape[1..ndim-1)
    long long outer_chunk;            // dim-0 samples per grid z
    int ndim;
    int naxes;
    NdgAxis axes[NDG_MAX_DIMS];
};

// ---------------------------------------------------------------------------------------
// Value types. f16 data is stored as raw bits; f16 arithmetic is carried in `ndg_h` as a
// float that always holds an f16 value (every operation rounds back to f16 once, which
// equals a correctly rounded f16 operation since f32 has more than twice f16's precision).
struct ndg_half { unsigned short bits; };
struct ndg_h { float v; };
struct ndg_cf { float re, im; };
struct ndg_cd { double re, im; };

#ifndef NDG_HOST
// The conversions PTX rounds exactly as IEEE asks; the host shim gives them in software.
NDG_DEV float ndg_f16_to_f32(unsigned short h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}
NDG_DEV unsigned short ndg_f32_to_f16(float f) {
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}
NDG_DEV unsigned short ndg_f64_to_f16(double d) {
    unsigned short h;
    asm("cvt.rn.f16.f64 %0, %1;" : "=h"(h) : "d"(d));
    return h;
}
#endif

NDG_DEV ndg_h ndg_h_round(float x) { return ndg_h{ndg_f16_to_f32(ndg_f32_to_f16(x))}; }

// ---- data into its own arithmetic type S (integers become f64, as NumPy's astype) ----
NDG_DEV double ndg_s(double x) { return x; }
NDG_DEV float ndg_s(float x) { return x; }
NDG_DEV ndg_h ndg_s(ndg_half x) { return ndg_h{ndg_f16_to_f32(x.bits)}; }
NDG_DEV ndg_cf ndg_s(ndg_cf x) { return x; }
NDG_DEV ndg_cd ndg_s(ndg_cd x) { return x; }
NDG_DEV double ndg_s(signed char x) { return (double)x; }
NDG_DEV double ndg_s(short x) { return (double)x; }
NDG_DEV double ndg_s(int x) { return (double)x; }
NDG_DEV double ndg_s(long long x) { return __ll2double_rn(x); }
NDG_DEV double ndg_s(unsigned char x) { return (double)x; }
NDG_DEV double ndg_s(unsigned short x) { return (double)x; }
NDG_DEV double ndg_s(unsigned int x) { return (double)x; }
NDG_DEV double ndg_s(unsigned long long x) { return __ull2double_rn(x); }

// ---- S promoted to the compute type C (always exact) ----
template <class C> struct ndg_up;
template <> struct ndg_up<double> {
    NDG_DEV static double from(double x) { return x; }
    NDG_DEV static double from(float x) { return (double)x; }
    NDG_DEV static double from(ndg_h x) { return (double)x.v; }
};
template <> struct ndg_up<float> {
    NDG_DEV static float from(float x) { return x; }
    NDG_DEV static float from(ndg_h x) { return x.v; }
};
template <> struct ndg_up<ndg_h> {
    NDG_DEV static ndg_h from(ndg_h x) { return x; }
};
template <> struct ndg_up<ndg_cd> {
    NDG_DEV static ndg_cd from(ndg_cd x) { return x; }
    NDG_DEV static ndg_cd from(ndg_cf x) { return ndg_cd{(double)x.re, (double)x.im}; }
};
template <> struct ndg_up<ndg_cf> {
    NDG_DEV static ndg_cf from(ndg_cf x) { return x; }
};

// ---- arithmetic, each operation rounded once ----
NDG_DEV double ndg_sub(double a, double b) { return __dsub_rn(a, b); }
NDG_DEV float ndg_sub(float a, float b) { return __fsub_rn(a, b); }
NDG_DEV ndg_h ndg_sub(ndg_h a, ndg_h b) { return ndg_h_round(__fsub_rn(a.v, b.v)); }
NDG_DEV ndg_cf ndg_sub(ndg_cf a, ndg_cf b) {
    return ndg_cf{__fsub_rn(a.re, b.re), __fsub_rn(a.im, b.im)};
}
NDG_DEV ndg_cd ndg_sub(ndg_cd a, ndg_cd b) {
    return ndg_cd{__dsub_rn(a.re, b.re), __dsub_rn(a.im, b.im)};
}

NDG_DEV double ndg_add(double a, double b) { return __dadd_rn(a, b); }
NDG_DEV float ndg_add(float a, float b) { return __fadd_rn(a, b); }
NDG_DEV ndg_h ndg_add(ndg_h a, ndg_h b) { return ndg_h_round(__fadd_rn(a.v, b.v)); }
NDG_DEV ndg_cf ndg_add(ndg_cf a, ndg_cf b) {
    return ndg_cf{__fadd_rn(a.re, b.re), __fadd_rn(a.im, b.im)};
}
NDG_DEV ndg_cd ndg_add(ndg_cd a, ndg_cd b) {
    return ndg_cd{__dadd_rn(a.re, b.re), __dadd_rn(a.im, b.im)};
}

// `a * x` with a real coefficient `a` (already a value of the compute type's real type).
// Complex: NumPy promotes `a` to `a + 0j` and its complex multiply rounds each part once,
// `fma(a, xr, -(0 * xi))` and `fma(a, xi, 0 * xr)`: the only FMAs of this file.
NDG_DEV double ndg_scale(double a, double x) { return __dmul_rn(a, x); }
NDG_DEV float ndg_scale(double a, float x) { return __fmul_rn(__double2float_rn(a), x); }
NDG_DEV ndg_h ndg_scale(double a, ndg_h x) {
    return ndg_h_round(__fmul_rn(__double2float_rn(a), x.v));
}
NDG_DEV ndg_cd ndg_scale(double a, ndg_cd x) {
    return ndg_cd{__fma_rn(a, x.re, -__dmul_rn(0.0, x.im)), __fma_rn(a, x.im, __dmul_rn(0.0, x.re))};
}
NDG_DEV ndg_cf ndg_scale(double a, ndg_cf x) {
    float af = __double2float_rn(a);
    return ndg_cf{__fmaf_rn(af, x.re, -__fmul_rn(0.0f, x.im)),
                  __fmaf_rn(af, x.im, __fmul_rn(0.0f, x.re))};
}

// `x / d`, NumPy's way for each compute type.
NDG_DEV double ndg_div(double x, const NdgDivisor& d) { return __ddiv_rn(x, d.d); }
NDG_DEV float ndg_div(float x, const NdgDivisor& d) {
    return __fdiv_rn(x, __double2float_rn(d.d));
}
NDG_DEV ndg_h ndg_div(ndg_h x, const NdgDivisor& d) {
    return ndg_h_round(__fdiv_rn(x.v, __double2float_rn(d.d)));
}
NDG_DEV ndg_cd ndg_div(ndg_cd x, const NdgDivisor& d) {
    if (d.kind == NDG_DIV_COMPLEX_ZERO) {
        return ndg_cd{__ddiv_rn(x.re, d.d), __ddiv_rn(x.im, d.d)};
    }
    return ndg_cd{__dmul_rn(__dadd_rn(x.re, __dmul_rn(x.im, d.rat)), d.scl),
                  __dmul_rn(__dsub_rn(x.im, __dmul_rn(x.re, d.rat)), d.scl)};
}
NDG_DEV ndg_cf ndg_div(ndg_cf x, const NdgDivisor& d) {
    if (d.kind == NDG_DIV_COMPLEX_ZERO) {
        float a = __double2float_rn(d.d);
        return ndg_cf{__fdiv_rn(x.re, a), __fdiv_rn(x.im, a)};
    }
    float rat = __double2float_rn(d.rat), scl = __double2float_rn(d.scl);
    return ndg_cf{__fmul_rn(__fadd_rn(x.re, __fmul_rn(x.im, rat)), scl),
                  __fmul_rn(__fsub_rn(x.im, __fmul_rn(x.re, rat)), scl)};
}

// ---- the compute type into the output type (NumPy's cast on assignment) ----
NDG_DEV void ndg_put(double* p, double c) { __stcs(p, c); }
NDG_DEV void ndg_put(float* p, float c) { __stcs(p, c); }
NDG_DEV void ndg_put(float* p, double c) { __stcs(p, __double2float_rn(c)); }
NDG_DEV void ndg_put(ndg_half* p, ndg_h c) { __stcs(&p->bits, ndg_f32_to_f16(c.v)); }
NDG_DEV void ndg_put(ndg_half* p, float c) { __stcs(&p->bits, ndg_f32_to_f16(c)); }
NDG_DEV void ndg_put(ndg_half* p, double c) { __stcs(&p->bits, ndg_f64_to_f16(c)); }
NDG_DEV void ndg_put(ndg_cd* p, ndg_cd c) {
    __stcs(&p->re, c.re);
    __stcs(&p->im, c.im);
}
NDG_DEV void ndg_put(ndg_cf* p, ndg_cf c) {
    __stcs(&p->re, c.re);
    __stcs(&p->im, c.im);
}
NDG_DEV void ndg_put(ndg_cf* p, ndg_cd c) {
    __stcs(&p->re, __double2float_rn(c.re));
    __stcs(&p->im, __double2float_rn(c.im));
}

// "constant" ghost values, given as (re, im) doubles, in the data's arithmetic type S
// (chosen by the data pointer's type; the values are exact in S, rounded on the host).
NDG_DEV double ndg_const(const double*, double re, double) { return re; }
NDG_DEV float ndg_const(const float*, double re, double) { return __double2float_rn(re); }
NDG_DEV ndg_h ndg_const(const ndg_half*, double re, double) {
    return ndg_h{__double2float_rn(re)};
}
NDG_DEV ndg_cf ndg_const(const ndg_cf*, double re, double im) {
    return ndg_cf{__double2float_rn(re), __double2float_rn(im)};
}
NDG_DEV ndg_cd ndg_const(const ndg_cd*, double re, double im) { return ndg_cd{re, im}; }
template <class I>
NDG_DEV double ndg_const(const I*, double re, double) { return re; }  // integers: f64

// ---- NumPy's two formulas, on values of the data's arithmetic type S ----
// `(hi - lo) / d`: the difference in S, the division in the compute type C.
template <class C, class S>
NDG_DEV C ndg_difference_s(S lo, S hi, const NdgDivisor& d) {
    return ndg_div(ndg_up<C>::from(ndg_sub(hi, lo)), d);
}

// `(a*f0 + b*f1) + c*f2` in the compute type.
template <class C, class S>
NDG_DEV C ndg_three_s(const double* w, S f0, S f1, S f2) {
    C t0 = ndg_scale(w[0], ndg_up<C>::from(f0));
    C t1 = ndg_scale(w[1], ndg_up<C>::from(f1));
    C t2 = ndg_scale(w[2], ndg_up<C>::from(f2));
    return ndg_add(ndg_add(t0, t1), t2);
}

template <class C, class T>
NDG_DEV C ndg_difference(T lo, T hi, const NdgDivisor& d) {
    return ndg_difference_s<C>(ndg_s(lo), ndg_s(hi), d);
}

template <class C, class T>
NDG_DEV C ndg_three(const double* w, T f0, T f1, T f2) {
    return ndg_three_s<C>(w, ndg_s(f0), ndg_s(f1), ndg_s(f2));
}

// The gradient along one axis at sample i of n; f points at sample i, s is the axis's
// element stride. A block's launch passes its samples' indices on the whole axis, and
// holds the samples its stencils read beyond the block (Plan::reach of them).
template <class C, class T>
NDG_DEV C ndg_axis_value(const NdgAxis& a, const T* __restrict__ f, long long s, long long i,
                         long long n) {
    if (i == 0) {
        if (a.edge_order == 2) return ndg_three<C>(a.left, f[0], f[s], f[2 * s]);
        return ndg_difference<C>(f[0], f[s], a.first);
    }
    if (i == n - 1) {
        if (a.edge_order == 2) return ndg_three<C>(a.right, f[-2 * s], f[-s], f[0]);
        return ndg_difference<C>(f[-s], f[0], a.last);
    }
    if (a.uniform) return ndg_difference<C>(f[-s], f[s], a.h2);
    const double* w = (const double*)a.table + 3 * (i - 1);
    return ndg_three<C>(w, f[-s], f[0], f[s]);
}

// ---- axes with ghost samples, and taps ----
// Extended sample e of an axis (real sample r is e - ghost_left), in S, read through the
// ghost index map (np.pad's modes): f points at real sample i.
template <class T>
NDG_DEV auto ndg_at(const NdgAxis& a, const T* __restrict__ f, long long s, long long i,
                    long long e) -> decltype(ndg_s(f[0])) {
    const long long n = a.len;
    long long r = e - a.ghost_left;
    if (r < 0 || r >= n) {
        const bool left = r < 0;
        const long long d = left ? -r : r - (n - 1);
        const int fill = left ? a.fill_left : a.fill_right;
        if (fill == NDG_FILL_CONSTANT) {
            return left ? ndg_const(f, a.constant[0], a.constant[1])
                        : ndg_const(f, a.constant[2], a.constant[3]);
        }
        if (fill == NDG_FILL_WRAP) {
            r = left ? n - d : d - 1;
        } else {
            r = left ? d : n - 1 - d;
        }
    }
    return ndg_s(f[(r - i) * s]);
}

// NumPy's formulas over the extended axis (boundary modes with accuracy 2).
template <class C, class T>
NDG_DEV C ndg_numpy_ghosts(const NdgAxis& a, const T* __restrict__ f, long long s, long long i) {
    const long long e = i + a.ghost_left, n = a.len + a.ghost_left + a.ghost_right;
    if (e == 0) {
        if (a.edge_order == 2)
            return ndg_three_s<C>(a.left, ndg_at(a, f, s, i, 0), ndg_at(a, f, s, i, 1),
                                  ndg_at(a, f, s, i, 2));
        return ndg_difference_s<C>(ndg_at(a, f, s, i, 0), ndg_at(a, f, s, i, 1), a.first);
    }
    if (e == n - 1) {
        if (a.edge_order == 2)
            return ndg_three_s<C>(a.right, ndg_at(a, f, s, i, n - 3), ndg_at(a, f, s, i, n - 2),
                                  ndg_at(a, f, s, i, n - 1));
        return ndg_difference_s<C>(ndg_at(a, f, s, i, n - 2), ndg_at(a, f, s, i, n - 1), a.last);
    }
    if (a.uniform) return ndg_difference_s<C>(ndg_at(a, f, s, i, e - 1), ndg_at(a, f, s, i, e + 1), a.h2);
    const double* w = (const double*)a.table + 3 * (e - 1);
    return ndg_three_s<C>(w, ndg_at(a, f, s, i, e - 1), ndg_at(a, f, s, i, e),
                          ndg_at(a, f, s, i, e + 1));
}

// A taps stencil (the CPU's exec/taps.rs order): uniform interior points sum symmetric
// pairs outwards, every other point sums w_j f[node_j] over ascending nodes; uniform sums
// are then divided by h^deriv.
template <class C, class T>
NDG_DEV C ndg_taps(const NdgAxis& a, const T* __restrict__ f, long long s, long long i) {
    const long long e = i + a.ghost_left, n = a.len + a.ghost_left + a.ghost_right;
    const long long m = a.half_width, l = a.end_width;
    const double* t = (const double*)a.table;
    const bool interior = e >= m && e + m < n;
    if (a.kind == NDG_KIND_UNIFORM_TAPS && interior) {
        C acc;
        if (a.odd) {
            acc = ndg_scale(t[1], ndg_sub(ndg_up<C>::from(ndg_at(a, f, s, i, e + 1)),
                                          ndg_up<C>::from(ndg_at(a, f, s, i, e - 1))));
            for (long long j = 2; j <= m; j++) {
                C pair = ndg_sub(ndg_up<C>::from(ndg_at(a, f, s, i, e + j)),
                                 ndg_up<C>::from(ndg_at(a, f, s, i, e - j)));
                acc = ndg_add(acc, ndg_scale(t[j], pair));
            }
        } else {
            acc = ndg_scale(t[0], ndg_up<C>::from(ndg_at(a, f, s, i, e)));
            for (long long j = 1; j <= m; j++) {
                C pair = ndg_add(ndg_up<C>::from(ndg_at(a, f, s, i, e + j)),
                                 ndg_up<C>::from(ndg_at(a, f, s, i, e - j)));
                acc = ndg_add(acc, ndg_scale(t[j], pair));
            }
        }
        return ndg_div(acc, a.h2);
    }
    const long long start = e < m ? 0 : (e + m >= n ? n - l : e - m);
    const long long count = interior ? 2 * m + 1 : l;
    const double* w;
    if (a.kind == NDG_KIND_UNIFORM_TAPS) {
        w = t + (m + 1) + (e < m ? e : m + (e + m - n)) * l;
    } else {
        const long long width = 2 * m + 1 > l ? 2 * m + 1 : l;
        w = t + (e - a.ghost_left) * width;
    }
    C acc = ndg_scale(w[0], ndg_up<C>::from(ndg_at(a, f, s, i, start)));
    for (long long j = 1; j < count; j++) {
        acc = ndg_add(acc, ndg_scale(w[j], ndg_up<C>::from(ndg_at(a, f, s, i, start + j))));
    }
    return a.kind == NDG_KIND_UNIFORM_TAPS ? ndg_div(acc, a.h2) : acc;
}

// ---- indexing ----
// q = a / b, r = a % b for the non-negative indices here: in 32 bits when both fit (a 64-bit
// division is a long software sequence on the GPU, paid per row), else in 64.
NDG_DEV void ndg_divmod(long long a, long long b, long long& q, long long& r) {
    if ((((unsigned long long)a | (unsigned long long)b) >> 32) == 0) {
        const unsigned ua = (unsigned)a, ub = (unsigned)b, uq = ua / ub;
        q = uq;
        r = ua - uq * ub;
    } else {
        q = a / b;
        r = a - q * b;
    }
}

// One output value of the general kernels: any formula, with or without ghosts.
template <class C, class T>
NDG_DEV C ndg_value(const NdgAxis& a, const T* __restrict__ f, long long s, long long i) {
    if (a.kind != NDG_KIND_NUMPY) return ndg_taps<C>(a, f, s, i);
    if (a.ghost_left != 0 || a.ghost_right != 0) return ndg_numpy_ghosts<C>(a, f, s, i);
    return ndg_axis_value<C>(a, f, s, i, a.len);
}

// ---------------------------------------------------------------------------------------
// The kernel: each thread owns one position along the unit-stride dim and one row, and
// marches its chunk of dim 0, writing every requested output there. Two flavours per
// type: the NumPy-formula kernels (no ghosts, up to NDG_FAST_AXES outputs) unroll their
// loop over axes, so the formulas inline; the general kernels (taps, ghosts, more outputs)
// loop over the axes they have, so their longer code exists once. The parameters are
// indexed directly (p.strides[dim]): a __grid_constant__ parameter is read in place by one
// indexed constant load, where a select over every dim cost ~40 instructions per axis and
// sample (measured on an H200).
template <class T, class C, class O, bool GENERAL>
NDG_DEV void ndg_gradient(const NdgParams& p) {
    constexpr int AXES = GENERAL ? NDG_MAX_DIMS : NDG_FAST_AXES;
    const int nd = p.ndim;
    const long long inner_n = p.shape[nd - 1], inner_s = p.strides[nd - 1];
    const long long ix = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (ix >= inner_n) return;
    const long long o0 = (long long)blockIdx.z * p.outer_chunk;
    const long long o1 = o0 + p.outer_chunk < p.shape[0] ? o0 + p.outer_chunk : p.shape[0];
    const T* __restrict__ in = (const T*)p.in;
    for (long long r = (long long)blockIdx.y * blockDim.y + threadIdx.y; r < p.rows;
         r += (long long)gridDim.y * blockDim.y) {
        // Offsets of this row (dims 1..nd-2) and of ix into the input and every output, and
        // each axis's position when it runs along a middle or the inner dim.
        long long in_off = ix * inner_s;
        long long out_off[AXES];
        long long pos[AXES];
#pragma unroll
        for (int k = 0; k < AXES; k++) {
            out_off[k] = 0;
            pos[k] = 0;
            if (k < p.naxes) {
                const NdgAxis& a = p.axes[k];
                out_off[k] = ix * a.out_strides[nd - 1];
                if (a.dim == nd - 1) {
                    pos[k] = ix;
                } else if (a.dim > 0) {
                    long long q, unused;
                    ndg_divmod(r, a.row_pitch, q, unused);
                    ndg_divmod(q, p.shape[a.dim], unused, pos[k]);
                }
            }
        }
        long long rest = r;
#pragma unroll 1
        for (int d = nd - 2; d >= 1 && rest > 0; d--) {
            long long idx;
            ndg_divmod(rest, p.shape[d], rest, idx);
            in_off += idx * p.strides[d];
#pragma unroll
            for (int k = 0; k < AXES; k++) {
                if (k < p.naxes) out_off[k] += idx * p.axes[k].out_strides[d];
            }
        }
        for (long long o = o0; o < o1; o++) {
            const T* __restrict__ f = in + in_off + o * p.strides[0];
            if constexpr (GENERAL) {
#pragma unroll 1
                for (int k = 0; k < p.naxes; k++) {
                    const NdgAxis& a = p.axes[k];
                    const long long i = a.origin + (a.dim == 0 ? o : pos[k]);
                    O* out = (O*)a.out + out_off[k] + o * a.out_strides[0];
                    ndg_put(out, ndg_value<C>(a, f, p.strides[a.dim], i));
                }
            } else {
#pragma unroll
                for (int k = 0; k < AXES; k++) {
                    if (k < p.naxes) {
                        const NdgAxis& a = p.axes[k];
                        const long long i = a.origin + (a.dim == 0 ? o : pos[k]);
                        O* out = (O*)a.out + out_off[k] + o * a.out_strides[0];
                        ndg_put(out, ndg_axis_value<C>(a, f, p.strides[a.dim], i, a.len));
                    }
                }
            }
        }
    }
}

#define NDG_ENTRY(tag, T, C, O)                                                        \
    NDG_GLOBAL void ndg_grad_##tag(NDG_PARAMS p) { ndg_gradient<T, C, O, false>(p); } \
    NDG_GLOBAL void ndg_grad_##tag##_general(NDG_PARAMS p) { ndg_gradient<T, C, O, true>(p); }

NDG_ENTRY(f64, double, double, double)
NDG_ENTRY(f32, float, float, float)
NDG_ENTRY(f32_f64, float, double, float)
NDG_ENTRY(f16, ndg_half, ndg_h, ndg_half)
NDG_ENTRY(f16_f32, ndg_half, float, ndg_half)
NDG_ENTRY(f16_f64, ndg_half, double, ndg_half)
NDG_ENTRY(c128, ndg_cd, ndg_cd, ndg_cd)
NDG_ENTRY(c64, ndg_cf, ndg_cf, ndg_cf)
NDG_ENTRY(c64_c128, ndg_cf, ndg_cd, ndg_cf)
NDG_ENTRY(i8, signed char, double, double)
NDG_ENTRY(i16, short, double, double)
NDG_ENTRY(i32, int, double, double)
NDG_ENTRY(i64, long long, double, double)
NDG_ENTRY(u8, unsigned char, double, double)
NDG_ENTRY(u16, unsigned short, double, double)
NDG_ENTRY(u32, unsigned int, double, double)
NDG_ENTRY(u64, unsigned long long, double, double)

// Element-wise entry points for the first GPU run's checks of hardware division and f16
// rounding against NumPy (scripts/gpu_check.sh): out[i] = a[i] / b[i], out[i] = f16(a[i]).
NDG_GLOBAL void ndg_test_div_f64(const double* a, const double* b, double* out, long long n) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __ddiv_rn(a[i], b[i]);
}
NDG_GLOBAL void ndg_test_div_f32(const float* a, const float* b, float* out, long long n) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __fdiv_rn(a[i], b[i]);
}
NDG_GLOBAL void ndg_test_f16_from_f64(const double* a, unsigned short* out, long long n) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = ndg_f64_to_f16(a[i]);
}
