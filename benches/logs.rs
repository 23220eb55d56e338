//! `cargo bench --bench logs`: the log pipeline figures of issue #5.
//! The SSH throughput part starts a real sshd (needs root and openssh-server).

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

#[path = "../tests/support/sshd.rs"]
#[allow(dead_code)]
mod sshd;

use cutover::app::panes::logs::{LogTab, TabKind};
use cutover::logs::{Kind, LineSplitter, LogBuffer, Matcher};
use cutover::ssh::HostRef;
use cutover::ssh::prompt::Fixed;
use cutover::ssh::tail::{Batch, TailSource, TailStatus};
use cutover::ssh::{ExecEvent, Session, SshEnv, Target};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 100-byte log lines in the shapes the console sees (one in 50 with escapes).
fn corpus(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 101);
    for i in 0..n {
        let line = match i % 50 {
            7 => format!(
                "2026-11-21T10:00:{:02}.123456789Z ERROR django.request Internal Server Error: /checkout/ \x1b[31mreq-{i:08x}\x1b[0m",
                i % 60
            ),
            _ => format!(
                "10.0.1.{} - - [21/Nov/2026:10:00:01 +0000] \"GET /p/{} HTTP/1.1\" 200 5123 request_id=req-{i:08x}",
                i % 250,
                i % 997
            ),
        };
        let mut l = line.into_bytes();
        l.resize(100, b' ');
        out.extend_from_slice(&l);
        out.push(b'\n');
    }
    out
}

fn rss_bytes() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    s.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()).unwrap_or(0) * 4096
}

/// A tab that keeps `cap` lines: the byte cap is lifted so a million lines fit
/// (the default 64 MiB would drop about 40% of them).
fn tab(cap: usize) -> LogTab {
    LogTab::with_bytes(
        1,
        "bench".into(),
        HostRef::Alias("x".into()),
        TabKind::Tail { source: TailSource::Command("x".into()), status: TailStatus::Connecting },
        cap,
        1 << 30,
    )
}

fn ingest_and_filter() {
    let n = 1_000_000;
    let data = corpus(n);
    // Ingest: split, sanitise, classify into batches (the tail task), then store
    // (the UI), all on this one thread.
    let mut times = Vec::new();
    for _ in 0..5 {
        let mut t = tab(n);
        let start = Instant::now();
        let mut split = LineSplitter::new(1 << 20);
        let mut batch = Batch::default();
        for chunk in data.chunks(32 * 1024) {
            split.push(chunk, |l| batch.push_raw(l, Kind::Stdout));
            if batch.lines.len() >= 4096 {
                t.push_batch(&batch);
                batch = Batch::default();
            }
        }
        t.push_batch(&batch);
        times.push(start.elapsed());
        assert_eq!(t.buffer.len(), n);
    }
    let (m, lo, hi) = spread(&mut times);
    println!(
        "ingest 1,000,000 lines of 100 bytes (split, sanitise, classify, store), one thread | median of 5 {m:.0} ms ({lo:.0}-{hi:.0}) | {:.2} M lines/s | target >= 1 M lines/s",
        n as f64 / (m / 1e3) / 1e6
    );

    // Memory: 1,000,000 lines of 100 bytes in the buffer.
    let before = rss_bytes();
    let mut b = LogBuffer::new(n);
    let mut split = LineSplitter::new(1 << 20);
    let mut batch = Batch::default();
    split.push(&data, |l| batch.push_raw(l, Kind::Stdout));
    for l in &batch.lines {
        b.push_clean(&batch.text[l.start as usize..(l.start + l.len) as usize], l.level, l.ts_len as usize, l.kind);
    }
    drop(batch);
    let rss = rss_bytes().saturating_sub(before);
    let raw = n * 100;
    println!(
        "memory, 1,000,000 lines of 100 bytes buffered | heap {:.1} MB = {:.2}x raw | RSS growth {:.1} MB = {:.2}x raw | target < 1.5x",
        b.heap_bytes() as f64 / 1e6,
        b.heap_bytes() as f64 / raw as f64,
        rss as f64 / 1e6,
        rss as f64 / raw as f64
    );
    drop(b);

    // Filter over 1,000,000 buffered lines.
    let mut t = tab(n);
    let mut split = LineSplitter::new(1 << 20);
    let mut batch = Batch::default();
    split.push(&data, |l| batch.push_raw(l, Kind::Stdout));
    t.push_batch(&batch);
    for (label, pat, cs) in [
        ("regex", r"req-000[0-9a-f]{4}7", true),
        ("text, any case", "error", false),
        ("regex, any case", r"internal server error.*req-", false),
    ] {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..5 {
            let m = Matcher::new(pat, cs);
            let start = Instant::now();
            t.set_filter(m);
            times.push(start.elapsed());
            hits = t.rows();
            t.set_filter(None);
        }
        let (m, lo, hi) = spread(&mut times);
        println!("filter 1,000,000 lines ({label} `{pat}`, {hits} hits) | median of 5 {m:.1} ms ({lo:.1}-{hi:.1}) | target < 100 ms");
    }
}

/// Median and spread (min-max) of a set of runs, in ms.
fn spread(v: &mut [Duration]) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(v[v.len() / 2]), ms(v[0]), ms(v[v.len() - 1]))
}

/// The cipher and key exchange both clients must use: the sshd offers only these.
const CIPHER: &str = "chacha20-poly1305@openssh.com";
const KEX: &str = "curve25519-sha256";

fn ssh_throughput() {
    if !std::path::Path::new("/usr/sbin/sshd").exists() {
        println!("ssh throughput: skipped (no /usr/sbin/sshd; install openssh-server)");
        return;
    }
    let s = sshd::Sshd::start_with(&format!("Ciphers {CIPHER}\nKexAlgorithms {KEX}\n"));
    let file = s.path("big.log");
    let lines = 2_000_000;
    std::fs::write(&file, corpus(lines)).unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    let kh = s.path("known_hosts");
    let ctl = s.path("ctl");
    let ssh = |extra: &[&str]| {
        let mut c = std::process::Command::new("ssh");
        c.args(["-q", "-p", &s.port.to_string(), "-i"])
            .arg(s.path("plain_ed25519"))
            .args(["-c", CIPHER, "-o", &format!("KexAlgorithms={KEX}")])
            .args(["-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes"])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", kh.display()))
            .args(extra);
        c
    };
    // OpenSSH: `ssh host cat FILE > /dev/null`, cold (process, key exchange,
    // login) or through an open ControlMaster connection.
    let ssh_cat = |warm: bool| {
        let start = Instant::now();
        let through = ["-S", ctl.to_str().unwrap()];
        let extra: &[&str] = if warm { &through } else { &[] };
        let mut c = ssh(extra);
        let st = c.arg("root@127.0.0.1").arg(format!("cat {}", file.display())).stdout(std::process::Stdio::null()).status().unwrap();
        assert!(st.success());
        start.elapsed()
    };
    let master = ssh(&["-M", "-S", ctl.to_str().unwrap(), "-o", "ControlPersist=300", "-f", "-N"]).arg("root@127.0.0.1").status().unwrap();
    assert!(master.success(), "the ControlMaster starts");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let target = Target {
        identity_files: vec![s.path("plain_ed25519")],
        known_hosts: vec![s.path("known_hosts_cutover")],
        keepalive: Duration::from_secs(15),
        ..Target::new("127.0.0.1", s.port, "root")
    };
    let env = SshEnv::new(Arc::new(Fixed { host_key: true, passphrase: None, password: None }));
    let open = rt.block_on(Session::connect(&target, &env)).expect("connect");
    // cutover: `cat` drained by russh, cold (connect, key exchange, login) or on the open session.
    let cut_cat = |warm: bool| {
        rt.block_on(async {
            let start = Instant::now();
            let fresh;
            let session = if warm {
                &open
            } else {
                fresh = Session::connect(&target, &env).await.expect("connect");
                &fresh
            };
            let mut ex = session.exec(&format!("cat {}", file.display())).await.unwrap();
            let mut n = 0usize;
            while let Some(ev) = ex.events.recv().await {
                match ev {
                    ExecEvent::Stdout(b) => n += b.len(),
                    ExecEvent::End(_) => break,
                    _ => {}
                }
            }
            assert_eq!(n as u64, size);
            start.elapsed()
        })
    };
    // The console's real tail: `tail::run` connects, runs the command, splits,
    // sanitises and classifies into batches under its flow control, and the
    // batches go into a Logs tab's buffer (line cap high enough to keep all).
    let tail = || {
        rt.block_on(async {
            let source = TailSource::Command(format!("cat {}", file.display()));
            let mut tab = LogTab::with_bytes(
                1,
                "bench".into(),
                HostRef::Alias("x".into()),
                TabKind::Tail { source: source.clone(), status: TailStatus::Connecting },
                lines,
                1 << 30,
            );
            let start = Instant::now();
            tail_into(&mut tab, target.clone(), env.clone(), source).await;
            let took = start.elapsed();
            assert_eq!(tab.buffer.len() + tab.dropped as usize, lines, "every line arrived");
            took
        })
    };
    let runs = 7;
    let (mut oc, mut cc, mut ow, mut cw, mut tp) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Interleaved, so every variant sees the same machine state.
    for _ in 0..runs {
        oc.push(ssh_cat(false));
        cc.push(cut_cat(false));
        ow.push(ssh_cat(true));
        cw.push(cut_cat(true));
        tp.push(tail());
    }
    let _ = std::process::Command::new("ssh").args(["-S", ctl.to_str().unwrap(), "-O", "exit", "root@127.0.0.1"]).status();
    let mbs = |ms: f64| size as f64 / (ms / 1e3) / 1e6;
    println!(
        "ssh throughput, {:.0} MB file ({lines} lines), loopback OpenSSH sshd offering only {CIPHER} / {KEX}; {runs} runs each, interleaved; median (min-max)",
        size as f64 / 1e6
    );
    let (o_cold, ..) = spread(&mut oc.clone());
    let (o_warm, ..) = spread(&mut ow.clone());
    for (label, v, base) in [
        ("OpenSSH `ssh host cat FILE > /dev/null`, new connection each run", &mut oc, o_cold),
        ("cutover (russh) connect + exec `cat FILE`, drained", &mut cc, o_cold),
        ("OpenSSH through a ControlMaster connection", &mut ow, o_warm),
        ("cutover exec `cat FILE` on an open session, drained", &mut cw, o_warm),
        ("cutover's tail (connect, exec, split, sanitise, classify, flow control) into a Logs buffer", &mut tp, o_cold),
    ] {
        let (m, lo, hi) = spread(v);
        println!("  {label} | {m:.0} ms ({lo:.0}-{hi:.0}) | {:.0} MB/s | {:.2}x OpenSSH alike", mbs(m), base / m);
    }
}

/// Streams `source` through the console's real tail (`ssh::tail::run`: connect,
/// batches, flow control) into `tab` until the command ends.
async fn tail_into(tab: &mut LogTab, target: Target, env: SshEnv, source: TailSource) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let credit = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let runner = tokio::spawn(cutover::ssh::tail::run(target, env, source, tx, credit.clone()));
    while let Some(ev) = rx.recv().await {
        match ev {
            cutover::ssh::tail::TailEvent::Lines(b) => {
                tab.push_batch(&b);
                credit.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
            }
            cutover::ssh::tail::TailEvent::Status(TailStatus::Ended(_) | TailStatus::Failed(_)) => break,
            _ => {}
        }
    }
    runner.abort();
}

/// Peak resident memory of this process (VmHWM), in bytes.
fn peak_rss() -> usize {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<usize>().ok()).unwrap_or(0)
        * 1024
}

/// One memory case, in a process of its own so the peak is its own: a real
/// sshd streams `command` through the whole tail pipeline (tail::run, batches,
/// credit) into a Logs tab with the default byte cap, as the console does.
fn memory_case(command: &str, lines: usize) {
    let s = sshd::Sshd::start();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let target = Target {
        identity_files: vec![s.path("plain_ed25519")],
        known_hosts: vec![s.path("known_hosts_cutover")],
        ..Target::new("127.0.0.1", s.port, "root")
    };
    let env = SshEnv::new(Arc::new(Fixed { host_key: true, passphrase: None, password: None }));
    let cap = cutover::logs::buffer::DEFAULT_BYTES;
    let mut tab = LogTab::with_bytes(
        1,
        "mem".into(),
        HostRef::Alias("x".into()),
        TabKind::Tail { source: TailSource::Command(command.into()), status: TailStatus::Connecting },
        lines,
        cap,
    );
    let base = peak_rss();
    let start = Instant::now();
    rt.block_on(tail_into(&mut tab, target, env, TailSource::Command(command.into())));
    let peak = peak_rss();
    println!(
        "MEMORY\t{command}\t{:.1}\t{}\t{}\t{:.0}\t{:.0}\t{:.0}",
        start.elapsed().as_secs_f64(),
        tab.buffer.len(),
        tab.dropped,
        base as f64 / 1048576.0,
        peak as f64 / 1048576.0,
        (cap + (64 << 20)) as f64 / 1048576.0
    );
}

fn memory() {
    if !std::path::Path::new("/usr/sbin/sshd").exists() {
        println!("memory: skipped (no /usr/sbin/sshd; install openssh-server)");
        return;
    }
    println!("memory: the tail pipeline into a Logs tab (byte cap 64 MiB), peak RSS of a process of its own");
    // The default line cap (100,000), and a line cap so high that only the byte cap binds.
    for (command, lines) in
        [("head -c 1073741824 /dev/zero | tr '\\0' a", 100_000), ("seq 10000000", 100_000), ("seq 10000000", 10_000_000)]
    {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--memory-case")
            .arg(command)
            .arg(lines.to_string())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        match text.lines().find_map(|l| l.strip_prefix("MEMORY\t")) {
            Some(l) => {
                let f: Vec<&str> = l.split('\t').collect();
                println!(
                    "  `{}`, line cap {lines} | {} s | {} lines kept, {} dropped | RSS before {} MiB, peak {} MiB | limit (cap + 64 MiB) {} MiB",
                    f[0], f[1], f[2], f[3], f[4], f[5], f[6]
                );
            }
            None => println!("  `{command}` failed: {}", String::from_utf8_lossy(&out.stderr)),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory-case") {
        memory_case(&args[i + 1], args[i + 2].parse().unwrap());
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    println!("cutover log figures (release build)");
    let only_memory = args.iter().any(|a| a == "memory");
    if !only_memory {
        ingest_and_filter();
        ssh_throughput();
    }
    memory();
}
