//! Where and how to connect, as OpenSSH would: the options come from `ssh -G`
//! when the OpenSSH client is installed, otherwise from the built-in reader
//! (ssh_config.rs) that follows the same rules; then `%` tokens, canonical
//! host names and the jump chain are worked out, and cutover's per-context
//! override (user, port, jump host) is applied last.

use super::SshError;
use super::options::{Options, Tokens, local_account, local_hostname};
use super::ssh_config::{self, ConfigFile, Query, parse_time};
use super::{known_hosts, openssh};
use crate::config::SshOverride;
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How unknown and changed host keys are treated (OpenSSH's StrictHostKeyChecking).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrictHostKeyChecking {
    /// Unknown hosts are refused; known_hosts is never written.
    Yes,
    /// Unknown hosts are learnt without asking; changed keys refused.
    AcceptNew,
    /// Unknown hosts learnt; a changed key connects with password
    /// authentication disabled, after a warning (as OpenSSH).
    No,
    /// The operator is asked about unknown hosts; changed keys refused.
    Ask,
}

/// Which agent offers keys (IdentityAgent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentChoice {
    /// `SSH_AUTH_SOCK` of this process.
    Environment,
    None,
    Socket(PathBuf),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// What was asked for (an alias, a server name or an address).
    pub alias: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Key files in the order OpenSSH offers them (missing ones are skipped when connecting).
    pub identity_files: Vec<PathBuf>,
    /// Only keys named by IdentityFile are offered, even from the agent.
    pub identities_only: bool,
    pub identity_agent: AgentChoice,
    /// Jump hosts, outermost first.
    pub jumps: Vec<Target>,
    /// Run this and speak SSH over its stdin/stdout (tokens expanded).
    pub proxy_command: Option<String>,
    /// The name looked up in known_hosts instead of the host.
    pub host_key_alias: Option<String>,
    pub strict: StrictHostKeyChecking,
    /// UserKnownHostsFile: checked in order; new keys are written to the first.
    pub known_hosts: Vec<PathBuf>,
    /// GlobalKnownHostsFile: checked, never written.
    pub global_known_hosts: Vec<PathBuf>,
    pub hash_known_hosts: bool,
    pub keepalive: Duration,
    pub connect_timeout: Option<Duration>,
    /// BatchMode: never ask the operator anything.
    pub batch_mode: bool,
    pub password_auth: bool,
    pub pubkey_auth: bool,
    /// Keywords set for this host that cutover does not act on.
    pub ignored: Vec<String>,
}

impl Target {
    /// A direct target with OpenSSH's defaults and no files (tests, overrides).
    pub fn new(host: &str, port: u16, user: &str) -> Target {
        Target {
            alias: host.to_string(),
            host: host.to_string(),
            port,
            user: user.to_string(),
            identity_files: Vec::new(),
            identities_only: false,
            identity_agent: AgentChoice::Environment,
            jumps: Vec::new(),
            proxy_command: None,
            host_key_alias: None,
            strict: StrictHostKeyChecking::Ask,
            known_hosts: Vec::new(),
            global_known_hosts: Vec::new(),
            hash_known_hosts: false,
            keepalive: Duration::from_secs(15),
            connect_timeout: None,
            batch_mode: false,
            password_auth: true,
            pubkey_auth: true,
            ignored: Vec::new(),
        }
    }

    pub fn display(&self) -> String {
        let port = if self.port == 22 { String::new() } else { format!(":{}", self.port) };
        let via = if !self.jumps.is_empty() {
            format!(" via {}", self.jumps.iter().map(|j| j.host.clone()).collect::<Vec<_>>().join(","))
        } else if self.proxy_command.is_some() {
            " via ProxyCommand".to_string()
        } else {
            String::new()
        };
        format!("{}@{}{port}{via}", self.user, self.host)
    }

    /// The name this host's key is filed under in known_hosts.
    pub fn key_name(&self) -> String {
        known_hosts::lookup_name(&self.host, self.port, self.host_key_alias.as_deref())
    }

    /// Every known_hosts file to check: the user's, then the global ones.
    pub fn all_known_hosts(&self) -> Vec<PathBuf> {
        self.known_hosts.iter().chain(&self.global_known_hosts).cloned().collect()
    }
}

/// Where the options come from.
#[derive(Clone, Debug)]
enum Source {
    /// `ssh -G`, with `-F` when a file was named (then the system file is not read, as with ssh).
    OpenSsh(Option<PathBuf>),
    BuiltIn(Vec<ConfigFile>),
}

/// The user's ssh configuration.
#[derive(Clone, Debug)]
pub struct SshSettings {
    source: Source,
    base: Tokens,
}

impl Default for SshSettings {
    /// No configuration at all (tests): the built-in reader over no files.
    fn default() -> Self {
        SshSettings { source: Source::BuiltIn(Vec::new()), base: base_tokens() }
    }
}

fn base_tokens() -> Tokens {
    let (local_user, home, uid) = local_account();
    Tokens { home, local_user, local_host: local_hostname(), uid, ..Default::default() }
}

const PROBE: &str = "cutover-probe.invalid";

impl SshSettings {
    /// The configuration OpenSSH would read: `config` as with `ssh -F`, or
    /// else `~/.ssh/config` then `/etc/ssh/ssh_config`. Asks `ssh -G` when an
    /// OpenSSH client is installed.
    pub fn load(config: Option<&Path>) -> SshSettings {
        let base = base_tokens();
        let source = if openssh::available() {
            Source::OpenSsh(config.map(Path::to_path_buf))
        } else {
            Source::BuiltIn(match config {
                Some(p) => vec![ConfigFile { path: p.to_path_buf(), user: true }],
                None => vec![
                    ConfigFile { path: base.home.join(".ssh/config"), user: true },
                    ConfigFile { path: PathBuf::from("/etc/ssh/ssh_config"), user: false },
                ],
            })
        };
        SshSettings { source, base }
    }

    /// The built-in reader even where OpenSSH is installed (differential tests).
    pub fn built_in(config: &Path) -> SshSettings {
        SshSettings { source: Source::BuiltIn(vec![ConfigFile { path: config.to_path_buf(), user: true }]), base: base_tokens() }
    }

    /// Whether OpenSSH answers for this configuration.
    pub fn uses_openssh(&self) -> bool {
        matches!(self.source, Source::OpenSsh(_))
    }

    /// Whether the config says anything of its own about `name` (a block
    /// that sets its address, user, port, keys or route); and whether it
    /// gives the address (HostName).
    pub fn knows(&self, name: &str) -> Option<Named> {
        if openssh::check_host(name).is_err() {
            return None;
        }
        let q = |h| Query { host: h, user: None, port: None };
        let (Ok((mine, _)), Ok((probe, _))) = (self.options(&q(name), None), self.options(&q(PROBE), None)) else { return None };
        let sets_hostname = mine.get("hostname").is_some_and(|h| !h.eq_ignore_ascii_case(name));
        let differs = ["user", "port", "proxyjump", "proxycommand", "hostkeyalias", "identitiesonly", "identityagent"]
            .iter()
            .any(|k| mine.get(k) != probe.get(k))
            || mine.all("identityfile") != probe.all("identityfile");
        (sets_hostname || differs).then_some(Named { sets_hostname })
    }

    /// Resolves an alias, a server name or `[ssh://][user@]host[:port]` to a target.
    pub fn resolve(&self, alias: &str, ovr: &SshOverride) -> Result<Target, SshError> {
        let mut t = self.resolve_depth(alias, 0)?;
        if let Some(h) = &ovr.host {
            t.host = h.clone();
        }
        if let Some(p) = ovr.port {
            t.port = p;
        }
        if let Some(u) = &ovr.user {
            t.user = u.clone();
        }
        if let Some(i) = &ovr.identity_file {
            t.identity_files = vec![expand_home(i, &self.base.home)];
        }
        if let Some(k) = &ovr.known_hosts {
            t.known_hosts = vec![expand_home(k, &self.base.home)];
            // A file of its own (the demo's, a test's): the system's files are not consulted.
            t.global_known_hosts.clear();
        }
        if let Some(k) = ovr.keepalive {
            t.keepalive = Duration::from_secs(k.max(1));
        }
        if let Some(j) = &ovr.jump {
            t.jumps = self.jump_chain(j, 0)?;
            t.proxy_command = None;
        }
        Ok(t)
    }

    fn options(&self, q: &Query<'_>, canonical: Option<&str>) -> Result<(Options, Vec<String>), SshError> {
        match &self.source {
            Source::OpenSsh(cfg) => {
                let host = canonical.unwrap_or(q.host);
                let o = openssh::dump(cfg.as_deref(), &Query { host, ..q.clone() }).map_err(SshError::Config)?;
                Ok((o, Vec::new()))
            }
            Source::BuiltIn(files) => {
                let canon = |_: &Options| canonical.map(str::to_string);
                let r = ssh_config::resolve(files, q, &self.base, &canon).map_err(SshError::Config)?;
                Ok((r.options, r.ignored))
            }
        }
    }

    fn resolve_depth(&self, spec: &str, depth: usize) -> Result<Target, SshError> {
        if depth > 8 {
            return Err(SshError::Config(format!("ProxyJump chain for `{spec}` is too deep (a loop?)")));
        }
        let (user, host, port) = split_spec(spec)?;
        let q = Query { host: &host, user: user.as_deref(), port };
        let (mut o, mut ignored) = self.options(&q, None)?;
        if let Some(c) = canonicalize(&o, &host, port)? {
            let (second, more) = self.options(&q, Some(&c))?;
            o = self.merge_canonical(&q, o, second)?;
            o.push_hostname(&c);
            ignored.extend(more);
        }
        let mut t = self.build(&o, spec, &host)?;
        t.ignored = ignored;
        if let Some(pj) = o.get("proxyjump").filter(|j| !j.eq_ignore_ascii_case("none")) {
            t.jumps = self.jump_chain(pj, depth + 1)?;
            t.proxy_command = None;
        }
        Ok(t)
    }

    /// After canonicalization OpenSSH reads the config again with the new
    /// name, keeping what the first pass set (the first value wins).
    fn merge_canonical(&self, q: &Query<'_>, first: Options, second: Options) -> Result<Options, SshError> {
        if !self.uses_openssh() {
            // The built-in reader already did both passes.
            return Ok(second);
        }
        let (baseline, _) = self.options(&Query { host: PROBE, user: q.user, port: q.port }, None)?;
        let mut out = second.clone();
        for k in first.keys() {
            if k == "hostname" {
                continue;
            }
            if first.all(k) != baseline.all(k) {
                out.replace(k, first.all(k).to_vec());
            }
        }
        Ok(out)
    }

    /// `ProxyJump a,b,c`: the first hop with its own route, later hops
    /// reached through the earlier ones (as `ssh -J` builds it).
    fn jump_chain(&self, spec: &str, depth: usize) -> Result<Vec<Target>, SshError> {
        if spec.trim().eq_ignore_ascii_case("none") {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (i, hop) in spec.split(',').map(str::trim).filter(|s| !s.is_empty()).enumerate() {
            let t = self.resolve_depth(hop, depth + 1)?;
            if i == 0 {
                out.extend(t.jumps.iter().cloned());
                out.push(Target { jumps: Vec::new(), ..t });
            } else {
                out.push(Target { jumps: Vec::new(), proxy_command: None, ..t });
            }
        }
        Ok(out)
    }

    fn build(&self, o: &Options, alias: &str, original: &str) -> Result<Target, SshError> {
        let cfg = |m: String| SshError::Config(format!("{alias}: {m}"));
        let host = o.get("hostname").unwrap_or(original).to_string();
        let port = match o.get("port").map(str::parse::<u16>) {
            Some(Ok(p)) if p > 0 => p,
            None => 22,
            Some(_) => return Err(cfg(format!("Bad port '{}'", o.get("port").unwrap_or("")))),
        };
        let user = o.get("user").unwrap_or("").to_string();
        if user.is_empty() {
            return Err(cfg("no user name: set User in the ssh config or `user` in cutover's [ssh] table".into()));
        }
        let host_key_alias = o.get("hostkeyalias").filter(|a| !a.eq_ignore_ascii_case("none")).map(str::to_string);
        let jump = o.get("proxyjump").filter(|j| !j.eq_ignore_ascii_case("none")).unwrap_or("").to_string();
        let tokens = Tokens {
            host: host.clone(),
            original: original.to_string(),
            port,
            user: user.clone(),
            key_alias: host_key_alias.clone().unwrap_or_else(|| original.to_string()),
            jump,
            ..self.base.clone()
        };
        // ssh -G prints known_hosts paths expanded; the built-in reader leaves them as written.
        let expanded = self.uses_openssh();
        let files = |key: &str| -> Result<Vec<PathBuf>, SshError> {
            let v = o.get(key).unwrap_or("");
            v.split_whitespace()
                .filter(|f| !f.eq_ignore_ascii_case("none"))
                .map(|f| if expanded { Ok(PathBuf::from(f)) } else { tokens.expand(f).map(PathBuf::from).map_err(cfg) })
                .collect()
        };
        let identity_files = o
            .all("identityfile")
            .iter()
            .filter(|f| !f.eq_ignore_ascii_case("none"))
            .map(|f| tokens.expand(f).map(PathBuf::from).map_err(cfg))
            .collect::<Result<Vec<_>, _>>()?;
        let identity_agent = match o.get("identityagent") {
            None => AgentChoice::Environment,
            Some(a) if a.eq_ignore_ascii_case("none") => AgentChoice::None,
            Some("SSH_AUTH_SOCK") => AgentChoice::Environment,
            Some(a) => match a.strip_prefix('$') {
                Some(var) => std::env::var_os(var).map(PathBuf::from).map(AgentChoice::Socket).unwrap_or(AgentChoice::None),
                None => AgentChoice::Socket(PathBuf::from(tokens.expand(a).map_err(cfg)?)),
            },
        };
        let proxy_command = match o.get("proxycommand").filter(|c| !c.eq_ignore_ascii_case("none")) {
            Some(c) => Some(tokens.percent(c).map_err(cfg)?),
            None => None,
        };
        let strict = match o.get("stricthostkeychecking").map(str::to_ascii_lowercase).as_deref() {
            Some("true" | "yes") => StrictHostKeyChecking::Yes,
            Some("false" | "no" | "off") => StrictHostKeyChecking::No,
            Some("accept-new") => StrictHostKeyChecking::AcceptNew,
            _ => StrictHostKeyChecking::Ask,
        };
        let secs = |k: &str| o.get(k).filter(|v| !v.eq_ignore_ascii_case("none")).and_then(parse_time).filter(|s| *s > 0);
        Ok(Target {
            alias: alias.to_string(),
            host,
            port,
            user,
            identity_files,
            identities_only: o.flag("identitiesonly"),
            identity_agent,
            jumps: Vec::new(),
            proxy_command,
            host_key_alias,
            strict,
            known_hosts: files("userknownhostsfile")?,
            global_known_hosts: files("globalknownhostsfile")?,
            hash_known_hosts: o.flag("hashknownhosts"),
            keepalive: Duration::from_secs(secs("serveraliveinterval").unwrap_or(15)),
            connect_timeout: secs("connecttimeout").map(Duration::from_secs),
            batch_mode: o.flag("batchmode"),
            password_auth: o.get("passwordauthentication").is_none_or(|v| matches!(v, "yes" | "true")),
            pubkey_auth: o.get("pubkeyauthentication").is_none_or(|v| v != "no" && v != "false"),
            ignored: Vec::new(),
        })
    }
}

impl Options {
    fn replace(&mut self, key: &str, values: Vec<String>) {
        let mut fresh = Options::default();
        for k in self.keys().cloned().collect::<Vec<_>>() {
            if k != key {
                for v in self.all(&k).to_vec() {
                    fresh.push(&k, v);
                }
            }
        }
        for v in values {
            fresh.push(key, v);
        }
        *self = fresh;
    }

    fn push_hostname(&mut self, h: &str) {
        self.replace("hostname", vec![h.to_string()]);
    }
}

/// Whether this config names this host in a block of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Named {
    /// The block gives an address (HostName), so the name itself connects.
    pub sets_hostname: bool,
}

/// CanonicalizeHostname as ssh.c does it: a name with few enough dots is
/// tried under each CanonicalDomains suffix; the first that resolves is used.
/// (`ssh -G` does not canonicalize, so cutover does, then asks again.)
fn canonicalize(o: &Options, host: &str, port: Option<u16>) -> Result<Option<String>, SshError> {
    let mode = o.get("canonicalizehostname").unwrap_or("false").to_ascii_lowercase();
    let proxied = o.get("proxyjump").is_some_and(|j| j != "none") || o.get("proxycommand").is_some_and(|c| c != "none");
    let on = match mode.as_str() {
        "true" | "yes" => !proxied,
        "always" => true,
        _ => false,
    };
    let name = o.get("hostname").unwrap_or(host);
    if !on || name.parse::<std::net::IpAddr>().is_ok() {
        return Ok(None);
    }
    if let Some(stripped) = name.strip_suffix('.') {
        return Ok(Some(stripped.to_ascii_lowercase()));
    }
    let max_dots: usize = o.get("canonicalizemaxdots").and_then(|d| d.parse().ok()).unwrap_or(1);
    if name.matches('.').count() > max_dots {
        return Ok(None);
    }
    let port = port.unwrap_or(22);
    for domain in o.get("canonicaldomains").unwrap_or("none").split_whitespace().filter(|d| *d != "none") {
        let candidate = format!("{name}.{domain}").to_ascii_lowercase();
        // Looked up fully qualified (trailing dot), as ssh does, so resolver search domains stay out of it.
        if (format!("{candidate}.").as_str(), port).to_socket_addrs().is_ok_and(|mut a| a.next().is_some()) {
            return Ok(Some(candidate));
        }
    }
    if matches!(o.get("canonicalizefallbacklocal").map(str::to_ascii_lowercase).as_deref(), Some("no" | "false")) {
        return Err(SshError::Config(format!("Could not resolve host \"{name}\"")));
    }
    Ok(None)
}

/// `[ssh://][user@]host[:port]` (also `[v6]:port` and a bare IPv6 address).
fn split_spec(spec: &str) -> Result<(Option<String>, String, Option<u16>), SshError> {
    let bad = |m: &str| SshError::Config(format!("`{spec}`: {m}"));
    let uri = spec.strip_prefix("ssh://");
    let s = uri.unwrap_or(spec);
    let (user, hp) = match s.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u.to_string()), h),
        Some(_) => return Err(bad("empty user name")),
        None => (None, s),
    };
    let hp = if uri.is_some() { hp.trim_end_matches('/') } else { hp };
    let (host, port) = if let Some(rest) = hp.strip_prefix('[') {
        let (h, p) = rest.split_once(']').ok_or_else(|| bad("unbalanced ["))?;
        (h.to_string(), p.strip_prefix(':'))
    } else {
        match hp.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p)),
            _ => (hp.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(bad(&format!("Bad port '{p}'"))),
        },
        None => None,
    };
    if host.is_empty() {
        return Err(bad("no host name"));
    }
    Ok((user, host, port))
}

fn expand_home(p: &Path, home: &Path) -> PathBuf {
    match p.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> (tempfile::TempDir, SshSettings) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("extra.conf"), "Host db-*\n  User postgres\n  Port 2200\n").unwrap();
        let text = text.replace("EXTRA", &d.path().join("extra.conf").display().to_string());
        std::fs::write(d.path().join("config"), text).unwrap();
        let s = SshSettings::built_in(&d.path().join("config"));
        (d, s)
    }

    #[test]
    fn resolves_hosts_patterns_includes_and_jumps() {
        let (d, s) = settings(
            "Include EXTRA\nHost bastion\n  HostName 203.0.113.1\n  User ops\nHost web-*\n  User deploy\n  ProxyJump bastion\n  IdentityFile KEY\nHost *\n  Port 22\n"
                .replace("KEY", &d_key())
                .as_str(),
        );
        let t = s.resolve("web-prod-1", &SshOverride::default()).unwrap();
        assert_eq!((t.host.as_str(), t.user.as_str(), t.port), ("web-prod-1", "deploy", 22));
        assert_eq!(t.identity_files, [PathBuf::from(d_key())]);
        assert_eq!(t.jumps.len(), 1);
        assert_eq!((t.jumps[0].host.as_str(), t.jumps[0].user.as_str()), ("203.0.113.1", "ops"));
        let t = s.resolve("db-prod-1", &SshOverride::default()).unwrap();
        assert_eq!((t.user.as_str(), t.port), ("postgres", 2200));
        assert!(s.knows("bastion").is_some_and(|n| n.sets_hostname));
        assert!(s.knows("web-prod-1").is_some_and(|n| !n.sets_hostname));
        assert!(s.knows("other").is_none());
        // The per-context override wins.
        let o = SshOverride {
            host: Some("127.0.0.1".into()),
            port: Some(2222),
            user: Some("root".into()),
            jump: Some("none".into()),
            ..Default::default()
        };
        let t = s.resolve("web-prod-1", &o).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.user.as_str(), t.jumps.len()), ("127.0.0.1", 2222, "root", 0));
        let o = SshOverride { jump: Some("a@j1:2201,ssh://b@j2:2202".into()), ..Default::default() };
        let t = s.resolve("198.51.100.10", &o).unwrap();
        let hops: Vec<_> = t.jumps.iter().map(|j| (j.user.clone(), j.host.clone(), j.port)).collect();
        assert_eq!(hops, [("a".into(), "j1".into(), 2201), ("b".into(), "j2".into(), 2202)]);
        drop(d);
    }

    fn d_key() -> String {
        "/keys/web_key".into()
    }

    #[test]
    fn direct_user_host_port() {
        let s = SshSettings::default();
        let t = s.resolve("alice@[::1]:2022", &SshOverride::default()).unwrap();
        assert_eq!((t.user.as_str(), t.host.as_str(), t.port), ("alice", "::1", 2022));
        assert!(s.resolve("a@h:0", &SshOverride::default()).is_err());
        assert!(s.resolve("a@h:99999", &SshOverride::default()).is_err());
        let t = s.resolve("h", &SshOverride::default()).unwrap();
        assert_eq!(t.user, local_account().0, "the local account, never a silent root");
        assert!(t.identity_files[0].ends_with(".ssh/id_rsa"), "OpenSSH's default order starts with id_rsa");
    }
}
