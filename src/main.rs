//! The `iamdl` binary: a thin shell over the library (see `iamdl::cli`).

use clap::Parser;

fn main() {
    let cli = iamdl::cli::Cli::parse();
    std::process::exit(iamdl::cli::run(cli));
}
