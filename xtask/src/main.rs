//! `cargo xtask <command>`: the project's command line.

mod api_diff;
mod bench;
mod codegen;
mod fuzz;
mod reference;
mod verify_spec;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check] [--spec F --out D [--crate-name N] [--strict]]
                                         generate the SDK crate from the spec (the committed crate
                                         always strictly: any warning is an error)
  verify-spec [--reference F] [--spec F] check the spec against the vendor's API reference
  api-diff [--deny-breaking] (OLD NEW | --since REV)
                                         changes to the generated Rust API between two specs,
                                         classified breaking / additive / documentation-only
  bench <generation|compile|progenitor|instructions|scale [--ops N]>
                                         measurements with ratios (see BENCHMARKS.md); compile
                                         and progenitor: ROUNDS=N, BENCH_CLOCK=cpu for CPU time
  fuzz [--seed N] [--budget-secs S] [--max-docs N] [--check-crates K] [--only I]
                                         the generator under structural mutation of the spec and
                                         fixtures: no panic, every error located, no operation
                                         dropped without a word, the K nastiest crates compile";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("verify-spec") => verify_spec::run(&args[1..]),
        Some("codegen") => codegen::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("api-diff") => return api_diff::main(&args[1..]),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
