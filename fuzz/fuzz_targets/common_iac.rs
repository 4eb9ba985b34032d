// Shared by the IaC targets (included with `include!`, not a module of its own).

use iamdl::iac::{IacOptions, Layer};
use iamdl::iam::{Diagnostic, Environment};

/// Runs one loader on `text` inside a fresh layer, the way `load_layers` does, and checks what a
/// failure says: at least one problem, each naming the template file.
fn run_loader(text: &str, load: fn(&mut Layer, &str) -> Result<(), Diagnostic>) {
    const FILE: &str = "fuzz-template";
    // Debugging aid: a stack overflow kills the process before libFuzzer can save the input
    // (no sanitizer), so `IAMDL_FUZZ_SAVE=PATH` writes every input there first.
    if let Some(p) = std::env::var_os("IAMDL_FUZZ_SAVE") {
        let _ = std::fs::write(p, text);
    }
    let mut env = Environment::default();
    let opts = IacOptions::default();
    let mut layer = Layer::new(&mut env, FILE, iamdl::iac::DEFAULT_ACCOUNT, &opts);
    if let Err(d) = load(&mut layer, text) {
        layer.errors.push(d);
    }
    let (warnings, errors) = layer.finish();
    for d in warnings.iter().chain(&errors) {
        assert_eq!(d.file, FILE, "a diagnostic names the template file");
        assert!(!d.message.is_empty(), "a diagnostic says something");
    }
}
