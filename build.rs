//! Generates the query-language parser from grammar/query.lalrpop (lalrpop).
fn main() {
    println!("cargo:rerun-if-changed=grammar/query.lalrpop");
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .emit_rerun_directives(true)
        .process()
        .expect("grammar/query.lalrpop");
}
