//! A connected, authenticated SSH session (russh), reached directly or through
//! ProxyJump hops: host keys checked against known_hosts, keepalives on, no
//! inactivity timeout, each channel drained by its own task.

use super::SshError;
use super::prompt::{Prompter, Question};
use super::target::Target;
use crate::config::Secret;
use bytes::Bytes;
use russh::client::{self, Handle};
use russh::keys::known_hosts::{check_known_hosts_path, learn_known_hosts_path};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKey};
use russh::{ChannelMsg, MethodKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
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

/// What connecting needs besides the target.
#[derive(Clone)]
pub struct SshEnv {
    pub prompter: Arc<dyn Prompter>,
    pub creds: Arc<Credentials>,
    /// `SSH_AUTH_SOCK`.
    pub agent: Option<PathBuf>,
    pub connect_timeout: Duration,
}

impl SshEnv {
    pub fn new(prompter: Arc<dyn Prompter>) -> SshEnv {
        SshEnv {
            prompter,
            creds: Arc::default(),
            agent: std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()).map(PathBuf::from),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

#[derive(Clone, Debug)]
enum KeyVerdict {
    Changed { line: usize, fingerprint: String },
    Rejected { fingerprint: String },
    Failed(String),
}

pub struct Client {
    host: String,
    port: u16,
    known_hosts: PathBuf,
    prompter: Arc<dyn Prompter>,
    verdict: Arc<Mutex<Option<KeyVerdict>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let pk: PublicKey = match key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            // Host certificates are checked as the plain key they carry.
            russh::keys::PublicKeyOrCertificate::Certificate(c) => PublicKey::from(c.public_key().clone()),
        };
        let pk = &pk;
        let fingerprint = pk.fingerprint(HashAlg::Sha256).to_string();
        let set = |v: KeyVerdict| *self.verdict.lock().unwrap_or_else(|p| p.into_inner()) = Some(v);
        match check_known_hosts_path(&self.host, self.port, pk, &self.known_hosts) {
            Ok(true) => Ok(true),
            Ok(false) => {
                let q = Question::HostKey {
                    host: self.host.clone(),
                    port: self.port,
                    algorithm: algorithm_name(pk.algorithm().as_str()),
                    fingerprint: fingerprint.clone(),
                    known_hosts: self.known_hosts.display().to_string(),
                };
                let yes = self.prompter.ask(q).await.is_some_and(|a| a.expose().trim().eq_ignore_ascii_case("yes"));
                if !yes {
                    set(KeyVerdict::Rejected { fingerprint });
                    return Ok(false);
                }
                if let Some(dir) = self.known_hosts.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                match learn_known_hosts_path(&self.host, self.port, pk, &self.known_hosts) {
                    Ok(()) => Ok(true),
                    Err(e) => {
                        set(KeyVerdict::Failed(format!("writing {}: {e}", self.known_hosts.display())));
                        Ok(false)
                    }
                }
            }
            Err(russh::keys::Error::KeyChanged { line }) => {
                set(KeyVerdict::Changed { line, fingerprint });
                Ok(false)
            }
            Err(e) => {
                set(KeyVerdict::Failed(format!("reading {}: {e}", self.known_hosts.display())));
                Ok(false)
            }
        }
    }

    // Agent forwarding is never requested; refuse a server that opens the channel anyway.
    async fn server_channel_open_agent_forward(
        &mut self,
        _channel: russh::Channel<client::Msg>,
        reply: client::ChannelOpenHandle,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        drop(reply);
        Ok(())
    }
}

/// The name OpenSSH prints for a key type (`ED25519`, `ECDSA`, `RSA`).
fn algorithm_name(a: &str) -> String {
    let a = a.strip_prefix("ssh-").unwrap_or(a);
    if a.starts_with("ecdsa") { "ECDSA".into() } else { a.to_uppercase() }
}

fn config(target: &Target) -> Arc<client::Config> {
    Arc::new(client::Config {
        // A quiet migration must not lose its session: no inactivity timeout,
        // keepalives notice a dead link within keepalive * 3.
        inactivity_timeout: None,
        keepalive_interval: Some(target.keepalive),
        keepalive_max: 3,
        nodelay: true,
        ..Default::default()
    })
}

/// An authenticated session. Dropping it closes the connection (and its hops).
pub struct Session {
    pub target: Target,
    handle: Handle<Client>,
    // Jump connections must outlive the tunnelled one.
    _hops: Vec<Handle<Client>>,
}

fn handler(t: &Target, env: &SshEnv) -> (Client, Arc<Mutex<Option<KeyVerdict>>>) {
    let verdict = Arc::new(Mutex::new(None));
    (
        Client {
            host: t.host.clone(),
            port: t.port,
            known_hosts: t.known_hosts.clone(),
            prompter: env.prompter.clone(),
            verdict: verdict.clone(),
        },
        verdict,
    )
}

fn connect_error(t: &Target, verdict: &Arc<Mutex<Option<KeyVerdict>>>, e: russh::Error) -> SshError {
    match verdict.lock().unwrap_or_else(|p| p.into_inner()).take() {
        Some(KeyVerdict::Changed { line, fingerprint }) => {
            SshError::HostKeyChanged { host: t.host.clone(), port: t.port, known_hosts: t.known_hosts.clone(), line, fingerprint }
        }
        Some(KeyVerdict::Rejected { fingerprint }) => SshError::HostKeyRejected { host: t.host.clone(), fingerprint },
        Some(KeyVerdict::Failed(m)) => SshError::Connect { target: t.display(), reason: m },
        None => SshError::Connect { target: t.display(), reason: e.to_string() },
    }
}

impl Session {
    pub async fn connect(target: &Target, env: &SshEnv) -> Result<Session, SshError> {
        let mut hops: Vec<Handle<Client>> = Vec::new();
        let chain: Vec<&Target> = target.jumps.iter().chain(std::iter::once(target)).collect();
        for (i, t) in chain.iter().enumerate() {
            let (h, verdict) = handler(t, env);
            let fut = async {
                match hops.last() {
                    None => client::connect(config(t), (t.host.as_str(), t.port), h).await,
                    Some(prev) => {
                        // The next hop's name is resolved by the jump host, as with OpenSSH.
                        let ch = prev.channel_open_direct_tcpip(t.host.clone(), t.port as u32, "127.0.0.1", 0).await?;
                        client::connect_stream(config(t), ch.into_stream(), h).await
                    }
                }
            };
            let mut handle = match tokio::time::timeout(env.connect_timeout, fut).await {
                Ok(Ok(h)) => h,
                Ok(Err(e)) => return Err(connect_error(t, &verdict, e)),
                Err(_) => {
                    return Err(SshError::Connect {
                        target: t.display(),
                        reason: format!(
                            "timed out after {}s{}",
                            env.connect_timeout.as_secs(),
                            if i > 0 { " (through the jump host)" } else { "" }
                        ),
                    });
                }
            };
            authenticate(&mut handle, t, env).await?;
            hops.push(handle);
        }
        let handle = hops.pop().ok_or_else(|| SshError::Connect { target: target.display(), reason: "no hop".into() })?;
        Ok(Session { target: target.clone(), handle, _hops: hops })
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Runs `command` (no PTY: stdout and stderr stay apart, no colours).
    pub async fn exec(&self, command: &str) -> Result<Exec, SshError> {
        let ch = self.handle.channel_open_session().await.map_err(|e| SshError::Channel(e.to_string()))?;
        ch.exec(true, command.as_bytes().to_vec()).await.map_err(|e| SshError::Channel(e.to_string()))?;
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

fn method_names(m: &russh::MethodSet) -> Vec<String> {
    m.iter()
        .map(|k| match k {
            MethodKind::None => "none",
            MethodKind::Password => "password",
            MethodKind::PublicKey => "publickey",
            MethodKind::HostBased => "hostbased",
            MethodKind::KeyboardInteractive => "keyboard-interactive",
            _ => "other",
        })
        .map(str::to_string)
        .collect()
}

/// none, then agent keys, then key files (passphrase asked in the console),
/// then password (asked in the console), as OpenSSH does.
async fn authenticate(h: &mut Handle<Client>, t: &Target, env: &SshEnv) -> Result<(), SshError> {
    let auth_err = |e: russh::Error| SshError::Connect { target: t.display(), reason: format!("authentication: {e}") };
    let mut remaining = match h.authenticate_none(&t.user).await.map_err(auth_err)? {
        client::AuthResult::Success => return Ok(()),
        client::AuthResult::Failure { remaining_methods, .. } => remaining_methods,
    };
    let rsa_hash = h.best_supported_rsa_hash().await.ok().flatten().flatten();
    if remaining.contains(&MethodKind::PublicKey) {
        if let Some(sock) = &env.agent
            && let Ok(mut agent) = russh::keys::agent::client::AgentClient::connect_uds(sock).await
            && let Ok(ids) = agent.request_identities().await
        {
            for id in ids {
                let russh::keys::agent::AgentIdentity::PublicKey { key, .. } = id else { continue };
                if let Ok(client::AuthResult::Success) = h.authenticate_publickey_with(&t.user, key, rsa_hash, &mut agent).await {
                    return Ok(());
                }
            }
        }
        for path in &t.identity_files {
            let Some(key) = load_key(path, env).await? else { continue };
            match h.authenticate_publickey(&t.user, PrivateKeyWithHashAlg::new(key, rsa_hash)).await.map_err(auth_err)? {
                client::AuthResult::Success => return Ok(()),
                client::AuthResult::Failure { remaining_methods, .. } => remaining = remaining_methods,
            }
        }
    }
    if remaining.contains(&MethodKind::Password) {
        let id = format!("{}@{}:{}", t.user, t.host, t.port);
        let cached = env.creds.passwords.lock().unwrap_or_else(|p| p.into_inner()).get(&id).cloned();
        let mut tries = 0;
        let mut pw = cached;
        loop {
            let p = match pw.take() {
                Some(p) => p,
                None => match env.prompter.ask(Question::Password { user: t.user.clone(), host: t.host.clone() }).await {
                    Some(p) => p,
                    None => break,
                },
            };
            match h.authenticate_password(&t.user, p.expose()).await.map_err(auth_err)? {
                client::AuthResult::Success => {
                    env.creds.passwords.lock().unwrap_or_else(|p| p.into_inner()).insert(id, p);
                    return Ok(());
                }
                client::AuthResult::Failure { remaining_methods, .. } => remaining = remaining_methods,
            }
            tries += 1;
            if tries >= 3 {
                break;
            }
        }
    }
    Err(SshError::Auth { target: t.display(), remaining: method_names(&remaining) })
}

/// A private key from disk, decrypted with a passphrase asked for once per run.
async fn load_key(path: &Path, env: &SshEnv) -> Result<Option<Arc<PrivateKey>>, SshError> {
    if let Some(k) = env.creds.keys.lock().unwrap_or_else(|p| p.into_inner()).get(path) {
        return Ok(Some(k.clone()));
    }
    if !path.exists() {
        return Ok(None);
    }
    let key = match russh::keys::load_secret_key(path, None) {
        Ok(k) => k,
        Err(russh::keys::Error::KeyIsEncrypted) => {
            let mut got = None;
            for _ in 0..3 {
                let Some(pass) = env.prompter.ask(Question::Passphrase { key: path.display().to_string() }).await else { return Ok(None) };
                if let Ok(k) = russh::keys::load_secret_key(path, Some(pass.expose())) {
                    got = Some(k);
                    break;
                }
            }
            match got {
                Some(k) => k,
                None => return Ok(None),
            }
        }
        // Unreadable or not a key: skip it, as OpenSSH does.
        Err(_) => return Ok(None),
    };
    let key = Arc::new(key);
    env.creds.keys.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), key.clone());
    Ok(Some(key))
}
