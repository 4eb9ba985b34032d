//! The IaC loader for Terraform plans (`terraform show -json`): any text is loaded into an
//! environment or refused with diagnostics naming the file, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("common_iac.rs");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    run_loader(text, iamdl::iac::terraform::load);
});
