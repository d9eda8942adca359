//! The committed `kernels/grad.ptx`: what it contains, that it matches `grad.cu`, and that it
//! assembles without spills. The crate ships this file and the driver JIT-compiles it, so
//! these checks are what stands between a kernel edit and inexact or slow code on a GPU.
//!
//! The content checks need nothing. Freshness and `ptxas` need the project's Python with
//! requirements-dev.txt (NVRTC 12.0.140 and `nvidia-cuda-nvcc`): `NDGRAD_PYTHON` names it
//! (scripts/test.sh sets it); without it those two tests print why and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every entry point the launch code and the GPU checks name.
const GRAD_TAGS: [&str; 17] = [
    "f64", "f32", "f32_f64", "f16", "f16_f32", "f16_f64", "c128", "c64", "c64_c128", "i8", "i16",
    "i32", "i64", "u8", "u16", "u32", "u64",
];
const TEST_ENTRIES: [&str; 3] = [
    "ndg_test_div_f64",
    "ndg_test_div_f32",
    "ndg_test_f16_from_f64",
];

/// FMAs in each complex entry point: NumPy's real-times-complex multiply, one per part, for the
/// three terms of each of the 3 three-point call sites (left edge, right edge, coordinate table),
/// unrolled over NDG_FAST_AXES = 4 axes: 4 * 3 * 3 * 2. Update it with the kernel, knowingly.
const COMPLEX_FMA: usize = 72;
/// The general kernels (one loop over axes, not unrolled, so each call site exists once):
/// NumPy's three-point sums with and without ghosts and the taps' sums (interior pairs, end
/// rows), as NVVM 12.0 lays them out. Counted from the PTX; update it with the kernel,
/// knowingly.
const COMPLEX_GENERAL_FMA: usize = 52;

/// Approximate or flushing instructions: any of them breaks NumPy's bits.
const FORBIDDEN: [&str; 6] = [
    ".ftz",
    "div.full",
    "div.approx",
    "rcp.approx",
    "sqrt.approx",
    "ex2.approx",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ptx_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("kernels/grad.ptx")
}

fn ptx() -> String {
    let path = ptx_path();
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/gen_ptx.sh", path.display()))
}

/// `(name, text)` of every `.entry`, from its header to its closing brace.
fn entries(ptx: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut rest = ptx;
    while let Some(at) = rest.find(".entry ") {
        let tail = &rest[at + ".entry ".len()..];
        let name = tail[..tail.find('(').expect("entry without parameters")].trim();
        // Bodies nest braces (inline-asm scopes), so match depth rather than the first `}`.
        let open = tail.find('{').expect("entry without body");
        let mut depth = 0;
        let mut end = tail.len();
        for (i, c) in tail[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => continue,
            }
            if depth == 0 {
                end = open + i + 1;
                break;
            }
        }
        assert_eq!(depth, 0, "entry {name}: unbalanced braces");
        out.push((name.to_string(), &tail[..end]));
        rest = &tail[end..];
    }
    out
}

#[test]
fn header_pins_isa_and_target() {
    let ptx = ptx();
    let lines: Vec<&str> = ptx.lines().map(str::trim).collect();
    // ISA 8.0 (NVRTC 12.0) is what drivers >= r525 can JIT; a newer NVRTC raises it.
    assert!(
        lines.contains(&".version 8.0"),
        "grad.ptx is not PTX ISA 8.0"
    );
    assert!(
        lines.contains(&".target sm_75"),
        "grad.ptx is not built for sm_75"
    );
}

#[test]
fn no_approximate_or_flushing_instructions() {
    let ptx = ptx();
    let bad: Vec<String> = ptx
        .lines()
        .enumerate()
        .filter(|(_, l)| FORBIDDEN.iter().any(|f| l.contains(f)))
        .map(|(i, l)| format!("  line {}: {}", i + 1, l.trim()))
        .collect();
    assert!(
        bad.is_empty(),
        "forbidden instructions:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_contract_entry_point_exists() {
    let ptx = ptx();
    let names: Vec<String> = entries(&ptx).into_iter().map(|(n, _)| n).collect();
    let want = GRAD_TAGS
        .iter()
        .flat_map(|t| [format!("ndg_grad_{t}"), format!("ndg_grad_{t}_general")]);
    let missing: Vec<String> = want
        .chain(TEST_ENTRIES.iter().map(|s| s.to_string()))
        .filter(|n| !names.contains(n))
        .collect();
    assert!(missing.is_empty(), "missing entry points: {missing:?}");
}

#[test]
fn fma_only_in_complex_entry_points() {
    // NumPy's complex multiply uses one FMA per part; anywhere else a contraction changes bits.
    let ptx = ptx();
    let mut in_complex = 0;
    let mut bad = Vec::new();
    for (name, body) in entries(&ptx) {
        let n = body.matches("fma.").count();
        println!("{name}: {n} fma");
        if name.contains("_c64") || name.contains("_c128") {
            in_complex += n;
            let want = if name.ends_with("_general") {
                COMPLEX_GENERAL_FMA
            } else {
                COMPLEX_FMA
            };
            if n != want {
                bad.push(format!("{name} ({n}, expected {want})"));
            }
        } else if n > 0 {
            bad.push(format!("{name} ({n})"));
        }
    }
    assert!(bad.is_empty(), "unexpected fma counts: {bad:?}");
    // Non-inlined `.func`s would sit outside every entry: count the whole file too.
    let total = ptx.matches("fma.").count();
    assert_eq!(total, in_complex, "fma outside entry points");
    // Rounded once, to nearest, as NumPy's `fma` and the host build's `std::fma`.
    assert_eq!(
        ptx.matches("fma.rn.").count(),
        total,
        "fma with another rounding"
    );
}

/// The interpreter `NDGRAD_PYTHON` names, or `None` after printing the skip.
fn python() -> Option<PathBuf> {
    let py = std::env::var_os("NDGRAD_PYTHON").map(PathBuf::from);
    if py.is_none() {
        println!("SKIP: NDGRAD_PYTHON not set (scripts/test.sh sets it)");
    }
    py
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn committed_ptx_matches_a_fresh_build() {
    let Some(py) = python() else { return };
    let o = run(Command::new(py)
        .arg(root().join("scripts/gen_ptx.py"))
        .arg("--check"));
    assert!(
        o.status.success(),
        "scripts/gen_ptx.py --check:\n{}",
        text(&o)
    );
}

#[test]
fn ptxas_sm90_reports_no_spills() {
    let Some(py) = python() else { return };
    // ptxas ships in the nvidia-cuda-nvcc wheel (nvidia/cu13/bin/ptxas); let pip's metadata say where.
    let find = "import importlib.metadata as m\n\
                d = m.distribution('nvidia-cuda-nvcc')\n\
                print(next(d.locate_file(f) for f in d.files if f.name == 'ptxas'))";
    let o = run(Command::new(py).args(["-c", find]));
    assert!(
        o.status.success(),
        "ptxas not found in nvidia-cuda-nvcc:\n{}",
        text(&o)
    );
    let ptxas = String::from_utf8(o.stdout).unwrap().trim().to_string();
    let cubin = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grad.sm_90.cubin");
    let o = run(Command::new(&ptxas)
        .args(["-arch=sm_90", "-v", "-o"])
        .arg(&cubin)
        .arg(ptx_path()));
    let log = text(&o);
    assert!(o.status.success(), "{ptxas} failed:\n{log}");
    // Per function: "Function properties for X" then its spill line; per entry: "Compiling entry
    // function 'X'" ... "Used N registers". Non-inlined `.func`s get a spill line too: check them all.
    let (mut spills, mut regs) = (Vec::<(&str, &str)>::new(), Vec::<(&str, &str)>::new());
    let (mut function, mut entry) = ("", "");
    for line in log.lines() {
        if let Some(n) = line.split("Function properties for ").nth(1) {
            function = n.trim();
        } else if line.contains("spill stores") {
            spills.push((function, line.trim()));
        } else if let Some(n) = line.split("Compiling entry function '").nth(1) {
            entry = n.split('\'').next().unwrap();
        } else if let Some(u) = line.split("Used ").nth(1) {
            regs.push((entry, u.split(',').next().unwrap()));
        }
    }
    let mut bad: Vec<String> = spills
        .iter()
        .filter(|(_, s)| {
            !s.contains(", 0 bytes spill stores") || !s.contains(", 0 bytes spill loads")
        })
        .map(|(f, s)| format!("{f}: {s}"))
        .collect();
    for (name, _) in entries(&ptx()) {
        let r = regs.iter().find(|r| r.0 == name);
        let s = spills.iter().find(|s| s.0 == name);
        match (r, s) {
            (Some((_, r)), Some((_, s))) => println!("{name}: {r}; {s}"),
            _ => bad.push(format!("{name}: no ptxas report")),
        }
    }
    assert!(
        bad.is_empty(),
        "ptxas -arch=sm_90:\n{}\n\nlog:\n{log}",
        bad.join("\n")
    );
}
