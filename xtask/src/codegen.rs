//! `cargo xtask codegen`: spec → `generated/` (or any `--spec`/`--out`), and `--check` for drift.

use sdk_codegen::write::{drift, write_all, Drift};
use sdk_codegen::{generate, Generated, Options};
use similar::TextDiff;
use std::path::{Path, PathBuf};
use std::time::Instant;
use xtask::{generate_committed, workspace_root, GENERATED};

struct Args {
    check: bool,
    /// `None`: the committed crate from `spec/trustx.yaml` ([`xtask::committed_options`]).
    spec: Option<PathBuf>,
    out: PathBuf,
    crate_name: Option<String>,
    quiet: bool,
    strict: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        check: false,
        spec: None,
        out: workspace_root().join(GENERATED),
        crate_name: None,
        quiet: false,
        strict: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match a.as_str() {
            "--check" => parsed.check = true,
            "--quiet" | "-q" => parsed.quiet = true,
            "--strict" => parsed.strict = true,
            "--spec" => parsed.spec = Some(PathBuf::from(value("--spec")?)),
            "--out" => parsed.out = PathBuf::from(value("--out")?),
            "--crate-name" => parsed.crate_name = Some(value("--crate-name")?),
            other => return Err(format!("codegen: unknown argument `{other}`")),
        }
    }
    if parsed.spec.is_none() && parsed.crate_name.is_some() {
        return Err("codegen: `--crate-name` goes with `--spec`; the committed crate is always `trustx`".into());
    }
    Ok(parsed)
}

/// How the spec is named in headers: relative to the workspace when inside it, else its file name.
fn label(spec: &Path) -> String {
    let root = workspace_root();
    let abs = spec.canonicalize().unwrap_or_else(|_| spec.to_path_buf());
    let root = root.canonicalize().unwrap_or(root);
    match abs.strip_prefix(&root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => spec.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "spec".into()),
    }
}

/// Any `--spec`, with the options given on the command line.
fn generate_other(spec: &Path, args: &Args) -> Result<Generated, String> {
    let bytes = std::fs::read(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let options = Options {
        crate_name: args.crate_name.clone(),
        crate_version: "0.1.0".into(),
        spec_label: label(spec),
        strict: args.strict,
    };
    generate(&bytes, &options).map_err(|d| format!("{} is not usable:\n{d}", spec.display()))
}

/// Runs the command.
pub fn run(args: &[String]) -> Result<(), String> {
    let args = parse(args)?;
    let started = Instant::now();
    let generated = match &args.spec {
        None => generate_committed()?,
        Some(spec) => generate_other(spec, &args)?,
    };
    for w in generated.warnings.warnings() {
        eprintln!("{w}");
    }
    let rendered = started.elapsed();
    if args.check {
        let drifts =
            drift(&args.out, &generated.files).map_err(|e| format!("cannot read {}: {e}", args.out.display()))?;
        if drifts.is_empty() {
            if !args.quiet {
                println!("{} is up to date ({} files).", args.out.display(), generated.files.len());
            }
            return Ok(());
        }
        for d in &drifts {
            print_drift(d);
        }
        return Err(format!(
            "{} is stale: {} file(s) differ from what the generator writes. Run `cargo xtask codegen` and commit the result.",
            args.out.display(),
            drifts.len()
        ));
    }
    let summary =
        write_all(&args.out, &generated.files).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    if !args.quiet {
        let lines: usize = generated.files.values().map(|s| s.lines().count()).sum();
        let operations: usize = generated.api.services.iter().map(|s| s.operations.len()).sum();
        println!(
            "{}: {} operations, {} files ({} lines); {} written, {} removed, {} unchanged; rendered in {} ms, total {} ms",
            args.out.display(),
            operations,
            generated.files.len(),
            lines,
            summary.written.len(),
            summary.removed.len(),
            summary.unchanged,
            rendered.as_millis(),
            started.elapsed().as_millis()
        );
    }
    Ok(())
}

fn print_drift(d: &Drift) {
    match d {
        Drift::Edited { path, on_disk, expected } => {
            println!("edited: {path}");
            let diff = TextDiff::from_lines(on_disk.as_str(), expected.as_str());
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{path} (on disk)"), &format!("b/{path} (generated)"))
            );
        }
        Drift::Missing { path } => println!("missing: {path} (the generator writes it; it is not on disk)"),
        Drift::Stray { path } => println!("stray: {path} (on disk; the generator does not write it)"),
    }
}
