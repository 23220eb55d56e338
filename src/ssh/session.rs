//! A connected, authenticated SSH session (russh), reached directly or through
//! ProxyJump hops: host keys checked against known_hosts, keepalives on, no
//! inactivity timeout, each channel drained by its own task.

use super::SshError;
use super::auth;
use super::connect::{self, Client};
use super::prompt::Prompter;
use super::target::Target;
use crate::config::Secret;
use bytes::Bytes;
use russh::ChannelMsg;
use russh::client::Handle;
use russh::keys::PrivateKey;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Credentials the operator gave during this run, kept in memory only, so a
/// reconnecting tail does not ask again.
#[derive(Default)]
pub struct Credentials {
    keys: Mutex<HashMap<PathBuf, Arc<PrivateKey>>>,
    passwords: Mutex<HashMap<String, Secret>>,
}

impl Credentials {
    pub(super) fn key(&self, path: &std::path::Path) -> Option<Arc<PrivateKey>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).get(path).cloned()
    }

    pub(super) fn remember_key(&self, path: PathBuf, key: Arc<PrivateKey>) {
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).insert(path, key);
    }

    pub(super) fn password(&self, id: &str) -> Option<Secret> {
        self.passwords.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    pub(super) fn remember_password(&self, id: String, p: Secret) {
        self.passwords.lock().unwrap_or_else(|p| p.into_inner()).insert(id, p);
    }
}

/// Where a connection's warnings are told.
pub type Warn = Arc<dyn Fn(&str) + Send + Sync>;

/// What connecting needs besides the target.
#[derive(Clone)]
pub struct SshEnv {
    pub prompter: Arc<dyn Prompter>,
    pub creds: Arc<Credentials>,
    /// `SSH_AUTH_SOCK`.
    pub agent: Option<PathBuf>,
    /// Used when the config sets no ConnectTimeout.
    pub connect_timeout: Duration,
    /// Where a connection's warnings go (the console's status line).
    pub warn: Option<Warn>,
}

impl SshEnv {
    pub fn new(prompter: Arc<dyn Prompter>) -> SshEnv {
        SshEnv {
            prompter,
            creds: Arc::default(),
            agent: std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()).map(PathBuf::from),
            connect_timeout: Duration::from_secs(15),
            warn: None,
        }
    }
}

/// An authenticated session. Dropping it closes the connection (and its hops).
pub struct Session {
    pub target: Target,
    handle: Handle<Client>,
    /// What the operator should know about how this connection was made
    /// (a changed key let through by StrictHostKeyChecking=no, keywords not acted on).
    pub warnings: Vec<String>,
    // Jump connections must outlive the tunnelled one.
    _hops: Vec<Handle<Client>>,
}

impl Session {
    pub async fn connect(target: &Target, env: &SshEnv) -> Result<Session, SshError> {
        let mut hops: Vec<Handle<Client>> = Vec::new();
        let mut warnings = Vec::new();
        let chain: Vec<&Target> = target.jumps.iter().chain(std::iter::once(target)).collect();
        for (i, t) in chain.iter().enumerate() {
            let opened = connect::open(t, hops.last(), env, i > 0).await?;
            let mut handle = opened.handle;
            // A changed key let through must not receive a password.
            let allow_password = opened.warnings.is_empty();
            warnings.extend(opened.warnings);
            if !t.ignored.is_empty() {
                warnings.push(format!("ssh config for {}: cutover does not act on {}", t.alias, t.ignored.join(", ")));
            }
            auth::authenticate(&mut handle, t, env, allow_password).await?;
            hops.push(handle);
        }
        let handle = hops.pop().ok_or_else(|| SshError::Connect { target: target.display(), reason: "no hop".into() })?;
        if let Some(warn) = &env.warn {
            for w in &warnings {
                warn(w);
            }
        }
        Ok(Session { target: target.clone(), handle, warnings, _hops: hops })
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Runs `command` (no PTY: stdout and stderr stay apart, no colours).
    pub async fn exec(&self, command: &str) -> Result<Exec, SshError> {
        self.exec_input(command, None).await
    }

    /// Runs `command` with `input` on its standard input (then end of file):
    /// how secrets reach a remote command without its command line.
    pub async fn exec_input(&self, command: &str, input: Option<&[u8]>) -> Result<Exec, SshError> {
        let ch = self.handle.channel_open_session().await.map_err(|e| SshError::Channel(e.to_string()))?;
        ch.exec(true, command.as_bytes().to_vec()).await.map_err(|e| SshError::Channel(e.to_string()))?;
        if let Some(data) = input {
            ch.data(data).await.map_err(|e| SshError::Channel(e.to_string()))?;
            ch.eof().await.map_err(|e| SshError::Channel(e.to_string()))?;
        }
        let (tx, rx) = mpsc::channel(1024);
        let (sig_tx, mut sig_rx) = mpsc::channel::<russh::Sig>(4);
        // One task per channel drains it: an undrained channel stalls the whole connection.
        tokio::spawn(async move {
            let mut ch = ch;
            let mut status = None;
            loop {
                tokio::select! {
                    msg = ch.wait() => {
                        let Some(msg) = msg else { break };
                        let ev = match msg {
                            ChannelMsg::Data { data } => ExecEvent::Stdout(data),
                            ChannelMsg::ExtendedData { data, ext: 1 } => ExecEvent::Stderr(data),
                            ChannelMsg::ExitStatus { exit_status } => {
                                status = Some(Exit::Code(exit_status));
                                continue;
                            }
                            ChannelMsg::ExitSignal { signal_name, .. } => {
                                status = Some(Exit::Signal(format!("{signal_name:?}")));
                                continue;
                            }
                            _ => continue,
                        };
                        if tx.send(ev).await.is_err() {
                            break;
                        }
                    }
                    Some(sig) = sig_rx.recv() => {
                        let _ = ch.signal(sig).await;
                    }
                }
            }
            // Read until the channel is gone: only then is the status final.
            // No status at all means the connection was lost: unknown, not 0.
            let _ = tx.send(ExecEvent::End(status.unwrap_or(Exit::Lost))).await;
        });
        Ok(Exec { events: rx, signal: sig_tx })
    }

    /// Runs `command` and collects its output (for short commands).
    pub async fn run(&self, command: &str) -> Result<Output, SshError> {
        let mut ex = self.exec(command).await?;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut exit = Exit::Lost;
        while let Some(ev) = ex.events.recv().await {
            match ev {
                ExecEvent::Stdout(b) => stdout.extend_from_slice(&b),
                ExecEvent::Stderr(b) => stderr.extend_from_slice(&b),
                ExecEvent::End(e) => exit = e,
            }
        }
        Ok(Output { stdout, stderr, exit })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(u32),
    Signal(String),
    /// The channel closed without a status (connection lost).
    Lost,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
            Exit::Lost => write!(f, "exit status unknown (connection lost)"),
        }
    }
}

#[derive(Debug)]
pub enum ExecEvent {
    Stdout(Bytes),
    Stderr(Bytes),
    End(Exit),
}

pub struct Exec {
    pub events: mpsc::Receiver<ExecEvent>,
    signal: mpsc::Sender<russh::Sig>,
}

impl Exec {
    /// Asks the remote process to stop (OpenSSH ignores this for root logins;
    /// callers also kill by pid, see `exec_cancellable`).
    pub async fn signal(&self, sig: russh::Sig) {
        let _ = self.signal.send(sig).await;
    }
}

pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Exit,
}

impl Output {
    pub fn success(&self) -> bool {
        self.exit == Exit::Code(0)
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}
