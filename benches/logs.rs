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

fn tab(cap: usize) -> LogTab {
    LogTab::new(
        1,
        "bench".into(),
        HostRef::Alias("x".into()),
        TabKind::Tail { source: TailSource::Command("x".into()), status: TailStatus::Connecting },
        cap,
    )
}

fn ingest_and_filter() {
    let n = 1_000_000;
    let data = corpus(n);
    // Ingest: split, sanitise, classify into batches (the tail task), then store
    // (the UI), all on this one thread.
    let mut times = Vec::new();
    for _ in 0..3 {
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
    times.sort();
    let best = times[0];
    println!(
        "ingest 1,000,000 lines of 100 bytes (split, sanitise, classify, store), one thread | {:.0} ms | {:.2} M lines/s | target >= 1 M lines/s",
        best.as_secs_f64() * 1e3,
        n as f64 / best.as_secs_f64() / 1e6
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
        times.sort();
        println!("filter 1,000,000 lines ({label} `{pat}`, {hits} hits) | median {:.1} ms | target < 100 ms", times[2].as_secs_f64() * 1e3);
    }
}

fn ssh_throughput() {
    if !std::path::Path::new("/usr/sbin/sshd").exists() {
        println!("ssh throughput: skipped (no /usr/sbin/sshd; install openssh-server)");
        return;
    }
    let s = sshd::Sshd::start();
    let file = s.path("big.log");
    let lines = 2_000_000;
    std::fs::write(&file, corpus(lines)).unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    let kh = s.path("known_hosts");
    // OpenSSH: `ssh host cat FILE > /dev/null`.
    let ssh_run = || {
        let start = Instant::now();
        let st = std::process::Command::new("ssh")
            .args(["-q", "-p", &s.port.to_string(), "-i"])
            .arg(s.path("plain_ed25519"))
            .args(["-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes"])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", kh.display()))
            .arg("root@127.0.0.1")
            .arg(format!("cat {}", file.display()))
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        start.elapsed()
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let target = Target {
        identity_files: vec![s.path("plain_ed25519")],
        known_hosts: vec![s.path("known_hosts_cutover")],
        keepalive: Duration::from_secs(15),
        ..Target::new("127.0.0.1", s.port, "root")
    };
    let env = SshEnv::new(Arc::new(Fixed { host_key: true, passphrase: None, password: None }));
    let session = rt.block_on(Session::connect(&target, &env)).expect("connect");
    // cutover: the same `cat` drained by russh (transfer only), and through the
    // tail pipeline (split, sanitise, classify into batches).
    let cut_run = |pipeline: bool| {
        rt.block_on(async {
            let start = Instant::now();
            let mut ex = session.exec(&format!("cat {}", file.display())).await.unwrap();
            let mut split = LineSplitter::new(1 << 20);
            let mut batch = Batch::default();
            let mut n = 0usize;
            while let Some(ev) = ex.events.recv().await {
                match ev {
                    ExecEvent::Stdout(b) => {
                        n += b.len();
                        if pipeline {
                            split.push(&b, |l| batch.push_raw(l, Kind::Stdout));
                            if batch.lines.len() >= 4096 {
                                batch = Batch::default();
                            }
                        }
                    }
                    ExecEvent::End(_) => break,
                    _ => {}
                }
            }
            assert_eq!(n as u64, size);
            start.elapsed()
        })
    };
    let mut o = Vec::new();
    let mut c = Vec::new();
    let mut p = Vec::new();
    // Interleaved, so both see the same machine state.
    for _ in 0..5 {
        o.push(ssh_run());
        c.push(cut_run(false));
        p.push(cut_run(true));
    }
    for v in [&mut o, &mut c, &mut p] {
        v.sort();
    }
    let mbs = |d: Duration| size as f64 / d.as_secs_f64() / 1e6;
    println!("ssh throughput, {:.0} MB file ({lines} lines) on a loopback OpenSSH sshd, median of 5", size as f64 / 1e6);
    println!("  OpenSSH client `ssh host cat FILE > /dev/null` | {:.0} ms | {:.0} MB/s", o[2].as_secs_f64() * 1e3, mbs(o[2]));
    println!(
        "  cutover (russh) exec `cat FILE`, drained | {:.0} ms | {:.0} MB/s | {:.2}x OpenSSH",
        c[2].as_secs_f64() * 1e3,
        mbs(c[2]),
        o[2].as_secs_f64() / c[2].as_secs_f64()
    );
    println!(
        "  cutover tail pipeline (drain + split + sanitise + classify) | {:.0} ms | {:.0} MB/s | {:.2}x OpenSSH | target >= 0.8x",
        p[2].as_secs_f64() * 1e3,
        mbs(p[2]),
        o[2].as_secs_f64() / p[2].as_secs_f64()
    );
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
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let credit = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let runner = tokio::spawn(cutover::ssh::tail::run(target, env, TailSource::Command(command.into()), tx, credit.clone()));
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
    });
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
