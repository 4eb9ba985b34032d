//! The `iamdl` binary: a thin shell over the library (see `iamdl::cli`).

use clap::Parser;

/// mimalloc: the analysis allocates many small vectors; glibc's malloc was ~20% of a `reach`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = iamdl::cli::Cli::parse();
    std::process::exit(iamdl::cli::run(cli));
}
