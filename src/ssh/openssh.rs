//! Asking the OpenSSH client how it would connect: `ssh -G`. Where the client
//! is installed (on a jump box it always is), its answer is the truth: Match,
//! Include, the system file and every keyword are evaluated by OpenSSH itself.

use super::options::Options;
use super::ssh_config::Query;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `ssh -G` evaluates `Match exec`, which may run anything: bounded in time and output.
const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_OUTPUT: u64 = 1 << 20;

/// Whether an OpenSSH client answers `ssh -V` (checked once per run).
pub fn available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        Command::new("ssh").arg("-V").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

/// `ssh -G [-F config] [-l user] [-p port] host`: the resolved options, or
/// OpenSSH's own refusal, verbatim.
pub fn dump(config: Option<&Path>, q: &Query<'_>) -> Result<Options, String> {
    check_host(q.host)?;
    let mut cmd = Command::new("ssh");
    cmd.arg("-G");
    if let Some(c) = config {
        cmd.arg("-F").arg(c);
    }
    if let Some(u) = q.user {
        check_host(u)?;
        cmd.arg("-l").arg(u);
    }
    if let Some(p) = q.port {
        cmd.arg("-p").arg(p.to_string());
    }
    cmd.arg(q.host).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("running ssh -G: {e}"))?;
    let out = child.stdout.take().map(|s| std::thread::spawn(move || collect(s)));
    let err = child.stderr.take().map(|s| std::thread::spawn(move || collect(s)));
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("ssh -G {} did not answer within {}s", q.host, TIMEOUT.as_secs()));
            }
            Err(e) => return Err(format!("ssh -G: {e}")),
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    if !status.success() {
        let msg: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("Pseudo-terminal will not be allocated")).collect();
        return Err(if msg.is_empty() { format!("ssh -G {} failed ({status})", q.host) } else { msg.join("; ") });
    }
    Ok(Options::from_dump(&stdout))
}

fn collect(s: impl Read) -> String {
    let mut buf = Vec::new();
    let _ = s.take(MAX_OUTPUT).read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// A name from a server or a file must not turn into an option or a second word.
pub fn check_host(h: &str) -> Result<(), String> {
    if h.is_empty() || h.starts_with('-') || h.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{}` is not a host name ssh accepts", h.escape_debug()));
    }
    Ok(())
}
