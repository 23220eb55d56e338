//! Records the git revision the binary is built from, for `cutover --version`.
//! A build outside a git checkout (a source tarball) says so instead.

fn main() {
    let rev = std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "not built from a git checkout".into());
    println!("cargo:rustc-env=CUTOVER_GIT_REV={rev}");
    // Rebuild the stamp when HEAD moves or the index changes (a commit, a checkout).
    for p in [".git/HEAD", ".git/index", ".git/refs/heads"] {
        if std::path::Path::new(p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
