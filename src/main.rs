fn main() {
    let p = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    match iamdl::input::load(std::path::Path::new(&p), &Default::default()) {
        Ok(env) => eprintln!("loaded {} users {} roles {} policies {} resources in {:?}; {} warnings", env.users.len(), env.roles.len(), env.policies.len(), env.resources.len(), t.elapsed(), env.warnings.len()),
        Err(f) => { for e in f.errors.iter().take(10) { eprintln!("error: {e}"); } eprintln!("{} errors", f.errors.len()); }
    }
}
