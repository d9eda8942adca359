//! Compiles the CUDA kernel source for the host, through `cpp/host_shim.h`, with the
//! floating-point settings that keep every operation separately rounded (GCC contracts
//! `a * b + c` into FMA by default in C++ mode: `-ffp-contract=off` forbids it).
//! `NDGRAD_HOST_ASAN=1` adds AddressSanitizer (run the tests with its runtime preloaded:
//! `scripts/test_host_asan.sh`).

fn main() {
    let kernel = "../ndgrad-cuda/kernels/grad.cu";
    println!("cargo:rerun-if-changed={kernel}");
    println!("cargo:rerun-if-changed=cpp/host_shim.h");
    println!("cargo:rerun-if-changed=cpp/host_harness.cpp");
    println!("cargo:rerun-if-env-changed=NDGRAD_HOST_ASAN");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("cpp/host_harness.cpp")
        .include("cpp")
        .include("../ndgrad-cuda/kernels")
        .flag("-std=c++17")
        .flag("-ffp-contract=off")
        .flag("-fno-fast-math")
        .flag("-frounding-math")
        .opt_level(2)
        .flag("-Wno-unknown-pragmas")
        .warnings(true);
    if std::env::var_os("NDGRAD_HOST_ASAN").is_some_and(|v| v == "1") {
        build
            .flag("-fsanitize=address")
            .flag("-fno-omit-frame-pointer");
        println!("cargo:rustc-link-lib=asan");
    }
    build.compile("ndgrad_cuda_host");
}
