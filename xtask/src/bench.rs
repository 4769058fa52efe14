//! `cargo xtask bench <generation|compile|progenitor>`: measurements that print figures and ratios
//! measured in one run (they are not tests; `BENCHMARKS.md` records them).
//!
//! - `generation`: `spec/trustx.yaml` and a 10× replicated copy, median of several runs each.
//! - `compile`: `cargo check` and `cargo build` of the `trustx` crate with all services, each service
//!   alone and none, each from a clean crate with the dependencies prebuilt.
//! - `progenitor`: the same spec through the published `cargo-progenitor`, generation, check and build
//!   side by side with ours (installs it into `target/bench-tools` on first use).

use sdk_codegen::{generate, Options};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const PROGENITOR_VERSION: &str = "0.15.1";

pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("generation") => generation(),
        Some("compile") => compile(),
        Some("progenitor") => progenitor(),
        Some("instructions") => instructions(),
        Some("scale") => scale(&args[1..]),
        _ => Err("usage: cargo xtask bench <generation|compile|progenitor|instructions|scale [--ops N]>".into()),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn options(strict: bool) -> Options {
    Options {
        crate_name: Some("trustx".into()),
        crate_version: "0.1.0".into(),
        spec_label: "spec/trustx.yaml".into(),
        strict,
    }
}

/// The spec with every path, operation and schema copied `n` times under new names.
fn replicate(spec: &str, n: usize) -> Result<String, String> {
    use serde_yaml::Value;
    let doc: Value = serde_yaml::from_str(spec).map_err(|e| e.to_string())?;
    let mut out = doc.clone();
    fn rename_refs(v: &mut Value, suffix: &str, copied: &[String]) {
        match v {
            Value::String(s) => {
                if let Some(key) = s.strip_prefix("#/components/schemas/") {
                    if copied.iter().any(|c| c == key) {
                        *s = format!("#/components/schemas/{key}{suffix}");
                    }
                }
            }
            Value::Sequence(items) => items.iter_mut().for_each(|i| rename_refs(i, suffix, copied)),
            Value::Mapping(map) => map.iter_mut().for_each(|(_, v)| rename_refs(v, suffix, copied)),
            _ => {}
        }
    }
    // Schemas carrying document-level extensions (x-page, x-error-body) stay single.
    let schemas = doc.get("components").and_then(|c| c.get("schemas")).and_then(Value::as_mapping).cloned();
    let copied: Vec<String> = schemas
        .iter()
        .flatten()
        .filter(|(_, s)| s.get("x-page").is_none() && s.get("x-error-body").is_none())
        .filter_map(|(k, _)| k.as_str().map(str::to_owned))
        .collect();
    let paths = doc.get("paths").and_then(Value::as_mapping).cloned().unwrap_or_default();
    for i in 1..n {
        let suffix = format!("Copy{i}");
        for (path, item) in &paths {
            let Some(path) = path.as_str() else { continue };
            let mut item = item.clone();
            if let Value::Mapping(methods) = &mut item {
                for (_, op) in methods.iter_mut() {
                    if let Some(Value::String(id)) = op.get_mut("operationId") {
                        *id = format!("{id}{suffix}");
                    }
                }
            }
            rename_refs(&mut item, &suffix, &copied);
            if let Some(Value::Mapping(p)) = out.get_mut("paths") {
                p.insert(Value::String(format!("/copy{i}{path}")), item);
            }
        }
        for (key, schema) in schemas.iter().flatten() {
            let Some(k) = key.as_str().filter(|k| copied.iter().any(|c| c == k)) else { continue };
            let mut schema = schema.clone();
            rename_refs(&mut schema, &suffix, &copied);
            if let Some(Value::Mapping(s)) = out.get_mut("components").and_then(|c| c.get_mut("schemas")) {
                s.insert(Value::String(format!("{k}{suffix}")), schema);
            }
        }
    }
    serde_yaml::to_string(&out).map_err(|e| e.to_string())
}

fn time_generation(bytes: &[u8], runs: usize) -> Result<(Duration, usize, usize), String> {
    let mut samples = Vec::new();
    let mut shape = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let generated = generate(bytes, &options(false)).map_err(|d| d.to_string())?;
        samples.push(start.elapsed());
        let ops = generated.api.services.iter().map(|s| s.operations.len()).sum();
        let lines = generated.files.values().map(|f| f.lines().count()).sum();
        shape = (ops, lines);
    }
    Ok((median(samples), shape.0, shape.1))
}

fn generation() -> Result<(), String> {
    let spec = std::fs::read_to_string(xtask::workspace_root().join("spec/trustx.yaml")).map_err(|e| e.to_string())?;
    let tenfold = replicate(&spec, 10)?;
    let (one, ops1, lines1) = time_generation(spec.as_bytes(), 7)?;
    let (ten, ops10, lines10) = time_generation(tenfold.as_bytes(), 3)?;
    println!("generation (median; build profile of this xtask binary)");
    println!("  1x:  {ops1} operations, {lines1} lines: {}", secs(one));
    println!("  10x: {ops10} operations, {lines10} lines: {}", secs(ten));
    println!("  ratio 10x / 1x: {:.2} (target <= 12)", ten.as_secs_f64() / one.as_secs_f64());
    Ok(())
}

/// Generation of a document with about `--ops` operations (default 10,000): `spec/trustx.yaml`
/// replicated until it has that many, each stage timed once (load, normalize, validate, model, emit).
fn scale(args: &[String]) -> Result<(), String> {
    let target: usize = match args {
        [] => 10_000,
        [flag, n] if flag == "--ops" => n.parse().map_err(|_| format!("--ops needs a number, got `{n}`"))?,
        _ => return Err("usage: cargo xtask bench scale [--ops N]".into()),
    };
    let spec = std::fs::read_to_string(xtask::workspace_root().join("spec/trustx.yaml")).map_err(|e| e.to_string())?;
    let one = generate(spec.as_bytes(), &options(false)).map_err(|d| d.to_string())?;
    let per_copy: usize = one.api.services.iter().map(|s| s.operations.len()).sum::<usize>().max(1);
    let copies = target.div_ceil(per_copy).max(1);
    let doc = replicate(&spec, copies)?;
    let bytes = doc.as_bytes();
    let mut stages: Vec<(&str, Duration)> = Vec::new();
    let all = Instant::now();
    let mut lap = Instant::now();
    let mut stage = |name: &'static str, stages: &mut Vec<(&str, Duration)>| {
        stages.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    let mut loaded = sdk_codegen::load::load_bytes(bytes, "scale.yaml").map_err(|d| d.to_string())?;
    stage("load", &mut stages);
    loaded.openapi = sdk_codegen::normalize::normalize(loaded.openapi).map_err(|d| d.to_string())?;
    stage("normalize", &mut stages);
    let diags = sdk_codegen::validate::validate(&loaded.openapi);
    if diags.has_errors() {
        return Err(diags.to_string());
    }
    stage("validate", &mut stages);
    let (api, _) = sdk_codegen::model::build(&loaded).map_err(|d| d.to_string())?;
    stage("model", &mut stages);
    let emit_options = sdk_codegen::EmitOptions {
        crate_name: "trustx".into(),
        crate_version: "0.1.0".into(),
        spec_label: "scale.yaml".into(),
        spec_sha256: loaded.sha256.clone(),
    };
    let files = sdk_codegen::emit::emit(&api, &emit_options).map_err(|d| d.to_string())?;
    stage("emit", &mut stages);
    let total = all.elapsed();
    let operations: usize = api.services.iter().map(|s| s.operations.len()).sum();
    let lines: usize = files.values().map(|f| f.lines().count()).sum();
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!(
        "{copies} copies of spec/trustx.yaml: {operations} operations, {} types, {} KiB of YAML → {} files, {lines} lines ({profile} build)",
        api.types.len(),
        bytes.len() / 1024,
        files.len()
    );
    for (name, t) in &stages {
        println!("  {name:<10} {}", secs(*t));
    }
    println!("  {:<10} {}", "total", secs(total));
    Ok(())
}

/// The time of one cargo run: wall-clock, or with `BENCH_CLOCK=cpu` the CPU time (user + system)
/// of cargo and the compilers it ran, which other work on the machine moves far less.
fn cargo(args: &[&str], dir: &Path) -> Result<Duration, String> {
    let (start, cpu_before) = (Instant::now(), children_cpu());
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cargo {}: {e}", args.join(" ")))?;
    if !status.success() {
        return Err(format!("cargo {} failed", args.join(" ")));
    }
    if cpu_clock() {
        return Ok(children_cpu().saturating_sub(cpu_before));
    }
    Ok(start.elapsed())
}

/// Whether `BENCH_CLOCK=cpu` asks for CPU time instead of wall-clock time.
fn cpu_clock() -> bool {
    std::env::var("BENCH_CLOCK").is_ok_and(|c| c == "cpu")
}

/// What [`cargo`] times, for the reports.
fn clock_name() -> &'static str {
    if cpu_clock() {
        "CPU time (user + system) of cargo and rustc"
    } else {
        "wall-clock time"
    }
}

/// The CPU time of this process's finished children (and theirs, once waited for): `cutime` and
/// `cstime` of `/proc/self/stat`, in ticks of 1/100 s (Linux's `USER_HZ`); zero elsewhere.
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name in parentheses start at field 3; cutime and cstime are 16 and 17.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = [13, 14].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10)
}

/// Time of `cargo <verb> -p <package> <features>` after `cargo clean -p <package>`.
fn clean_then(verb: &str, package: &str, features: &[&str], dir: &Path) -> Result<Duration, String> {
    cargo(&["clean", "--quiet", "-p", package], dir)?;
    let mut args = vec![verb, "--quiet", "--lib", "-p", package];
    args.extend_from_slice(features);
    cargo(&args, dir)
}

/// Time of `cargo <verb> -p trustx` after cleaning both `trustx` and `trustx-runtime`.
fn clean_pair_then(verb: &str, dir: &Path) -> Result<Duration, String> {
    cargo(&["clean", "--quiet", "-p", "trustx", "-p", "trustx-runtime"], dir)?;
    cargo(&[verb, "--quiet", "--lib", "-p", "trustx"], dir)
}

fn features() -> Result<Vec<String>, String> {
    let manifest =
        std::fs::read_to_string(xtask::workspace_root().join("generated/Cargo.toml")).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.trim() == "[features]";
            continue;
        }
        if let Some((name, _)) = line.split_once(" = ") {
            if inside && name != "default" && name != "test-util" && !name.starts_with('#') {
                out.push(name.trim().to_owned());
            }
        }
    }
    Ok(out)
}

/// Each service's share of the operations, by Cargo feature.
fn operation_shares() -> Result<Vec<(String, f64)>, String> {
    let spec = std::fs::read_to_string(xtask::workspace_root().join("spec/trustx.yaml")).map_err(|e| e.to_string())?;
    let generated = generate(spec.as_bytes(), &options(false)).map_err(|d| d.to_string())?;
    let total: usize = generated.api.services.iter().map(|s| s.operations.len()).sum();
    Ok(generated
        .api
        .services
        .iter()
        .map(|s| (s.feature.clone(), s.operations.len() as f64 / total.max(1) as f64))
        .collect())
}

/// The fastest of `rounds` timings of `cargo <verb>` from a clean crate (the least disturbed by other
/// work on the machine).
fn best_of(rounds: usize, verb: &str, flags: &[&str], dir: &Path) -> Result<Duration, String> {
    let mut best = None::<Duration>;
    for _ in 0..rounds {
        let t = clean_then(verb, "trustx", flags, dir)?;
        best = Some(best.map_or(t, |b| b.min(t)));
    }
    best.ok_or_else(|| "no round".into())
}

fn compile() -> Result<(), String> {
    let dir = xtask::workspace_root();
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    // Dependencies first, in both profiles' check and build forms.
    cargo(&["check", "--quiet", "--lib", "-p", "trustx"], &dir)?;
    cargo(&["build", "--quiet", "--lib", "-p", "trustx"], &dir)?;
    let shares = operation_shares()?;
    let mut configs: Vec<(String, Vec<String>)> = vec![("all services".into(), vec![])];
    for f in features()? {
        configs.push((f.clone(), vec!["--no-default-features".into(), "--features".into(), f]));
    }
    configs.push(("no service".into(), vec!["--no-default-features".into()]));
    let mut rows = Vec::new();
    for (name, flags) in &configs {
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let check = best_of(rounds, "check", &flags, &dir)?;
        let build = best_of(rounds, "build", &flags, &dir)?;
        rows.push((name.clone(), check, build));
    }
    let (c_all, b_all) = (rows[0].1, rows[0].2);
    let (c_none, b_none) = rows.last().map(|r| (r.1, r.2)).ok_or("no rows")?;
    let above = |t: Duration, none: Duration, all: Duration| {
        (t.as_secs_f64() - none.as_secs_f64()) / (all.as_secs_f64() - none.as_secs_f64()).max(1e-9)
    };
    println!("best of {rounds} rounds per configuration, each from a clean `trustx`, {}", clock_name());
    println!(
        "| configuration | share of operations | cargo check | (x − none) / (all − none) | target | cargo build | (x − none) / (all − none) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, check, build) in &rows {
        let share = shares.iter().find(|(f, _)| f == name).map(|(_, s)| *s);
        let target = share.map(|s| format!("≤ {:.2}", s + 0.1)).unwrap_or_else(|| "—".into());
        let met = match share {
            Some(s) if above(*check, c_none, c_all) <= s + 0.1 => " (met)",
            Some(_) => " (missed)",
            None => "",
        };
        println!(
            "| {name} | {} | {} | {:.2} | {target}{met} | {} | {:.2} |",
            share.map(|s| format!("{:.2}", s)).unwrap_or_else(|| "—".into()),
            secs(*check),
            above(*check, c_none, c_all),
            secs(*build),
            above(*build, b_none, b_all),
        );
    }
    Ok(())
}

fn progenitor() -> Result<(), String> {
    let dir = xtask::workspace_root();
    let tools = dir.join("target/bench-tools");
    let exe = tools.join("bin/cargo-progenitor");
    if !exe.is_file() {
        println!("installing cargo-progenitor {PROGENITOR_VERSION} into {}", tools.display());
        // Some of its dependencies pin another toolchain in a `rust-toolchain.toml`; build with ours.
        let status = Command::new(env!("CARGO"))
            .env("RUSTUP_TOOLCHAIN", std::env::var("RUSTUP_TOOLCHAIN").unwrap_or_else(|_| "stable".into()))
            .args(["install", "--quiet", "--locked", "cargo-progenitor", "--version", PROGENITOR_VERSION])
            .arg("--root")
            .arg(&tools)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("cargo install cargo-progenitor failed".to_string());
        }
    }
    let work = dir.join("target/bench-progenitor");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let spec = std::fs::read_to_string(dir.join("spec/trustx.yaml")).map_err(|e| e.to_string())?;
    let mut value: serde_json::Value = serde_yaml::from_str(&spec).map_err(|e| e.to_string())?;
    // progenitor panics on a response with two media types (it asserts one response type); keep JSON.
    fn json_only(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(content)) = map.get_mut("content") {
                    if content.len() > 1 && content.contains_key("application/json") {
                        content.retain(|k, _| k == "application/json");
                    }
                }
                map.values_mut().for_each(json_only);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(json_only),
            _ => {}
        }
    }
    json_only(&mut value);
    // It also asserts one type for all error responses of an operation: the four 400s that return the
    // user object (issue 10) are given the error body for this comparison.
    if let Some(serde_json::Value::Object(paths)) = value.get_mut("paths") {
        for item in paths.values_mut().filter_map(serde_json::Value::as_object_mut) {
            for op in item.values_mut().filter_map(serde_json::Value::as_object_mut) {
                let Some(serde_json::Value::Object(responses)) = op.get_mut("responses") else { continue };
                for (status, r) in responses.iter_mut() {
                    if status.starts_with('4') || status.starts_with('5') {
                        if let Some(c) = r.get_mut("content") {
                            *c = serde_json::json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}});
                        }
                    }
                }
            }
        }
    }
    let json = work.join("trustx.json");
    std::fs::write(&json, serde_json::to_vec(&value).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let out = work.join("progenitor-trustx");
    let _ = std::fs::remove_dir_all(&out);
    let start = Instant::now();
    let status = Command::new(&exe)
        .args(["progenitor", "-i"])
        .arg(&json)
        .arg("-o")
        .arg(&out)
        .args(["-n", "progenitor-trustx", "-v", "0.1.0"])
        .status()
        .map_err(|e| e.to_string())?;
    let progenitor_gen = start.elapsed();
    if !status.success() {
        return Err("cargo progenitor failed on the spec".into());
    }
    let manifest = out.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    if !text.contains("[workspace]") {
        text.push_str("\n[workspace]\n");
        std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    }
    let lines = |d: &Path| -> usize {
        let mut n = 0;
        let mut stack = vec![d.join("src")];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    n += std::fs::read_to_string(&path).map(|s| s.lines().count()).unwrap_or(0);
                }
            }
        }
        n
    };
    // Warm the dependencies of both crates, then time each crate from clean.
    cargo(&["check", "--quiet"], &out)?;
    cargo(&["build", "--quiet"], &out)?;
    cargo(&["check", "--quiet", "--lib", "-p", "trustx"], &dir)?;
    cargo(&["build", "--quiet", "--lib", "-p", "trustx"], &dir)?;
    // Rounds interleave the crates, so that other work on the machine falls on each alike; the
    // fastest round of each counts (the least disturbed).
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let ours_gen = time_generation(spec.as_bytes(), 5)?.0;
    let mut best = [Duration::MAX; 6];
    for round in 0..rounds {
        let times = [
            clean_then("check", "progenitor-trustx", &[], &out)?,
            clean_then("build", "progenitor-trustx", &[], &out)?,
            clean_then("check", "trustx", &[], &dir)?,
            clean_then("build", "trustx", &[], &dir)?,
            // Our runtime is a crate of our own (progenitor's, `progenitor-client`, is a published
            // dependency): also timed with it, from clean.
            clean_pair_then("check", &dir)?,
            clean_pair_then("build", &dir)?,
        ];
        println!("round {}: {}", round + 1, times.map(secs).join(", "));
        for (b, t) in best.iter_mut().zip(times) {
            *b = (*b).min(t);
        }
    }
    let [p_check, p_build, o_check, o_build, both_check, both_build] = best;
    let o_lines = lines(&dir.join("generated"));
    let rt_lines = lines(&dir.join("generated/runtime"));
    let p_lines = lines(&out);
    println!("{}", clock_name());
    println!("| crate | lines | generation | cargo check | cargo build |\n|---|---:|---:|---:|---:|");
    println!("| trustx (ours) | {o_lines} | {} | {} | {} |", secs(ours_gen), secs(o_check), secs(o_build));
    println!(
        "| trustx + trustx-runtime, both from clean | {} | | {} | {} |",
        o_lines + rt_lines,
        secs(both_check),
        secs(both_build)
    );
    println!(
        "| progenitor {PROGENITOR_VERSION} | {p_lines} | {} (whole CLI) | {} | {} |",
        secs(progenitor_gen),
        secs(p_check),
        secs(p_build)
    );
    println!(
        "ratios ours / progenitor: check {:.2} (target <= 0.6), build {:.2} (target <= 0.9), lines {:.2}",
        o_check.as_secs_f64() / p_check.as_secs_f64(),
        o_build.as_secs_f64() / p_build.as_secs_f64(),
        o_lines as f64 / p_lines as f64
    );
    println!(
        "with our runtime crate compiled too: check {:.2}, build {:.2}",
        both_check.as_secs_f64() / p_check.as_secs_f64(),
        both_build.as_secs_f64() / p_build.as_secs_f64(),
    );
    Ok(())
}

/// Per-request cost as instructions, counted by valgrind (callgrind) on the client's thread of the
/// `request_cost` bench: deterministic, so other work on the machine does not move it. Each side
/// runs alone twice, with `N1` and `N2` requests after the same warm-up; the difference divided by
/// `N2 - N1` is its cost per request.
fn instructions() -> Result<(), String> {
    let dir = xtask::workspace_root();
    let output = Command::new(env!("CARGO"))
        .args(["bench", "--no-run", "-p", "trustx-tests", "--bench", "request_cost", "--message-format=json"])
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("cargo bench --no-run: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo bench --no-run failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let binary = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("executable").and_then(|e| e.as_str()).map(str::to_owned))
        .next_back()
        .ok_or("no bench executable in cargo's output")?;
    let out_dir = dir.join("target/bench-instructions");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let (n1, n2) = (10u64, 60u64);
    let count = |side: &str, n: u64| -> Result<u64, String> {
        let file = out_dir.join(format!("callgrind.{side}.{n}"));
        let status = Command::new("valgrind")
            .args(["--tool=callgrind", "--separate-threads=yes", "--quiet"])
            .arg(format!("--callgrind-out-file={}", file.display()))
            .arg(&binary)
            .env("BENCH_ONLY", side)
            .env("BENCH_N", n.to_string())
            .status()
            .map_err(|e| format!("valgrind (is it installed?): {e}"))?;
        if !status.success() {
            return Err(format!("valgrind run of {side} failed"));
        }
        // Thread 1 is the client's (the bench's server runs on a thread of its own).
        let text = std::fs::read_to_string(format!("{}-01", file.display())).map_err(|e| e.to_string())?;
        text.lines()
            .find_map(|l| l.strip_prefix("summary: ").or_else(|| l.strip_prefix("totals: ")))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| format!("no instruction total in {}", file.display()))
    };
    println!("instructions per request on the client's thread (callgrind; ({n2} - {n1} requests) / {})", n2 - n1);
    println!("| scenario | SDK | hand-written | ratio |\n|---|---:|---:|---:|");
    for (name, sdk, hand) in
        [("10-item JSON page", "sdk-page", "hand-page"), ("1 MiB download", "sdk-download", "hand-download")]
    {
        let per =
            |side: &str| -> Result<f64, String> { Ok((count(side, n2)? - count(side, n1)?) as f64 / (n2 - n1) as f64) };
        let (s, h) = (per(sdk)?, per(hand)?);
        println!("| {name} | {s:.0} | {h:.0} | {:.3} |", s / h);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicates_paths_operations_and_schemas() {
        let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/A'}\ncomponents:\n  schemas:\n    A: {type: object}\n";
        let three = replicate(spec, 3).unwrap_or_default();
        let generated = generate(three.as_bytes(), &options(true)).unwrap_or_else(|d| panic!("{d}"));
        let ops: usize = generated.api.services.iter().map(|s| s.operations.len()).sum();
        assert_eq!(ops, 3);
        assert_eq!(generated.api.types.len(), 3);
    }
}
