//! The HTML report in a real headless browser: it renders (a screenshot is taken), the
//! findings table and an SVG graph are in the rendered DOM, and every link from a finding
//! points at a proof that exists.
//!
//! Needs Chromium (`scripts/ci-setup-browser.sh` installs it). Without it the test prints
//! "SKIPPED: chromium not installed" and passes, except under `CI=true`, where it fails.

use std::path::Path;
use std::process::Command;

fn chromium() -> Option<String> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        let ok = Command::new(c)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return Some(c.to_string());
        }
    }
    None
}

fn headless(bin: &str, profile: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,2000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// A user (climber) who reaches the bucket only by attaching a policy to itself.
fn write_env(root: &Path) {
    let a = "111111111111";
    let user = |name: &str, doc: serde_json::Value| {
        serde_json::json!({
            "Path": "/", "UserName": name, "UserId": format!("AIDA{:0<17}", name.to_uppercase()),
            "Arn": format!("arn:aws:iam::{a}:user/{name}"), "CreateDate": "2024-01-01T00:00:00+00:00",
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": doc}], "GroupList": [],
            "AttachedManagedPolicies": [], "Tags": []
        })
    };
    let auth = serde_json::json!({
        "UserDetailList": [
            user("reader", serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret-data/*"}]})),
            user("climber", serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": format!("arn:aws:iam::{a}:user/climber")}]})),
        ],
        "GroupDetailList": [], "RoleDetailList": [], "Policies": []
    });
    let iam = root.join(format!("accounts/{a}/iam"));
    std::fs::create_dir_all(&iam).unwrap();
    std::fs::write(
        iam.join("get-account-authorization-details.json"),
        auth.to_string(),
    )
    .unwrap();
    let s3 = root.join(format!("accounts/{a}/s3"));
    std::fs::create_dir_all(&s3).unwrap();
    std::fs::write(
        s3.join("list-buckets.json"),
        serde_json::json!({"Buckets": [{"Name": "secret-data", "CreationDate": "2024-01-01T00:00:00+00:00"}],
                           "Owner": {"DisplayName": "a", "ID": "0".repeat(64)}})
        .to_string(),
    )
    .unwrap();
}

#[test]
fn html_report_renders_in_headless_chromium() {
    // Under CI the test installs Chromium itself (Debian package; needs root or sudo).
    if chromium().is_none() && std::env::var("CI").as_deref() == Ok("true") {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ci-setup-browser.sh");
        let status = Command::new("sh").arg(&script).status();
        eprintln!("{}: {status:?}", script.display());
    }
    let Some(bin) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromium is not installed and scripts/ci-setup-browser.sh could not install it (CI=true)");
        }
        println!("SKIPPED: chromium not installed (scripts/ci-setup-browser.sh installs it)");
        eprintln!("SKIPPED: chromium not installed (scripts/ci-setup-browser.sh installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env");
    write_env(&env);
    let html = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .args(["report", "--env"])
        .arg(&env)
        .args(["--format", "html", "--out"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("file://{}", html.display());

    // The rendered DOM (after parsing and layout by the browser).
    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&bin, profile.path())
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    assert!(dom.contains("id=\"findings\""), "findings table rendered");
    assert!(dom.contains("<svg"), "an SVG graph is in the DOM");
    assert!(dom.contains("climber"), "the escalating user is shown");
    // Every link from a finding points at a proof that exists.
    let mut links = 0;
    for part in dom.split("href=\"#").skip(1) {
        let target = part.split('"').next().unwrap();
        assert!(
            dom.contains(&format!("id=\"{target}\"")),
            "dangling link #{target}"
        );
        links += 1;
    }
    assert!(links >= 2, "findings link to their proofs ({links} links)");

    // A screenshot: the page renders to a non-trivial PNG.
    let profile = tempfile::tempdir().unwrap();
    let png = dir.path().join("out.png");
    let shot = headless(&bin, profile.path())
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[1..4], b"PNG");
    assert!(
        bytes.len() > 10_000,
        "screenshot has content ({} bytes)",
        bytes.len()
    );
    if let Ok(keep) = std::env::var("IAMDL_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}
