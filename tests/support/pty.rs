//! The real binary in a pseudo-terminal: raw bytes kept for byte-level checks,
//! and a vt100 screen for what a user would see.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Pty {
    pub master: Box<dyn portable_pty::MasterPty + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    bytes: Arc<Mutex<Vec<u8>>>,
    parser: Arc<Mutex<vt100::Parser>>,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cutover")
}

impl Pty {
    /// Starts cutover with `args` and exactly the environment in `env` (plus PATH/HOME).
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("openpty");
        let mut cmd = CommandBuilder::new(bin());
        cmd.args(args);
        cmd.env_clear();
        let home = std::env::temp_dir().join(format!("cutover-pty-home-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::create_dir_all(&home);
        cmd.env("HOME", home.to_string_lossy().as_ref());
        cmd.env("XDG_CONFIG_HOME", home.join("config").to_string_lossy().as_ref());
        cmd.env("XDG_STATE_HOME", home.join("state").to_string_lossy().as_ref());
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn cutover");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let (b, p) = (bytes.clone(), parser.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                b.lock().unwrap().extend_from_slice(&buf[..n]);
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty { master: pair.master, child, writer, bytes, parser }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.parser.lock().unwrap().screen())
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    pub fn byte_count(&self) -> usize {
        self.bytes.lock().unwrap().len()
    }

    pub fn wait_for(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {text:?}; screen:\n{}", self.screen());
    }

    /// Waits until `pred` holds for the screen.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.with_screen(&pred) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    /// Waits until the output after byte `from` contains `needle`; returns that output.
    pub fn wait_output(&self, from: usize, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let tail = String::from_utf8_lossy(&self.bytes()[from..]).into_owned();
            if tail.contains(needle) {
                return tail;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {needle:?} in the output");
    }

    /// Waits until no byte has arrived for `quiet`.
    pub fn settle(&self, quiet: Duration, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut last = self.byte_count();
        let mut since = Instant::now();
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            let n = self.byte_count();
            if n != last {
                last = n;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return;
            }
        }
        panic!("output never went quiet");
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.parser.lock().unwrap().screen_mut().set_size(rows, cols);
        self.master.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("resize");
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = self.child.process_id().expect("pid") as i32;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).expect("kill");
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                return s;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("cutover did not exit; screen:\n{}", self.screen());
    }

    /// Local flags of the terminal now (to check raw mode is off again).
    pub fn termios(&self) -> nix::sys::termios::Termios {
        self.master.get_termios().expect("termios")
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

/// The SGR parameter lists (`\x1b[...m`) in a byte stream.
pub fn sgr_params(bytes: &[u8]) -> Vec<Vec<u16>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == 0x1b && bytes[i + 1] == b'[' {
            let mut j = i + 2;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';' || bytes[j] == b':') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'm' {
                let s = String::from_utf8_lossy(&bytes[i + 2..j]);
                out.push(s.split([';', ':']).map(|p| p.parse().unwrap_or(0)).collect());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Colour parameters used, split into (16-colour codes, 256-colour indices, truecolour uses).
pub fn colours(bytes: &[u8]) -> (Vec<u16>, Vec<u16>, usize) {
    let (mut c16, mut c256, mut rgb) = (Vec::new(), Vec::new(), 0);
    for params in sgr_params(bytes) {
        let mut k = 0;
        while k < params.len() {
            match params[k] {
                38 | 48 if params.get(k + 1) == Some(&5) => {
                    c256.push(params.get(k + 2).copied().unwrap_or(0));
                    k += 3;
                }
                38 | 48 if params.get(k + 1) == Some(&2) => {
                    rgb += 1;
                    k += 5;
                }
                p @ (30..=37 | 40..=47 | 90..=97 | 100..=107) => {
                    c16.push(p);
                    k += 1;
                }
                _ => k += 1,
            }
        }
    }
    (c16, c256, rgb)
}
