//! Where to connect: `~/.ssh/config` (Include and Host patterns honoured, via
//! ssh2-config; `Match` blocks through `ssh -G`), then cutover's per-context
//! override (user, port, jump host).

use super::SshError;
use crate::config::SshOverride;
use ssh2_config::{ParseRule, SshConfig};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// What was asked for (an alias, a server name or an address).
    pub alias: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub identity_files: Vec<PathBuf>,
    /// Jump hosts, outermost first.
    pub jumps: Vec<Target>,
    pub known_hosts: PathBuf,
    pub keepalive: Duration,
}

impl Target {
    pub fn display(&self) -> String {
        let port = if self.port == 22 { String::new() } else { format!(":{}", self.port) };
        let via = if self.jumps.is_empty() {
            String::new()
        } else {
            format!(" via {}", self.jumps.iter().map(|j| j.host.clone()).collect::<Vec<_>>().join(","))
        };
        format!("{}@{}{port}{via}", self.user, self.host)
    }
}

/// The user's ssh configuration.
#[derive(Default)]
pub struct SshSettings {
    config: Option<SshConfig>,
    path: Option<PathBuf>,
    has_match: bool,
    home: PathBuf,
    local_user: String,
}

impl SshSettings {
    /// Reads `path` (normally `~/.ssh/config`); a missing file is no config.
    pub fn load(path: Option<&Path>, home: &Path) -> Result<SshSettings, SshError> {
        let local_user = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "root".into());
        let mut s = SshSettings { home: home.to_path_buf(), local_user, ..Default::default() };
        let Some(path) = path else { return Ok(s) };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(s),
            Err(e) => return Err(SshError::Config(format!("{}: {e}", path.display()))),
        };
        s.has_match = text.lines().any(|l| l.trim_start().to_ascii_lowercase().starts_with("match "));
        let cfg = SshConfig::default()
            .home_dir(home)
            .parse(&mut BufReader::new(text.as_bytes()), ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS)
            .map_err(|e| SshError::Config(format!("{}: {e}", path.display())))?;
        s.config = Some(cfg);
        s.path = Some(path.to_path_buf());
        Ok(s)
    }

    /// Whether the config names this host in a block of its own (not only `*`).
    pub fn knows(&self, alias: &str) -> bool {
        let Some(cfg) = &self.config else { return false };
        cfg.get_hosts()
            .iter()
            .any(|h| h.pattern.iter().any(|p| !p.negated && p.pattern != "*" && !p.pattern.contains(['*', '?']) && p.pattern == alias))
    }

    /// Resolves an alias or address to a connection target.
    pub fn resolve(&self, alias: &str, ovr: &SshOverride) -> Result<Target, SshError> {
        let mut t = self.resolve_plain(alias)?;
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
            t.identity_files = vec![expand_home(i, &self.home)];
        }
        if let Some(k) = &ovr.known_hosts {
            t.known_hosts = expand_home(k, &self.home);
        }
        if let Some(k) = ovr.keepalive {
            t.keepalive = Duration::from_secs(k.max(1));
        }
        if let Some(j) = &ovr.jump {
            t.jumps = self.jump_chain(j, 0)?;
        }
        Ok(t)
    }

    fn resolve_plain(&self, alias: &str) -> Result<Target, SshError> {
        self.resolve_depth(alias, 0)
    }

    fn resolve_depth(&self, alias: &str, depth: usize) -> Result<Target, SshError> {
        if depth > 8 {
            return Err(SshError::Config(format!("ProxyJump chain for `{alias}` is too deep (a loop?)")));
        }
        // `user@host:port` given directly.
        let (user_part, host_port) = match alias.split_once('@') {
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, alias),
        };
        let (host_part, port_part) = split_host_port(host_port);
        let mut t = Target {
            alias: alias.to_string(),
            host: host_part.clone(),
            port: port_part.unwrap_or(22),
            user: user_part.clone().unwrap_or_else(|| self.local_user.clone()),
            identity_files: Vec::new(),
            jumps: Vec::new(),
            known_hosts: self.home.join(".ssh/known_hosts"),
            keepalive: Duration::from_secs(15),
        };
        let mut jump_spec: Option<String> = None;
        if self.has_match && which_ssh() {
            if let Some(g) = ssh_g(self.path.as_deref(), &host_part) {
                if let Some(h) = g.hostname {
                    t.host = h;
                }
                if port_part.is_none() {
                    t.port = g.port.unwrap_or(t.port);
                }
                if user_part.is_none()
                    && let Some(u) = g.user
                {
                    t.user = u;
                }
                t.identity_files = g.identity_files.iter().map(|p| expand_home(p, &self.home)).filter(|p| p.exists()).collect();
                jump_spec = g.proxy_jump;
                if let Some(k) = g.known_hosts {
                    t.known_hosts = expand_home(&k, &self.home);
                }
            }
        } else if let Some(cfg) = &self.config {
            let p = cfg.query(&host_part);
            if let Some(h) = p.host_name {
                t.host = h;
            }
            if port_part.is_none()
                && let Some(port) = p.port
            {
                t.port = port;
            }
            if user_part.is_none()
                && let Some(u) = p.user
            {
                t.user = u;
            }
            if let Some(files) = p.identity_file {
                t.identity_files = files.iter().map(|f| expand_home(f, &self.home)).collect();
            }
            jump_spec = p.proxy_jump.map(|v| v.join(","));
            let kh = p.unsupported_fields.get("userknownhostsfile").or_else(|| p.ignored_fields.get("userknownhostsfile"));
            if let Some(k) = kh.and_then(|v| v.first()) {
                t.known_hosts = expand_home(Path::new(k), &self.home);
            }
        }
        if t.identity_files.is_empty() {
            t.identity_files =
                ["id_ed25519", "id_ecdsa", "id_rsa"].iter().map(|n| self.home.join(".ssh").join(n)).filter(|p| p.exists()).collect();
        }
        if let Some(j) = jump_spec {
            t.jumps = self.jump_chain(&j, depth + 1)?;
        }
        Ok(t)
    }

    fn jump_chain(&self, spec: &str, depth: usize) -> Result<Vec<Target>, SshError> {
        if spec.trim() == "none" {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for hop in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let t = self.resolve_depth(hop, depth)?;
            // A hop's own jumps come first.
            out.extend(t.jumps.iter().cloned());
            out.push(Target { jumps: Vec::new(), ..t });
        }
        Ok(out)
    }
}

fn split_host_port(s: &str) -> (String, Option<u16>) {
    // `[::1]:22`, `host:22`, plain host or bare IPv6.
    if let Some(rest) = s.strip_prefix('[')
        && let Some((h, p)) = rest.split_once(']')
    {
        return (h.to_string(), p.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse().ok()),
        _ => (s.to_string(), None),
    }
}

fn expand_home(p: &Path, home: &Path) -> PathBuf {
    match p.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => p.to_path_buf(),
    }
}

fn which_ssh() -> bool {
    std::process::Command::new("ssh").arg("-V").stderr(std::process::Stdio::null()).status().is_ok()
}

#[derive(Default)]
struct SshG {
    hostname: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    identity_files: Vec<PathBuf>,
    proxy_jump: Option<String>,
    known_hosts: Option<PathBuf>,
}

/// OpenSSH's own resolution (handles `Match`, which ssh2-config does not).
fn ssh_g(config: Option<&Path>, host: &str) -> Option<SshG> {
    let mut cmd = std::process::Command::new("ssh");
    if let Some(c) = config {
        cmd.arg("-F").arg(c);
    }
    let out = cmd.arg("-G").arg(host).stdin(std::process::Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let mut g = SshG::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (k, v) = line.split_once(' ')?;
        match k {
            "hostname" => g.hostname = Some(v.to_string()),
            "port" => g.port = v.parse().ok(),
            "user" => g.user = Some(v.to_string()),
            "identityfile" => g.identity_files.push(PathBuf::from(v)),
            "proxyjump" if v != "none" => g.proxy_jump = Some(v.to_string()),
            "userknownhostsfile" => g.known_hosts = v.split_whitespace().next().map(PathBuf::from),
            _ => {}
        }
    }
    Some(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> (tempfile::TempDir, SshSettings) {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join(".ssh")).unwrap();
        std::fs::write(d.path().join(".ssh/config"), text).unwrap();
        std::fs::write(d.path().join(".ssh/extra.conf"), "Host db-*\n  User postgres\n  Port 2200\n").unwrap();
        let s = SshSettings::load(Some(&d.path().join(".ssh/config")), d.path()).unwrap();
        (d, s)
    }

    #[test]
    fn resolves_hosts_patterns_includes_and_jumps() {
        let (d, s) = settings(
            "Include ~/.ssh/extra.conf\nHost bastion\n  HostName 203.0.113.1\n  User ops\nHost web-*\n  User deploy\n  ProxyJump bastion\n  IdentityFile ~/.ssh/web_key\nHost *\n  Port 22\n",
        );
        let t = s.resolve("web-prod-1", &SshOverride::default()).unwrap();
        assert_eq!((t.host.as_str(), t.user.as_str(), t.port), ("web-prod-1", "deploy", 22));
        assert_eq!(t.identity_files, [d.path().join(".ssh/web_key")]);
        assert_eq!(t.jumps.len(), 1);
        assert_eq!((t.jumps[0].host.as_str(), t.jumps[0].user.as_str()), ("203.0.113.1", "ops"));
        let t = s.resolve("db-prod-1", &SshOverride::default()).unwrap();
        assert_eq!((t.user.as_str(), t.port), ("postgres", 2200));
        assert!(s.knows("bastion") && !s.knows("web-prod-1"));
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
        let o = SshOverride { jump: Some("a@j1:2201,j2".into()), ..Default::default() };
        let t = s.resolve("198.51.100.10", &o).unwrap();
        assert_eq!(
            t.jumps.iter().map(|j| (j.user.clone(), j.host.clone(), j.port)).collect::<Vec<_>>()[0],
            ("a".into(), "j1".into(), 2201)
        );
        assert_eq!(t.jumps.len(), 2);
    }

    #[test]
    fn direct_user_host_port() {
        let s = SshSettings::default();
        let t = s.resolve_plain("alice@[::1]:2022").unwrap();
        assert_eq!((t.user.as_str(), t.host.as_str(), t.port), ("alice", "::1", 2022));
    }
}
