//! Tier 4: the SSH client against a real OpenSSH sshd on 127.0.0.1.

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use cutover::ssh::prompt::{Answer, Fixed, Prompter, Question};
use cutover::ssh::tail::{self, TailEvent, TailSource, TailStatus};
use cutover::ssh::{Exit, Session, SshEnv, SshError, StrictHostKeyChecking, Target};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::sshd::{self, Agent, Sshd};

fn target(sshd: &Sshd, user: &str, keys: Vec<std::path::PathBuf>, known_hosts: &std::path::Path) -> Target {
    Target {
        identity_files: keys,
        known_hosts: vec![known_hosts.to_path_buf()],
        keepalive: Duration::from_secs(1),
        ..Target::new("127.0.0.1", sshd.port, user)
    }
}

fn env(p: impl Prompter + 'static) -> SshEnv {
    let mut e = SshEnv::new(Arc::new(p));
    e.agent = None;
    e.connect_timeout = Duration::from_secs(10);
    e
}

/// Records the questions asked.
struct Recorder {
    asked: Arc<Mutex<Vec<Question>>>,
    inner: Fixed,
}

impl Prompter for Recorder {
    fn ask(&self, q: Question) -> Answer {
        self.asked.lock().unwrap().push(q.clone());
        self.inner.ask(q)
    }
}

fn trust_all() -> Fixed {
    Fixed { host_key: true, passphrase: Some(sshd::PASSPHRASE.into()), password: Some(sshd::PW_PASSWORD.into()) }
}

#[tokio::test]
async fn key_with_passphrase_prompted_and_exit_code_reported() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let asked = Arc::new(Mutex::new(Vec::new()));
    let e = env(Recorder { asked: asked.clone(), inner: trust_all() });
    let sess = Session::connect(&target(&s, "root", vec![s.path("client_ed25519")], &kh), &e).await.unwrap();
    let out = sess.run("echo out; echo err >&2; exit 7").await.unwrap();
    assert_eq!(out.stdout_text(), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    assert_eq!(out.exit, Exit::Code(7));
    let q = asked.lock().unwrap().clone();
    assert!(matches!(&q[0], Question::HostKey { fingerprint, .. } if *fingerprint == s.host_fingerprint()), "{q:?}");
    assert!(matches!(&q[1], Question::Passphrase { key } if key.ends_with("client_ed25519")), "{q:?}");
    // Trusted key written; a second connection asks nothing.
    let written = std::fs::read_to_string(&kh).unwrap();
    assert!(written.contains(&format!("[127.0.0.1]:{} ssh-ed25519 ", s.port)), "{written}");
    asked.lock().unwrap().clear();
    let _again = Session::connect(&target(&s, "root", vec![s.path("client_ed25519")], &kh), &e).await.unwrap();
    assert!(asked.lock().unwrap().is_empty(), "passphrase cached in memory, host key known");
    assert!(s.log().contains("Accepted publickey for root"));
}

#[tokio::test]
async fn unknown_host_key_declined_does_not_connect() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let e = env(Fixed { host_key: false, passphrase: None, password: None });
    let err = Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &e).await.err().expect("refused");
    assert!(matches!(&err, SshError::HostKeyRejected { fingerprint, .. } if *fingerprint == s.host_fingerprint()), "{err}");
    assert!(!kh.exists() || std::fs::read_to_string(&kh).unwrap().trim().is_empty());
}

#[tokio::test]
async fn changed_host_key_is_refused_like_openssh() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    sshd::keygen(&s.path("other_host"), "");
    let other = std::fs::read_to_string(s.path("other_host.pub")).unwrap();
    let key = other.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    std::fs::write(&kh, format!("[127.0.0.1]:{} {key}\n", s.port)).unwrap();
    let e = env(trust_all());
    let err = Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &e).await.err().expect("refused");
    match &err {
        SshError::HostKeyChanged { line, fingerprint, .. } => {
            assert_eq!(*line, 1);
            assert_eq!(*fingerprint, s.host_fingerprint());
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), "{err}");
    // The file is left alone.
    assert!(std::fs::read_to_string(&kh).unwrap().contains(&key));
}

#[tokio::test]
async fn agent_auth() {
    let s = Sshd::start();
    let agent = Agent::with_key(&s.path("plain_ed25519"));
    let mut e = env(trust_all());
    e.agent = Some(agent.sock.clone());
    let sess = Session::connect(&target(&s, "root", vec![], &s.path("known_hosts")), &e).await.unwrap();
    assert!(sess.run("true").await.unwrap().success());
    assert!(s.log().contains("Accepted publickey for root"), "{}", s.log());
}

#[tokio::test]
async fn password_auth_and_wrong_password() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let sess = Session::connect(&target(&s, sshd::PW_USER, vec![], &kh), &env(trust_all())).await.unwrap();
    assert_eq!(sess.run("id -un").await.unwrap().stdout_text().trim(), sshd::PW_USER);
    assert!(s.log().contains(&format!("Accepted password for {}", sshd::PW_USER)));
    let bad = env(Fixed { host_key: true, passphrase: None, password: Some("wrong".into()) });
    let err = Session::connect(&target(&s, sshd::PW_USER, vec![], &kh), &bad).await.err().expect("denied");
    assert!(matches!(&err, SshError::Auth { remaining, .. } if remaining.contains(&"password".to_string())), "{err}");
}

#[tokio::test]
async fn proxy_jump_through_a_second_sshd() {
    let inner = Sshd::start();
    let jump = Sshd::start();
    let kh = inner.path("known_hosts");
    let mut t = target(&inner, "root", vec![inner.path("plain_ed25519")], &kh);
    // The jump host resolves the target's name; `localhost` proves it is not us.
    t.host = "localhost".into();
    t.jumps = vec![target(&jump, "root", vec![jump.path("plain_ed25519")], &kh)];
    let sess = Session::connect(&t, &env(trust_all())).await.unwrap();
    assert_eq!(sess.run("echo via-jump").await.unwrap().stdout_text(), "via-jump\n");
    assert!(jump.log().contains("Accepted publickey for root"), "jump host used: {}", jump.log());
    assert!(inner.log().contains("Accepted publickey for root"), "target reached: {}", inner.log());
    let known = std::fs::read_to_string(&kh).unwrap();
    assert!(known.contains(&format!("[localhost]:{}", inner.port)), "{known}");
}

#[tokio::test]
async fn signal_stops_a_command_for_a_non_root_user() {
    let s = Sshd::start();
    let sess = Session::connect(&target(&s, sshd::PW_USER, vec![], &s.path("known_hosts")), &env(trust_all())).await.unwrap();
    // `exec` makes the shell the sleep itself: the signal reaches it, not a wrapper.
    let mut ex = sess.exec("echo started; exec sleep 30").await.unwrap();
    // Signal only once the command has certainly started.
    let started = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = ex.events.recv().await {
            if matches!(&ev, cutover::ssh::ExecEvent::Stdout(b) if b.starts_with(b"started")) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(started.ok(), Some(true), "the command started");
    ex.signal(russh::Sig::TERM).await;
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = ex.events.recv().await {
            if let cutover::ssh::ExecEvent::End(e) = ev {
                return e;
            }
        }
        Exit::Lost
    })
    .await
    .expect("command stopped");
    assert_eq!(end, Exit::Signal("TERM".into()));
}

async fn collect_until(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<TailEvent>,
    credit: &AtomicUsize,
    lines: &mut Vec<String>,
    pred: impl Fn(&[String]) -> bool,
) {
    let r = tokio::time::timeout(Duration::from_secs(20), async {
        while !pred(lines) {
            match rx.recv().await {
                Some(TailEvent::Lines(b)) => {
                    credit.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
                    for i in 0..b.lines.len() {
                        lines.push(b.line(i).to_string());
                    }
                }
                Some(TailEvent::Status(TailStatus::Failed(e))) => panic!("tail failed: {e}"),
                Some(_) => {}
                None => break,
            }
        }
    })
    .await;
    assert!(r.is_ok(), "timed out; lines so far: {lines:#?}");
}

#[tokio::test]
async fn tail_survives_the_server_killing_the_connection() {
    let s = Sshd::start();
    let log = s.path("app.log");
    std::fs::write(&log, "first line\n").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let credit = Arc::new(AtomicUsize::new(0));
    let t = target(&s, "root", vec![s.path("plain_ed25519")], &s.path("known_hosts"));
    let task = tokio::spawn(tail::run(t, env(trust_all()), TailSource::File { path: log.display().to_string() }, tx, credit.clone()));
    let mut lines = Vec::new();
    collect_until(&mut rx, &credit, &mut lines, |l| l.iter().any(|x| x == "first line")).await;
    s.kill_connections();
    collect_until(&mut rx, &credit, &mut lines, |l| l.iter().any(|x| x.contains("reconnected at"))).await;
    // `tail -n 0 -F` starts at the end of the file: keep writing until a line arrives.
    let writer = {
        let log = log.clone();
        tokio::spawn(async move {
            loop {
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(&log)
                    .and_then(|mut f| std::io::Write::write_all(&mut f, b"after the gap\n"))
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    collect_until(&mut rx, &credit, &mut lines, |l| l.iter().any(|x| x == "after the gap")).await;
    writer.abort();
    let lost = lines.iter().position(|l| l.contains("lost at")).expect("gap marked");
    let back = lines.iter().position(|l| l.contains("reconnected at")).expect("reconnect marked");
    assert!(lost < back, "{lines:#?}");
    assert!(lines[back].contains("not received"), "{}", lines[back]);
    task.abort();
}

#[tokio::test]
async fn a_silent_link_is_noticed_by_keepalives() {
    let s = Sshd::start();
    let log = s.path("app.log");
    std::fs::write(&log, "before\n").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let credit = Arc::new(AtomicUsize::new(0));
    let t = target(&s, "root", vec![s.path("plain_ed25519")], &s.path("known_hosts"));
    let task = tokio::spawn(tail::run(t, env(trust_all()), TailSource::File { path: log.display().to_string() }, tx, credit.clone()));
    let mut lines = Vec::new();
    collect_until(&mut rx, &credit, &mut lines, |l| l.iter().any(|x| x == "before")).await;
    let frozen = s.freeze_connections();
    let start = std::time::Instant::now();
    collect_until(&mut rx, &credit, &mut lines, |l| l.iter().any(|x| x.contains("lost at"))).await;
    let noticed = start.elapsed();
    // keepalive 1 s, 3 misses: noticed within a few seconds, not never.
    assert!(noticed < Duration::from_secs(10), "noticed after {noticed:?}");
    for pid in frozen {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    }
    collect_until(&mut rx, &credit, &mut lines, |l| l.iter().any(|x| x.contains("reconnected at"))).await;
    task.abort();
}

#[tokio::test]
async fn hostile_log_lines_are_neutralised() {
    let s = Sshd::start();
    let log = s.path("evil.log");
    std::fs::write(&log, b"\x1b]0;owned\x07\x1b[2J\x1b[1;1H\x1b]52;c;ZWNobyBwd25lZA==\x07fake prompt$ \x9b6n \xff\n").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let credit = Arc::new(AtomicUsize::new(0));
    let t = target(&s, "root", vec![s.path("plain_ed25519")], &s.path("known_hosts"));
    let task = tokio::spawn(tail::run(t, env(trust_all()), TailSource::File { path: log.display().to_string() }, tx, credit.clone()));
    let mut lines = Vec::new();
    collect_until(&mut rx, &credit, &mut lines, |l| l.iter().any(|x| x.contains("fake prompt"))).await;
    let l = lines.iter().find(|x| x.contains("fake prompt")).unwrap();
    assert!(!l.chars().any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c)), "{l:?}");
    assert!(l.starts_with("^[]0;owned^G^[[2J"), "{l:?}");
    task.abort();
}

#[tokio::test]
async fn a_flood_is_dropped_and_counted_not_queued() {
    let s = Sshd::start();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let credit = Arc::new(AtomicUsize::new(0));
    let t = target(&s, "root", vec![s.path("plain_ed25519")], &s.path("known_hosts"));
    let flood = TailSource::Command("i=0; while [ $i -lt 300000 ]; do echo \"flood line $i\"; i=$((i+1)); done; sleep 2".into());
    let task = tokio::spawn(tail::run(t, env(trust_all()), flood, tx, credit.clone()));
    // A console that does not apply anything for a while: credit is never handed back.
    let mut held = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while held < tail::MAX_IN_FLIGHT && tokio::time::Instant::now() < deadline {
        if let Some(TailEvent::Lines(_)) = rx.recv().await {
            held += 1;
        }
    }
    assert_eq!(held, tail::MAX_IN_FLIGHT);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Now catch up: the next batch says how many lines were dropped meanwhile.
    credit.store(0, std::sync::atomic::Ordering::Release);
    let mut dropped = 0;
    let r = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rx.recv().await {
                Some(TailEvent::Lines(b)) => {
                    credit.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
                    if b.dropped > 0 {
                        dropped = b.dropped;
                        return;
                    }
                }
                Some(_) => {}
                None => return,
            }
        }
    })
    .await;
    assert!(r.is_ok() && dropped > 0, "dropped lines are reported (got {dropped})");
    task.abort();
}

#[tokio::test]
async fn hashed_known_hosts_entries_are_honoured() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let out =
        std::process::Command::new("ssh-keyscan").args(["-H", "-t", "ed25519", "-p", &s.port.to_string(), "127.0.0.1"]).output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(line.starts_with("|1|"), "hashed entry: {line}");
    std::fs::write(&kh, &line).unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let e = env(Recorder { asked: asked.clone(), inner: trust_all() });
    let sess = Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &e).await.unwrap();
    assert!(sess.run("true").await.unwrap().success());
    assert!(asked.lock().unwrap().is_empty(), "a hashed entry is a known host: no question");
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), line, "file untouched");
}

// ---- Host keys as OpenSSH judges them: one test per rule, against a real sshd.

/// `[127.0.0.1]:port <type> <base64>` of the sshd's host key.
fn host_line(s: &Sshd) -> String {
    let key = std::fs::read_to_string(s.path("host_ed25519.pub")).unwrap();
    format!("[127.0.0.1]:{} {}", s.port, key.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
}

/// Another ed25519 key (what an impostor would offer).
fn other_key(s: &Sshd, name: &str) -> String {
    sshd::keygen(&s.path(name), "");
    std::fs::read_to_string(s.path(&format!("{name}.pub"))).unwrap().split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

fn recorder(answer: bool) -> (Recorder, Arc<Mutex<Vec<Question>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let inner = Fixed { host_key: answer, passphrase: None, password: None };
    (Recorder { asked: asked.clone(), inner }, asked)
}

#[tokio::test]
async fn a_revoked_key_is_refused_even_when_also_listed_as_known() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let line = host_line(&s);
    let key = line.split_once(' ').unwrap().1;
    std::fs::write(&kh, format!("{line}\n@revoked * {key}\n")).unwrap();
    let (p, asked) = recorder(true);
    let err = Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &env(p)).await.err().expect("refused");
    assert!(matches!(&err, SshError::HostKeyRevoked { .. }), "{err}");
    assert!(err.to_string().contains("REVOKED HOST KEY"), "{err}");
    assert!(asked.lock().unwrap().is_empty());
    assert!(!s.log().contains("Accepted"), "never authenticated");
}

#[tokio::test]
async fn cert_authority_lines_are_not_host_keys() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let line = host_line(&s);
    let key = line.split_once(' ').unwrap().1;
    std::fs::write(&kh, format!("@cert-authority [127.0.0.1]:{} {key}\n", s.port)).unwrap();
    let (p, asked) = recorder(false);
    let err = Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &env(p)).await.err().expect("not trusted");
    assert!(matches!(&err, SshError::HostKeyRejected { .. }), "an unknown host, asked about: {err}");
    assert_eq!(asked.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn strict_yes_refuses_an_unknown_host_without_asking_or_writing() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let (p, asked) = recorder(true);
    let t = Target { strict: StrictHostKeyChecking::Yes, ..target(&s, "root", vec![s.path("plain_ed25519")], &kh) };
    let err = Session::connect(&t, &env(p)).await.err().expect("refused");
    assert!(matches!(&err, SshError::HostKeyUnknown { .. }), "{err}");
    assert!(err.to_string().contains("you have requested strict checking"), "{err}");
    assert!(asked.lock().unwrap().is_empty());
    assert!(!kh.exists());
}

#[tokio::test]
async fn accept_new_learns_silently_but_refuses_a_changed_key() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let (p, asked) = recorder(false);
    let e = env(p);
    let t = Target { strict: StrictHostKeyChecking::AcceptNew, ..target(&s, "root", vec![s.path("plain_ed25519")], &kh) };
    let sess = Session::connect(&t, &e).await.unwrap();
    assert!(sess.run("true").await.unwrap().success());
    assert!(asked.lock().unwrap().is_empty(), "accept-new does not ask");
    assert!(std::fs::read_to_string(&kh).unwrap().contains(&host_line(&s)));
    std::fs::write(&kh, format!("[127.0.0.1]:{} {}\n", s.port, other_key(&s, "impostor"))).unwrap();
    let err = Session::connect(&t, &e).await.err().expect("changed");
    assert!(matches!(&err, SshError::HostKeyChanged { .. }), "{err}");
}

#[tokio::test]
async fn strict_no_connects_to_a_changed_key_with_a_warning_and_no_password() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    std::fs::write(&kh, format!("[127.0.0.1]:{} {}\n", s.port, other_key(&s, "impostor"))).unwrap();
    let e = env(trust_all());
    let t = Target { strict: StrictHostKeyChecking::No, ..target(&s, "root", vec![s.path("plain_ed25519")], &kh) };
    let sess = Session::connect(&t, &e).await.unwrap();
    assert!(sess.warnings.iter().any(|w| w.contains("changed") && w.contains("password authentication disabled")), "{:?}", sess.warnings);
    // A password is never sent to a host whose key changed.
    let t = Target { strict: StrictHostKeyChecking::No, ..target(&s, sshd::PW_USER, vec![], &kh) };
    let err = Session::connect(&t, &e).await.err().expect("no password offered");
    assert!(matches!(&err, SshError::Auth { .. }), "{err}");
    assert!(!s.log().contains("Accepted password"), "{}", s.log());
}

#[tokio::test]
async fn global_known_hosts_are_consulted_and_never_written() {
    let s = Sshd::start();
    let (user_kh, global_kh) = (s.path("known_hosts"), s.path("ssh_known_hosts"));
    std::fs::write(&global_kh, format!("{}\n", host_line(&s))).unwrap();
    let (p, asked) = recorder(false);
    let t = Target { global_known_hosts: vec![global_kh.clone()], ..target(&s, "root", vec![s.path("plain_ed25519")], &user_kh) };
    let sess = Session::connect(&t, &env(p)).await.unwrap();
    assert!(sess.run("true").await.unwrap().success());
    assert!(asked.lock().unwrap().is_empty());
    assert!(!user_kh.exists());
}

#[tokio::test]
async fn every_user_known_hosts_file_is_consulted() {
    let s = Sshd::start();
    let (first, second) = (s.path("known_hosts"), s.path("known_hosts2"));
    std::fs::write(&second, format!("{}\n", host_line(&s))).unwrap();
    let (p, asked) = recorder(false);
    let t = Target { known_hosts: vec![first.clone(), second], ..target(&s, "root", vec![s.path("plain_ed25519")], &first) };
    Session::connect(&t, &env(p)).await.unwrap();
    assert!(asked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn host_key_alias_decides_which_entry_is_checked_and_written() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let key = host_line(&s).split_once(' ').unwrap().1.to_string();
    // Filed under the alias (no port, as OpenSSH files it): known.
    std::fs::write(&kh, format!("web-prod {key}\n")).unwrap();
    let (p, asked) = recorder(false);
    let t = Target { host_key_alias: Some("web-prod".into()), ..target(&s, "root", vec![s.path("plain_ed25519")], &kh) };
    Session::connect(&t, &env(p)).await.unwrap();
    assert!(asked.lock().unwrap().is_empty());
    // A different alias is unknown; learning writes the alias.
    let (p, asked) = recorder(true);
    let t = Target { host_key_alias: Some("web-uat".into()), ..t };
    Session::connect(&t, &env(p)).await.unwrap();
    assert!(matches!(&asked.lock().unwrap()[0], Question::HostKey { name, .. } if name == "web-uat"));
    assert!(std::fs::read_to_string(&kh).unwrap().lines().any(|l| l.starts_with("web-uat ssh-ed25519 ")));
}

#[tokio::test]
async fn any_matching_line_accepts_even_after_a_stale_one() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    std::fs::write(&kh, format!("[127.0.0.1]:{} {}\n{}\n", s.port, other_key(&s, "stale"), host_line(&s))).unwrap();
    let (p, asked) = recorder(false);
    Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &env(p)).await.unwrap();
    assert!(asked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_known_key_of_another_type_is_a_warning_in_the_question() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let out =
        std::process::Command::new("ssh-keygen").args(["-q", "-t", "ecdsa", "-N", "", "-f"]).arg(s.path("ecdsa_host")).output().unwrap();
    assert!(out.status.success());
    let ecdsa = std::fs::read_to_string(s.path("ecdsa_host.pub")).unwrap().split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    std::fs::write(&kh, format!("[127.0.0.1]:{} {ecdsa}\n", s.port)).unwrap();
    let (p, asked) = recorder(false);
    let err = Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &env(p)).await.err().expect("declined");
    assert!(matches!(&err, SshError::HostKeyRejected { .. }), "not 'changed': another type is not a change ({err})");
    let q = asked.lock().unwrap()[0].clone();
    assert!(matches!(&q, Question::HostKey { others, .. } if others.len() == 1 && others[0].starts_with("ECDSA")), "{q:?}");
    assert!(q.text().contains("WARNING"), "{}", q.text());
}

/// Answers after a delay (an operator reading the fingerprint).
struct Slow(Duration);

impl Prompter for Slow {
    fn ask(&self, _q: Question) -> Answer {
        let d = self.0;
        Box::pin(async move {
            tokio::time::sleep(d).await;
            Some(cutover::config::Secret::new("yes"))
        })
    }
}

#[tokio::test]
async fn the_question_is_asked_outside_the_connect_timeout() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let mut e = env(Slow(Duration::from_millis(2500)));
    e.connect_timeout = Duration::from_secs(1);
    let sess = Session::connect(&target(&s, "root", vec![s.path("plain_ed25519")], &kh), &e).await.unwrap();
    assert!(sess.run("true").await.unwrap().success(), "a 2.5 s answer with a 1 s connect timeout still connects");
}

#[tokio::test]
async fn a_late_yes_after_the_attempt_died_writes_nothing() {
    let s = Sshd::start();
    let kh = s.path("known_hosts");
    let e = env(Slow(Duration::from_millis(800)));
    let t = target(&s, "root", vec![s.path("plain_ed25519")], &kh);
    // The attempt is given up while the question is open (a cancelled job).
    let r = tokio::time::timeout(Duration::from_millis(300), Session::connect(&t, &e)).await;
    assert!(r.is_err());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!kh.exists(), "the answer reached nothing");
}
