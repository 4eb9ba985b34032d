//! Benchmark: load + compile + `reach` / `who-can` on one bucket of a generated organization.
//!
//! The environment comes from `gen_org.py` (not bundled: it is large). Generate it and point
//! the benchmark at it:
//!
//! ```sh
//! python3 ../shared/tools/gen_org.py --out /tmp/org20 --accounts 20 --roles-per-account 500 \
//!     --users-per-account 100 --buckets-per-account 20
//! IAMDL_BENCH_ENV=/tmp/org20 cargo bench --bench reach
//! ```
//!
//! Without `IAMDL_BENCH_ENV` the benchmark says so and does nothing.

use iamdl::engine::request::{Target, UserContext};
use iamdl::engine::Engine;
use iamdl::input::{load, LoadOptions};
use std::time::Instant;

/// The same allocator as the `iamdl` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn main() {
    let Some(path) = std::env::var_os("IAMDL_BENCH_ENV") else {
        eprintln!("reach bench: set IAMDL_BENCH_ENV to a gen_org.py environment (see the file's doc comment); skipped");
        return;
    };
    let path = std::path::PathBuf::from(path);
    let runs: usize = std::env::var("IAMDL_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let (mut t_load, mut t_index, mut t_who, mut t_reach) = (vec![], vec![], vec![], vec![]);
    let mut bucket = String::new();
    let mut counts = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let env = load(&path, &LoadOptions::default()).expect("environment loads");
        t_load.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let engine = Engine::new(env);
        t_index.push(t.elapsed().as_secs_f64());
        if bucket.is_empty() {
            bucket = engine
                .env
                .resources
                .iter()
                .find(|r| r.kind == iamdl::iam::ResourceKind::S3Bucket)
                .map(|r| r.arn.clone())
                .expect("a bucket");
        }
        let ctx = UserContext::default();
        let t = Instant::now();
        let w = engine.who_can("s3:GetObject", &Target::Exact(format!("{bucket}/x")), &ctx);
        t_who.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let r = engine.reach(&bucket, &ctx);
        t_reach.push(t.elapsed().as_secs_f64());
        counts = (w.principals.len(), r.principals.len());
    }
    println!("environment: {}", path.display());
    println!(
        "bucket: {bucket}; who-can s3:GetObject lists {}, reach lists {}",
        counts.0, counts.1
    );
    println!(
        "median of {runs}: load {:.0} ms, index {:.0} ms, who-can {:.0} ms, reach {:.0} ms",
        median(t_load) * 1e3,
        median(t_index) * 1e3,
        median(t_who) * 1e3,
        median(t_reach) * 1e3
    );
}
