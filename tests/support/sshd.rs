//! A real OpenSSH sshd on 127.0.0.1, started by a test (Debian's openssh-server;
//! `.ci/run` installs it). Needs root, as CI runs.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSPHRASE: &str = "secret-pass";
pub const PW_USER: &str = "cutover-pw";
pub const PW_PASSWORD: &str = "pw-Secret-42";

pub struct Sshd {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run helper command");
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

pub fn keygen(path: &Path, passphrase: &str) {
    run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", passphrase, "-C", "cutover-test", "-f"]).arg(path));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A local user with a password (sshd refuses locked accounts even for keys).
pub fn ensure_user(name: &str, password: &str) {
    let exists = Command::new("id").arg(name).stdout(Stdio::null()).stderr(Stdio::null()).status().map(|s| s.success()).unwrap_or(false);
    if !exists {
        let _ = Command::new("useradd").args(["-M", "-s", "/bin/sh", name]).status();
    }
    let mut c = Command::new("chpasswd").stdin(Stdio::piped()).spawn().expect("chpasswd");
    use std::io::Write;
    c.stdin.take().unwrap().write_all(format!("{name}:{password}\n").as_bytes()).unwrap();
    assert!(c.wait().unwrap().success());
}

impl Sshd {
    /// sshd with: the passphrase key and the plain key authorised (root and
    /// the password user), password auth for the password user.
    pub fn start() -> Sshd {
        Self::start_with("")
    }

    pub fn start_with(extra: &str) -> Sshd {
        std::fs::create_dir_all("/run/sshd").expect("privsep dir");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_ed25519"), "");
        keygen(&d.join("client_ed25519"), PASSPHRASE);
        keygen(&d.join("plain_ed25519"), "");
        let mut auth = std::fs::read_to_string(d.join("client_ed25519.pub")).unwrap();
        auth.push_str(&std::fs::read_to_string(d.join("plain_ed25519.pub")).unwrap());
        std::fs::write(d.join("authorized_keys"), auth).unwrap();
        // sshd opens AuthorizedKeysFile as the target user.
        run(Command::new("chmod").args(["755"]).arg(d));
        run(Command::new("chmod").args(["644"]).arg(d.join("authorized_keys")));
        ensure_user(PW_USER, PW_PASSWORD);
        let port = free_port();
        let cfg = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\nUsePAM no\nStrictModes no\nPubkeyAuthentication yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nAllowTcpForwarding yes\nLogLevel VERBOSE\n{extra}\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), cfg).unwrap();
        let log = std::fs::File::create(d.join("sshd.log")).unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .stderr(log)
            .spawn()
            .expect("start sshd");
        let s = Sshd { port, dir, child };
        s.wait_ready();
        s
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut b = [0u8; 7];
                c.set_read_timeout(Some(Duration::from_secs(2))).ok();
                if c.read_exact(&mut b).is_ok() && &b == b"SSH-2.0" {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("sshd did not start: {}", self.log());
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("sshd.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The per-connection sshd processes (children of the listener).
    pub fn session_pids(&self) -> Vec<i32> {
        let out = Command::new("pgrep").arg("-P").arg(self.pid().to_string()).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().parse().ok()).collect()
    }

    /// Kills every open connection; the listener stays (the server "dropped" us).
    pub fn kill_connections(&self) {
        for pid in self.session_pids() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// Freezes every open connection without closing it (a link that went silent).
    pub fn freeze_connections(&self) -> Vec<i32> {
        let pids = self.session_pids();
        for pid in &pids {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(*pid), nix::sys::signal::Signal::SIGSTOP);
        }
        pids
    }

    pub fn host_fingerprint(&self) -> String {
        let out = Command::new("ssh-keygen").arg("-lf").arg(self.path("host_ed25519.pub")).output().unwrap();
        String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).unwrap_or("").to_string()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        for pid in self.session_pids() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An ssh-agent holding `key`; killed on drop.
pub struct Agent {
    pub sock: PathBuf,
    pid: i32,
    _dir: tempfile::TempDir,
}

impl Agent {
    pub fn with_key(key: &Path) -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("agent.sock");
        let out = Command::new("ssh-agent").arg("-a").arg(&sock).arg("-s").output().expect("ssh-agent");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let pid = text.split("SSH_AGENT_PID=").nth(1).and_then(|r| r.split(';').next()).and_then(|p| p.parse().ok()).expect("agent pid");
        run(Command::new("ssh-add").arg(key).env("SSH_AUTH_SOCK", &sock));
        Agent { sock, pid, _dir: dir }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid), nix::sys::signal::Signal::SIGTERM);
    }
}
