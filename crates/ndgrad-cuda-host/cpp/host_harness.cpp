// Runs a launch of grad.cu on the CPU: every block of the grid in a seeded shuffled order
// (the kernel must not depend on block order), every thread of each block in turn (no
// barriers or shared memory, so sequential threads are a faithful schedule).
#include "host_shim.h"
#include "grad.cu"

#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

typedef void (*Entry)(const NdgParams);

struct Named {
    const char* name;
    Entry entry;
};

#define NDG_NAMED(tag) {"ndg_grad_" #tag, ndg_grad_##tag}, {"ndg_grad_" #tag "_general", ndg_grad_##tag##_general}

static const Named ENTRIES[] = {
    NDG_NAMED(f64),  NDG_NAMED(f32),  NDG_NAMED(f32_f64),  NDG_NAMED(f16), NDG_NAMED(f16_f32),
    NDG_NAMED(f16_f64), NDG_NAMED(c128), NDG_NAMED(c64), NDG_NAMED(c64_c128), NDG_NAMED(i8),
    NDG_NAMED(i16),  NDG_NAMED(i32),  NDG_NAMED(i64),  NDG_NAMED(u8),  NDG_NAMED(u16),
    NDG_NAMED(u32),  NDG_NAMED(u64),
};

// 0 on success, 1 for an unknown entry point.
extern "C" int ndg_host_launch(const char* name, const NdgParams* p, const unsigned grid[3],
                               const unsigned block[3], unsigned long long seed) {
    Entry entry = nullptr;
    for (const Named& n : ENTRIES) {
        if (std::strcmp(n.name, name) == 0) entry = n.entry;
    }
    if (!entry) return 1;
    std::vector<dim3> blocks;
    for (unsigned z = 0; z < grid[2]; z++)
        for (unsigned y = 0; y < grid[1]; y++)
            for (unsigned x = 0; x < grid[0]; x++) blocks.push_back(dim3{x, y, z});
    for (size_t i = blocks.size(); i > 1; i--) {  // Fisher-Yates with xorshift64
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::swap(blocks[i - 1], blocks[seed % i]);
    }
    gridDim = dim3{grid[0], grid[1], grid[2]};
    blockDim = dim3{block[0], block[1], block[2]};
    for (const dim3& b : blocks) {
        blockIdx = b;
        for (unsigned z = 0; z < block[2]; z++)
            for (unsigned y = 0; y < block[1]; y++)
                for (unsigned x = 0; x < block[0]; x++) {
                    threadIdx = dim3{x, y, z};
                    entry(*p);
                }
    }
    return 0;
}

// The C++ compiler's layout of the parameter block, for the Rust mirror's test:
// [sizeof NdgParams, offsetof axes, sizeof NdgAxis, offsetof NdgAxis::h2, offsetof
// NdgAxis::row_pitch, offsetof NdgAxis::dim, offsetof NdgParams::rows, sizeof NdgDivisor,
// NDG_FAST_AXES].
extern "C" void ndg_host_layout(unsigned long long out[9]) {
    out[0] = sizeof(NdgParams);
    out[1] = offsetof(NdgParams, axes);
    out[2] = sizeof(NdgAxis);
    out[3] = offsetof(NdgAxis, h2);
    out[4] = offsetof(NdgAxis, row_pitch);
    out[5] = offsetof(NdgAxis, dim);
    out[6] = offsetof(NdgParams, rows);
    out[7] = sizeof(NdgDivisor);
    out[8] = NDG_FAST_AXES;
}

// Element-wise conversions, for tests of the shim against the CPU engine's rounding.
extern "C" unsigned short ndg_host_f16_from_f64(double x) { return ndg_f64_to_f16(x); }
extern "C" float ndg_host_f32_from_f16(unsigned short h) { return ndg_f16_to_f32(h); }
