//! Authentication in OpenSSH's order (sshconnect2.c pubkey_prepare): agent
//! keys that IdentityFile names, then the agent's other keys (not with
//! IdentitiesOnly), then the named files the agent does not hold (passphrase
//! asked in the console); then password. IdentityAgent picks the agent, or none.

use super::SshError;
use super::connect::Client;
use super::prompt::Question;
use super::session::SshEnv;
use super::target::{AgentChoice, Target};
use russh::client::{self, Handle};
use russh::keys::agent::client::AgentClient;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKey};
use russh::{MethodKind, MethodSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

enum Offer {
    Agent(PublicKey),
    File(PathBuf),
}

/// Keys a config may name that are read to learn their public half.
const MAX_KEY_FILE: u64 = 1 << 20;

pub(super) async fn authenticate(h: &mut Handle<Client>, t: &Target, env: &SshEnv, allow_password: bool) -> Result<(), SshError> {
    let mut offered = 0usize;
    let auth_err = |offered: usize| move |e: russh::Error| closed(t, offered, e);
    let mut remaining = match h.authenticate_none(&t.user).await.map_err(auth_err(0))? {
        client::AuthResult::Success => return Ok(()),
        client::AuthResult::Failure { remaining_methods, .. } => remaining_methods,
    };
    let rsa_hash = h.best_supported_rsa_hash().await.ok().flatten().flatten();
    if t.pubkey_auth && remaining.contains(&MethodKind::PublicKey) {
        let socket = match &t.identity_agent {
            AgentChoice::None => None,
            AgentChoice::Environment => env.agent.clone(),
            AgentChoice::Socket(p) => Some(p.clone()),
        };
        let mut agent = match &socket {
            Some(s) => AgentClient::connect_uds(s).await.ok(),
            None => None,
        };
        let agent_keys: Vec<PublicKey> = match agent.as_mut() {
            Some(a) => a
                .request_identities()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter_map(|id| match id {
                    russh::keys::agent::AgentIdentity::PublicKey { key, .. } => Some(key),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        };
        for offer in order(t, &agent_keys) {
            let result = match offer {
                Offer::Agent(key) => {
                    let Some(a) = agent.as_mut() else { continue };
                    offered += 1;
                    match h.authenticate_publickey_with(&t.user, key, rsa_hash, a).await {
                        Ok(r) => r,
                        Err(russh::AgentAuthError::Send(e)) => return Err(closed(t, offered, e)),
                        // An agent that will not sign (locked, confirm refused): next key.
                        Err(_) => continue,
                    }
                }
                Offer::File(path) => {
                    let Some(key) = load_key(&path, t, env).await else { continue };
                    offered += 1;
                    h.authenticate_publickey(&t.user, PrivateKeyWithHashAlg::new(key, rsa_hash)).await.map_err(auth_err(offered))?
                }
            };
            match result {
                client::AuthResult::Success => return Ok(()),
                client::AuthResult::Failure { remaining_methods, .. } => remaining = remaining_methods,
            }
        }
    }
    if allow_password && t.password_auth && !t.batch_mode && remaining.contains(&MethodKind::Password) {
        let id = format!("{}@{}:{}", t.user, t.host, t.port);
        let mut pw = env.creds.password(&id);
        for _ in 0..3 {
            let p = match pw.take() {
                Some(p) => p,
                None => match env.prompter.ask(Question::Password { user: t.user.clone(), host: t.host.clone() }).await {
                    Some(p) => p,
                    None => break,
                },
            };
            match h.authenticate_password(&t.user, p.expose()).await.map_err(auth_err(offered))? {
                client::AuthResult::Success => {
                    env.creds.remember_password(id, p);
                    return Ok(());
                }
                client::AuthResult::Failure { remaining_methods, .. } => remaining = remaining_methods,
            }
        }
    }
    Err(SshError::Auth { target: t.display(), remaining: method_names(&remaining) })
}

fn closed(t: &Target, offered: usize, e: impl std::fmt::Display) -> SshError {
    SshError::Connect {
        target: t.display(),
        reason: if offered > 0 {
            format!(
                "the server closed the connection during authentication after {offered} key(s) were offered ({e}); sshd's MaxAuthTries may be lower than the keys on offer: set IdentitiesOnly yes and the right IdentityFile for this host"
            )
        } else {
            format!("authentication: {e}")
        },
    }
}

/// The keys to offer, in OpenSSH's order.
fn order(t: &Target, agent_keys: &[PublicKey]) -> Vec<Offer> {
    let files: Vec<(PathBuf, Option<PublicKey>)> =
        t.identity_files.iter().filter(|p| p.is_file()).map(|p| (p.clone(), public_half(p))).collect();
    let in_agent = |k: &Option<PublicKey>| k.as_ref().and_then(|k| agent_keys.iter().find(|a| a.key_data() == k.key_data()).cloned());
    let mut out = Vec::new();
    let mut used = Vec::new();
    for (_, k) in &files {
        if let Some(a) = in_agent(k) {
            used.push(a.key_data().clone());
            out.push(Offer::Agent(a));
        }
    }
    if !t.identities_only {
        for a in agent_keys {
            if !used.contains(a.key_data()) {
                used.push(a.key_data().clone());
                out.push(Offer::Agent(a.clone()));
            }
        }
    }
    for (p, k) in files {
        if in_agent(&k).is_none() {
            out.push(Offer::File(p));
        }
    }
    out
}

/// The public half of a key file: `<file>.pub`, or the private file itself
/// (OpenSSH's format keeps the public key in clear even when encrypted).
fn public_half(path: &Path) -> Option<PublicKey> {
    let mut pubpath = path.as_os_str().to_owned();
    pubpath.push(".pub");
    if let Ok(text) = crate::config::source::read_bounded(Path::new(&pubpath), MAX_KEY_FILE)
        && let Ok(k) = PublicKey::from_openssh(text.trim())
    {
        return Some(k);
    }
    let text = crate::config::source::read_bounded(path, MAX_KEY_FILE).ok()?;
    PrivateKey::from_openssh(text.as_bytes()).ok().map(|k| k.public_key().clone())
}

fn method_names(m: &MethodSet) -> Vec<String> {
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

/// A private key from disk, decrypted with a passphrase asked for once per run.
async fn load_key(path: &Path, t: &Target, env: &SshEnv) -> Option<Arc<PrivateKey>> {
    if let Some(k) = env.creds.key(path) {
        return Some(k);
    }
    let key = match russh::keys::load_secret_key(path, None) {
        Ok(k) => k,
        Err(russh::keys::Error::KeyIsEncrypted) if !t.batch_mode => {
            let mut got = None;
            for _ in 0..3 {
                let pass = env.prompter.ask(Question::Passphrase { key: path.display().to_string() }).await?;
                if let Ok(k) = russh::keys::load_secret_key(path, Some(pass.expose())) {
                    got = Some(k);
                    break;
                }
            }
            got?
        }
        // Unreadable, not a key, or encrypted in BatchMode: skipped, as OpenSSH does.
        Err(_) => return None,
    };
    let key = Arc::new(key);
    env.creds.remember_key(path.to_path_buf(), key.clone());
    Some(key)
}
