//! Opening one hop: TCP, a ProxyCommand or a channel through the previous
//! hop; the handshake under the connect timeout; the host key judged as
//! OpenSSH judges it. A question for the operator (an unknown host) is asked
//! *outside* the timeout: the handshake is abandoned, the operator answers
//! with no clock running, the key is learnt, and the hop is connected again.
//! If the attempt is dropped meanwhile, the question goes with it and nothing
//! is written.

use super::SshError;
use super::known_hosts::{self, Verdict, algorithm_name};
use super::prompt::Question;
use super::proxy::{self, ProxyStderr};
use super::session::SshEnv;
use super::target::{StrictHostKeyChecking, Target};
use russh::client::{self, Handle};
use russh::keys::{Algorithm, Certificate, HashAlg, PublicKey, PublicKeyOrCertificate};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};

/// What the handshake decided about the host key, for the caller.
#[derive(Clone, Debug)]
enum KeyVerdict {
    Changed {
        place: known_hosts::Place,
        fingerprint: String,
        algorithm: String,
    },
    Revoked {
        place: known_hosts::Place,
        fingerprint: String,
        algorithm: String,
    },
    /// StrictHostKeyChecking yes (or BatchMode) and the host is unknown.
    Strict {
        fingerprint: String,
        algorithm: String,
    },
    /// The operator must be asked; the handshake was abandoned for that.
    Ask {
        key: PublicKey,
        others: Vec<String>,
    },
    Failed(String),
}

pub(super) struct Client {
    target: Target,
    verdict: Arc<Mutex<Option<KeyVerdict>>>,
    /// Set when StrictHostKeyChecking=no let a changed key through.
    warnings: Arc<Mutex<Vec<String>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let (pk, cert): (PublicKey, Option<&Certificate>) = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => (key.clone(), None),
            PublicKeyOrCertificate::Certificate(c) => (PublicKey::from(c.public_key().clone()), Some(c)),
        };
        let t = &self.target;
        let fingerprint = pk.fingerprint(HashAlg::Sha256).to_string();
        let algorithm = algorithm_name(pk.algorithm().as_str());
        let set = |v: KeyVerdict| *self.verdict.lock().unwrap_or_else(|p| p.into_inner()) = Some(v);
        let verdict = match known_hosts::check(&t.key_name(), &pk, cert, &t.all_known_hosts()) {
            Ok(v) => v,
            Err(e) => {
                set(KeyVerdict::Failed(e));
                return Ok(false);
            }
        };
        match verdict {
            Verdict::Known => Ok(true),
            Verdict::Revoked(place) => {
                set(KeyVerdict::Revoked { place, fingerprint, algorithm });
                Ok(false)
            }
            Verdict::Changed(place) => {
                if t.strict == StrictHostKeyChecking::No {
                    // OpenSSH connects, warns, and refuses password authentication.
                    self.warnings.lock().unwrap_or_else(|p| p.into_inner()).push(format!(
                        "the {algorithm} host key of {} changed ({fingerprint}, {place} says otherwise); connected because StrictHostKeyChecking is no, password authentication disabled",
                        t.key_name()
                    ));
                    return Ok(true);
                }
                set(KeyVerdict::Changed { place, fingerprint, algorithm });
                Ok(false)
            }
            Verdict::Unknown { others } => {
                let others = others.iter().map(|(alg, place)| format!("{alg} key in {place}")).collect();
                match t.strict {
                    StrictHostKeyChecking::Yes => {
                        set(KeyVerdict::Strict { fingerprint, algorithm });
                        Ok(false)
                    }
                    StrictHostKeyChecking::AcceptNew | StrictHostKeyChecking::No => match learn(t, &pk) {
                        Ok(()) => Ok(true),
                        Err(e) => {
                            set(KeyVerdict::Failed(e));
                            Ok(false)
                        }
                    },
                    StrictHostKeyChecking::Ask if t.batch_mode => {
                        set(KeyVerdict::Strict { fingerprint, algorithm });
                        Ok(false)
                    }
                    StrictHostKeyChecking::Ask => {
                        set(KeyVerdict::Ask { key: pk, others });
                        Ok(false)
                    }
                }
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

fn learn(t: &Target, pk: &PublicKey) -> Result<(), String> {
    let Some(file) = t.known_hosts.first() else {
        return Err("no UserKnownHostsFile to record the host key in".into());
    };
    known_hosts::learn(file, &t.key_name(), pk, t.hash_known_hosts)
}

fn config(t: &Target) -> Arc<client::Config> {
    let mut preferred = russh::Preferred::default();
    // As OpenSSH: ask first for a key type already known for this host, so a
    // host known by its RSA key is not "unknown" because ED25519 came first.
    let known = known_hosts::known_algorithms(&t.key_name(), &t.all_known_hosts());
    if !known.is_empty() {
        let kind = |a: &Algorithm| match a {
            Algorithm::Rsa { .. } => "ssh-rsa".to_string(),
            a => a.as_str().to_string(),
        };
        let (mut first, rest): (Vec<Algorithm>, Vec<Algorithm>) = preferred.key.iter().cloned().partition(|a| known.contains(&kind(a)));
        first.extend(rest);
        preferred.key = Cow::Owned(first);
    }
    Arc::new(client::Config {
        // A quiet migration must not lose its session: no inactivity timeout,
        // keepalives notice a dead link within keepalive * 3.
        inactivity_timeout: None,
        keepalive_interval: Some(t.keepalive),
        keepalive_max: 3,
        nodelay: true,
        preferred,
        ..Default::default()
    })
}

/// A connected hop, not yet authenticated.
pub(super) struct Opened {
    pub handle: Handle<Client>,
    pub warnings: Vec<String>,
}

/// Connects one hop, asking the operator about an unknown host key outside
/// the connect timeout.
pub(super) async fn open(t: &Target, prev: Option<&Handle<Client>>, env: &SshEnv, through_jump: bool) -> Result<Opened, SshError> {
    let mut asked = false;
    loop {
        let verdict = Arc::new(Mutex::new(None));
        let warnings = Arc::new(Mutex::new(Vec::new()));
        let handler = Client { target: t.clone(), verdict: verdict.clone(), warnings: warnings.clone() };
        let timeout = t.connect_timeout.unwrap_or(env.connect_timeout);
        let stderr = ProxyStderr::default();
        let attempt = async {
            match (prev, &t.proxy_command) {
                (Some(prev), _) => {
                    // The next hop's name is resolved by the jump host, as with OpenSSH.
                    let ch = prev.channel_open_direct_tcpip(t.host.clone(), t.port as u32, "127.0.0.1", 0).await?;
                    client::connect_stream(config(t), ch.into_stream(), handler).await
                }
                (None, Some(cmd)) => {
                    let stream = proxy::spawn(cmd, &stderr).map_err(|e| russh::Error::IO(std::io::Error::other(e)))?;
                    let r = client::connect_stream(config(t), stream, handler).await;
                    if r.is_err() {
                        // Give the command's last words a moment to arrive.
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                    r
                }
                (None, None) => client::connect(config(t), (t.host.as_str(), t.port), handler).await,
            }
        };
        let result = tokio::time::timeout(timeout, attempt).await;
        let taken = verdict.lock().unwrap_or_else(|p| p.into_inner()).take();
        match (result, taken) {
            (Ok(Ok(handle)), _) => {
                let warnings = std::mem::take(&mut *warnings.lock().unwrap_or_else(|p| p.into_inner()));
                return Ok(Opened { handle, warnings });
            }
            (Ok(Err(_)), Some(KeyVerdict::Ask { key, others })) if !asked => {
                asked = true;
                let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
                let known_hosts = t.known_hosts.first().map(|p| p.display().to_string()).unwrap_or_default();
                let q = Question::HostKey {
                    host: t.host.clone(),
                    port: t.port,
                    name: t.key_name(),
                    algorithm: algorithm_name(key.algorithm().as_str()),
                    fingerprint: fingerprint.clone(),
                    known_hosts,
                    others,
                };
                // No clock runs while the operator reads the fingerprint.
                let yes = env.prompter.ask(q).await.is_some_and(|a| a.expose().trim().eq_ignore_ascii_case("yes"));
                if !yes {
                    return Err(SshError::HostKeyRejected { host: t.key_name(), fingerprint });
                }
                learn(t, &key).map_err(|e| SshError::Connect { target: t.display(), reason: e })?;
                // Connect again: the key must still be the one the operator accepted.
            }
            (Ok(Err(e)), v) => return Err(connect_error(t, v, e, &stderr)),
            (Err(_), _) => {
                let said = stderr.text();
                return Err(SshError::Connect {
                    target: t.display(),
                    reason: format!(
                        "timed out after {}s{}{}",
                        timeout.as_secs(),
                        if through_jump { " (through the jump host)" } else { "" },
                        if said.is_empty() { String::new() } else { format!("; ProxyCommand said: {said}") }
                    ),
                });
            }
        }
    }
}

fn connect_error(t: &Target, v: Option<KeyVerdict>, e: russh::Error, stderr: &ProxyStderr) -> SshError {
    match v {
        Some(KeyVerdict::Changed { place, fingerprint, algorithm }) => {
            SshError::HostKeyChanged { host: t.key_name(), algorithm, known_hosts: place.file, line: place.line, fingerprint }
        }
        Some(KeyVerdict::Revoked { place, fingerprint, algorithm }) => {
            SshError::HostKeyRevoked { host: t.key_name(), algorithm, fingerprint, place: place.to_string() }
        }
        Some(KeyVerdict::Strict { fingerprint, algorithm }) => SshError::HostKeyUnknown {
            host: t.key_name(),
            algorithm,
            fingerprint,
            why: if t.batch_mode && t.strict == StrictHostKeyChecking::Ask { "BatchMode".into() } else { "strict checking".into() },
        },
        Some(KeyVerdict::Failed(m)) => SshError::Connect { target: t.display(), reason: m },
        Some(KeyVerdict::Ask { .. }) | None => {
            let said = stderr.text();
            let reason = if said.is_empty() { e.to_string() } else { format!("{e}; ProxyCommand said: {said}") };
            SshError::Connect { target: t.display(), reason }
        }
    }
}
