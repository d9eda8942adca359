//! Times variants of the kernels on a GPU: the tuning tool behind the shipped values of
//! `grad.cu`'s knobs (the register cap) and of the launch geometry (blocks per launch). `scripts/gpu_sweep.sh` builds the PTX variants and this binary on
//! the CPU machine and runs them on the GPU machine.
//!
//! ```text
//! kernel_sweep VARIANT.ptx...
//! ```
//!
//! For each variant and case it prints the median time of 20 launches (CUDA events, after
//! warm-up, three rotated inputs each larger than L2), the share of the device-to-device
//! copy rate measured in the same run, and whether every output equals the first variant's
//! bit for bit (a variant that changes results is no candidate).

use std::sync::Arc;

use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DevicePtr, LaunchConfig, PushKernelArg, sys,
};
use cudarc::nvrtc::Ptx;
use ndgrad::{DType, GradientOptions, Plan};
use ndgrad_cuda::{Buffer, GpuPlan, Launch, c_byte_strides};

const REPS: usize = 20;
const INPUTS: usize = 3;

struct Case {
    name: &'static str,
    shape: Vec<usize>,
    dtype: DType,
    axes: Option<Vec<usize>>,
}

fn cases() -> Vec<Case> {
    let case = |name, shape: &[usize], dtype, axes: Option<&[usize]>| Case {
        name,
        shape: shape.to_vec(),
        dtype,
        axes: axes.map(<[usize]>::to_vec),
    };
    vec![
        case("512^3 f64, 3 axes", &[512, 512, 512], DType::F64, None),
        case(
            "512^3 f64, axis 0",
            &[512, 512, 512],
            DType::F64,
            Some(&[0]),
        ),
        case(
            "512^3 f64, axis 2",
            &[512, 512, 512],
            DType::F64,
            Some(&[2]),
        ),
        case("16384^2 f32, 2 axes", &[16384, 16384], DType::F32, None),
        case("2^27 f64, 1-D", &[1 << 27], DType::F64, None),
    ]
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let variants: Vec<String> = std::env::args().skip(1).collect();
    if variants.is_empty() {
        return Err("usage: kernel_sweep VARIANT.ptx... (scripts/gpu_sweep.sh)".into());
    }
    // SAFETY: only asks the dynamic loader whether the driver library opens (cudarc panics
    // on first use without it).
    if !unsafe { sys::is_culib_present() } {
        return Err("no CUDA driver (libcuda.so.1); run this on the GPU machine".into());
    }
    let ctx = CudaContext::new(0)?;
    // SAFETY: this program orders everything on one stream and synchronizes before reading
    // results, so cudarc's per-buffer event tracking is not needed (and would add events).
    unsafe { ctx.disable_event_tracking() };
    let stream = ctx.default_stream();
    let modules: Vec<(String, Arc<cudarc::driver::CudaModule>)> = variants
        .iter()
        .map(|path| {
            let src = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            let name = std::path::Path::new(path)
                .file_stem()
                .map_or(path.clone(), |s| s.to_string_lossy().into_owned());
            Ok((name, ctx.load_module(Ptx::from_src(src))?))
        })
        .collect::<Res<_>>()?;
    println!(
        "| case | variant | blocks | median ms | of copy rate | bits = first |\n|---|---|---:|---:|---:|:-:|"
    );
    for case in cases() {
        run_case(&ctx, &stream, &case, &modules)?;
    }
    Ok(())
}

fn run_case(
    ctx: &Arc<CudaContext>,
    stream: &Arc<CudaStream>,
    case: &Case,
    modules: &[(String, Arc<cudarc::driver::CudaModule>)],
) -> Res<()> {
    let mut options = GradientOptions::new();
    if let Some(axes) = &case.axes {
        options = options.axes(axes.iter().map(|&a| a as isize));
    }
    let plan = GpuPlan::new(&Plan::new(&case.shape, &options)?, case.dtype)?;
    let n: usize = case.shape.iter().product();
    let item = case.dtype.itemsize();
    let bytes = n * item;
    // Random-looking values in [-1, 1) in the case's type, three inputs to rotate.
    let host: Vec<u8> = pseudo_random(n, case.dtype);
    let inputs: Vec<CudaSlice<u8>> = (0..INPUTS)
        .map(|_| stream.clone_htod(&host))
        .collect::<Result<_, _>>()?;
    let outputs: Vec<CudaSlice<u8>> = (0..plan.axes().len())
        .map(|_| stream.alloc_zeros::<u8>(bytes))
        .collect::<Result<_, _>>()?;
    let floor = copy_ms(ctx, stream, &inputs[0], bytes)?;
    let copy_rate = 2.0 * bytes as f64 / floor; // bytes per ms, read + written
    let need = (1 + plan.axes().len()) as f64 * bytes as f64;
    let strides = c_byte_strides(&case.shape, item);
    let out_ptrs: Vec<u64> = outputs.iter().map(|o| o.device_ptr(stream).0).collect();
    let launches_for = |input: &CudaSlice<u8>| -> Res<Vec<Launch>> {
        let buffers: Vec<Buffer<'_>> = out_ptrs
            .iter()
            .map(|&ptr| Buffer {
                ptr,
                byte_strides: &strides,
            })
            .collect();
        Ok(plan.launches(
            Buffer {
                ptr: input.device_ptr(stream).0,
                byte_strides: &strides,
            },
            &buffers,
            &[],
        )?)
    };
    let mut reference: Option<Vec<Vec<u8>>> = None;
    for (name, module) in modules {
        for target in [None, Some(8192u64)] {
            let sets: Vec<Vec<Launch>> = inputs
                .iter()
                .map(|i| launches_for(i).map(|l| regrid(l, target)))
                .collect::<Res<_>>()?;
            let functions: Vec<CudaFunction> = sets[0]
                .iter()
                .map(|l| module.load_function(l.entry))
                .collect::<Result<_, _>>()?;
            let ms = time_ms(ctx, stream, &sets, &functions)?;
            let blocks: u64 = sets[0][0].grid.iter().map(|&g| g as u64).product();
            let same = if target.is_none() {
                // The last launch used inputs[(REPS + 2) % 3]: run the first input once more.
                launch(stream, &sets[0], &functions)?;
                let got: Vec<Vec<u8>> = outputs
                    .iter()
                    .map(|o| stream.clone_dtoh(o))
                    .collect::<Result<_, _>>()?;
                match &reference {
                    None => {
                        reference = Some(got);
                        "first"
                    }
                    Some(r) if *r == got => "yes",
                    Some(_) => "NO",
                }
            } else {
                ""
            };
            println!(
                "| {} | {name} | {blocks} | {ms:.3} | {:.0}% | {same} |",
                case.name,
                100.0 * need / ms / copy_rate
            );
        }
    }
    println!(
        "| {} | copy floor {:.2} TB/s | | {:.3} | 100% | |",
        case.name,
        copy_rate / 1e9,
        need / copy_rate
    );
    Ok(())
}

/// The same launches with dim 0 split so that about `target` blocks run (None: as planned).
fn regrid(mut launches: Vec<Launch>, target: Option<u64>) -> Vec<Launch> {
    let Some(target) = target else {
        return launches;
    };
    for l in &mut launches {
        let outer = l.params.shape[0] as u64;
        let per_z = l.grid[0] as u64 * l.grid[1] as u64;
        let z = target.div_ceil(per_z).clamp(1, outer.min(65_535));
        let chunk = outer.div_ceil(z);
        l.params.outer_chunk = chunk as i64;
        l.grid[2] = outer.div_ceil(chunk) as u32;
    }
    launches
}

fn launch(stream: &Arc<CudaStream>, launches: &[Launch], functions: &[CudaFunction]) -> Res<()> {
    for (l, f) in launches.iter().zip(functions) {
        let config = LaunchConfig {
            grid_dim: (l.grid[0], l.grid[1], l.grid[2]),
            block_dim: (l.block[0], l.block[1], l.block[2]),
            shared_mem_bytes: 0,
        };
        // SAFETY: the parameter block is the entry's `NdgParams`, planned by GpuPlan for
        // buffers allocated above with the planned shape and strides, alive until the end.
        unsafe { stream.launch_builder(f).arg(&l.params).launch(config) }?;
    }
    Ok(())
}

/// Median milliseconds of one call (all its launches), rotating the inputs.
fn time_ms(
    ctx: &Arc<CudaContext>,
    stream: &Arc<CudaStream>,
    sets: &[Vec<Launch>],
    functions: &[CudaFunction],
) -> Res<f64> {
    for set in sets {
        launch(stream, set, functions)?; // warm-up: module load, JIT, caches
    }
    let timing = Some(sys::CUevent_flags::CU_EVENT_DEFAULT);
    let mut events = Vec::with_capacity(REPS);
    for r in 0..REPS {
        let start = ctx.new_event(timing)?;
        let end = ctx.new_event(timing)?;
        start.record(stream)?;
        launch(stream, &sets[r % sets.len()], functions)?;
        end.record(stream)?;
        events.push((start, end));
    }
    stream.synchronize()?;
    let mut ms: Vec<f64> = events
        .iter()
        .map(|(s, e)| s.elapsed_ms(e).map(f64::from))
        .collect::<Result<_, _>>()?;
    ms.sort_by(f64::total_cmp);
    Ok(ms[REPS / 2])
}

/// Median milliseconds of a device-to-device copy of `bytes`.
fn copy_ms(
    ctx: &Arc<CudaContext>,
    stream: &Arc<CudaStream>,
    src: &CudaSlice<u8>,
    bytes: usize,
) -> Res<f64> {
    let mut dst = stream.alloc_zeros::<u8>(bytes)?;
    let timing = Some(sys::CUevent_flags::CU_EVENT_DEFAULT);
    let mut ms = Vec::with_capacity(REPS);
    for _ in 0..REPS + 2 {
        let start = ctx.new_event(timing)?;
        let end = ctx.new_event(timing)?;
        start.record(stream)?;
        stream.memcpy_dtod(src, &mut dst)?;
        end.record(stream)?;
        end.synchronize()?;
        ms.push(f64::from(start.elapsed_ms(&end)?));
    }
    ms.drain(..2);
    ms.sort_by(f64::total_cmp);
    Ok(ms[REPS / 2])
}

fn pseudo_random(n: usize, dtype: DType) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    match dtype {
        DType::F32 => (0..n).flat_map(|_| (next() as f32).to_le_bytes()).collect(),
        _ => (0..n).flat_map(|_| next().to_le_bytes()).collect(),
    }
}
