//! known_hosts judged as OpenSSH judges it (hostfile.c, sshconnect.c): every
//! user and global file, host patterns with wildcards and negation, hashed
//! names, `[host]:port`, `@revoked` (refused) and `@cert-authority` (trusted
//! signers, never a host key). Any matching line accepts; "changed" only when
//! the host is known with a key of this type and no line matches.

use crate::config::source::{ReadError, read_bounded};
use data_encoding::BASE64;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::{Certificate, HashAlg, PublicKey};
use sha1::Sha1;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A known_hosts file bigger than this is refused, not read.
const MAX_FILE: u64 = 64 << 20;

/// The name a host is looked up (and learnt) under: the HostKeyAlias if set,
/// otherwise the lower-cased host name, bracketed with the port when not 22.
pub fn lookup_name(host: &str, port: u16, alias: Option<&str>) -> String {
    if let Some(a) = alias {
        return a.to_string();
    }
    let host = host.to_ascii_lowercase();
    if port == 22 { host } else { format!("[{host}]:{port}") }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// A line for this host carries this key (or a trusted CA signed it).
    Known,
    /// The key is marked `@revoked`.
    Revoked(Place),
    /// The host is known with another key of this type, and no line matches.
    Changed(Place),
    /// Not known. `others` are keys of other types known for the host
    /// (OpenSSH shows them as a warning before asking).
    Unknown { others: Vec<(String, Place)> },
}

/// Judges `key` (or certificate) for `name` against `files`, in order (user
/// files first, then global ones). Missing files are skipped, as OpenSSH does;
/// an unreadable one is an error.
pub fn check(name: &str, key: &PublicKey, cert: Option<&Certificate>, files: &[PathBuf]) -> Result<Verdict, String> {
    let mut changed = None;
    let mut others: Vec<(String, Place)> = Vec::new();
    let mut known = false;
    for file in files {
        let Some(text) = read(file)? else { continue };
        for (i, raw) in text.lines().enumerate() {
            let Some(entry) = Entry::parse(raw) else { continue };
            if !entry.matches_host(name) {
                continue;
            }
            let place = Place { file: file.clone(), line: i + 1 };
            let Ok(recorded) = PublicKey::from_openssh(&format!("{} {}", entry.kind, entry.key)) else { continue };
            match entry.marker {
                Marker::Revoked => {
                    if recorded.key_data() == key.key_data() {
                        return Ok(Verdict::Revoked(place));
                    }
                }
                Marker::CertAuthority => {
                    if let Some(c) = cert
                        && certificate_ok(c, name, &recorded)
                    {
                        known = true;
                    }
                }
                Marker::None => {
                    if recorded.key_data() == key.key_data() {
                        known = true;
                    } else if recorded.algorithm() == key.algorithm() {
                        changed.get_or_insert(place);
                    } else {
                        others.push((algorithm_name(recorded.algorithm().as_str()), place));
                    }
                }
            }
        }
    }
    // Revocation was checked over every file before trusting anything.
    Ok(if known {
        Verdict::Known
    } else if let Some(p) = changed {
        Verdict::Changed(p)
    } else {
        Verdict::Unknown { others }
    })
}

/// Key types known for `name` (to prefer them in the key exchange, as OpenSSH does).
pub fn known_algorithms(name: &str, files: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for file in files {
        let Ok(Some(text)) = read(file) else { continue };
        for raw in text.lines() {
            if let Some(e) = Entry::parse(raw)
                && e.marker == Marker::None
                && e.matches_host(name)
                && !out.iter().any(|k| k == e.kind)
            {
                out.push(e.kind.to_string());
            }
        }
    }
    out
}

fn read(file: &Path) -> Result<Option<String>, String> {
    // `UserKnownHostsFile /dev/null` is a common way to say "remember nothing".
    if file == Path::new("/dev/null") {
        return Ok(None);
    }
    match read_bounded(file, MAX_FILE) {
        Ok(t) => Ok(Some(t)),
        Err(ReadError::Missing) => Ok(None),
        Err(e) => Err(e.at(file).to_string()),
    }
}

/// A host certificate is accepted when a trusted CA signed it for this host
/// and it is valid now.
fn certificate_ok(cert: &Certificate, name: &str, ca: &PublicKey) -> bool {
    if cert.cert_type() != russh::keys::ssh_key::certificate::CertType::Host {
        return false;
    }
    let host = name.trim_start_matches('[').split(']').next().unwrap_or(name);
    if !cert.valid_principals().is_empty() && !cert.valid_principals().iter().any(|p| p.eq_ignore_ascii_case(host)) {
        return false;
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let fp = ca.fingerprint(HashAlg::Sha256);
    cert.validate_at(now, &[fp]).is_ok()
}

/// Appends `name key` to `file` (hashed when HashKnownHosts asks), creating
/// the directory as OpenSSH does. The file is left ending in a newline.
pub fn learn(file: &Path, name: &str, key: &PublicKey, hash: bool) -> Result<(), String> {
    let ctx = |e: std::io::Error| format!("writing {}: {e}", file.display());
    if let Some(dir) = file.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        std::fs::DirBuilder::new().recursive(true).create(dir).map_err(ctx)?;
        set_private(dir);
    }
    let host = if hash { hashed(name) } else { name.to_string() };
    let key = key.to_openssh().map_err(|e| format!("encoding the host key: {e}"))?;
    let needs_newline = ends_without_newline(file);
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file).map_err(ctx)?;
    let line = format!("{}{host} {}\n", if needs_newline { "\n" } else { "" }, key.trim());
    f.write_all(line.as_bytes()).map_err(ctx)?;
    f.sync_all().map_err(ctx)
}

/// Whether the file's last byte is not a newline (a torn or hand-edited line).
fn ends_without_newline(file: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(file) else { return false };
    if f.seek(SeekFrom::End(-1)).is_err() {
        return false;
    }
    let mut b = [0u8; 1];
    f.read_exact(&mut b).is_ok() && b[0] != b'\n'
}

fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

fn hashed(name: &str) -> String {
    let salt: [u8; 20] = rand::random();
    let mac = hmac_sha1(&salt, name);
    format!("|1|{}|{}", BASE64.encode(&salt), BASE64.encode(&mac))
}

fn hmac_sha1(salt: &[u8], name: &str) -> Vec<u8> {
    match Hmac::<Sha1>::new_from_slice(salt) {
        Ok(m) => m.chain_update(name.as_bytes()).finalize().into_bytes().to_vec(),
        Err(_) => Vec::new(),
    }
}

/// The name OpenSSH prints for a key type (`ED25519`, `ECDSA`, `RSA`).
pub fn algorithm_name(a: &str) -> String {
    let a = a.strip_prefix("ssh-").unwrap_or(a);
    if a.starts_with("ecdsa") {
        "ECDSA".into()
    } else if a.starts_with("sk-ssh-ed25519") {
        "ED25519-SK".into()
    } else if a.starts_with("sk-ecdsa") {
        "ECDSA-SK".into()
    } else {
        a.to_uppercase()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

struct Entry<'a> {
    marker: Marker,
    hosts: &'a str,
    kind: &'a str,
    key: &'a str,
}

impl<'a> Entry<'a> {
    fn parse(raw: &'a str) -> Option<Entry<'a>> {
        let line = raw.trim_start_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty());
        let mut first = words.next()?;
        let marker = match first {
            "@revoked" => Marker::Revoked,
            "@cert-authority" => Marker::CertAuthority,
            m if m.starts_with('@') => return None,
            _ => Marker::None,
        };
        if marker != Marker::None {
            first = words.next()?;
        }
        let kind = words.next()?;
        let key = words.next()?;
        Some(Entry { marker, hosts: first, kind, key })
    }

    /// OpenSSH's match_hostname: a hashed entry matches its name exactly; a
    /// pattern list matches when a positive pattern matches and no negated one.
    fn matches_host(&self, name: &str) -> bool {
        if let Some(rest) = self.hosts.strip_prefix("|1|") {
            let Some((salt, hash)) = rest.split_once('|') else { return false };
            let (Ok(salt), Ok(hash)) = (BASE64.decode(salt.as_bytes()), BASE64.decode(hash.as_bytes())) else { return false };
            return !hash.is_empty() && hmac_sha1(&salt, name) == hash;
        }
        pattern_list_matches(name, self.hosts)
    }
}

/// `a,b,!c` against `name`, case-insensitively: true when some positive
/// pattern matches and no negated one does.
pub fn pattern_list_matches(name: &str, list: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let mut hit = false;
    for p in list.split(',').filter(|p| !p.is_empty()) {
        let (neg, p) = match p.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, p),
        };
        if wildcard(&p.to_ascii_lowercase(), &name) {
            if neg {
                return false;
            }
            hit = true;
        }
    }
    hit
}

/// `*` and `?` glob over bytes (OpenSSH's match_pattern).
pub fn wildcard(pattern: &str, s: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), s.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = si;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const ED2: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfszJVdkX+HVmtPEw7MVbf";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).unwrap()
    }

    fn judge(text: &str, name: &str, k: &str) -> Verdict {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("kh");
        std::fs::write(&f, text).unwrap();
        check(name, &key(k), None, &[d.path().join("missing"), f]).unwrap()
    }

    #[test]
    fn patterns_negation_ports_and_case() {
        assert!(pattern_list_matches("web.example.test", "*.example.test"));
        assert!(!pattern_list_matches("db.example.test", "*.example.test,!db.*"));
        assert!(pattern_list_matches("[web]:2222", "[web]:2222"));
        assert!(!pattern_list_matches("[web]:2222", "web"));
        assert!(pattern_list_matches("web", "WEB"));
        assert!(pattern_list_matches("web1", "web?"));
        assert_eq!(lookup_name("LOCALHOST", 22, None), "localhost");
        assert_eq!(lookup_name("h", 2222, None), "[h]:2222");
        assert_eq!(lookup_name("h", 2222, Some("alias")), "alias");
    }

    #[test]
    fn verdicts() {
        assert_eq!(judge(&format!("web {ED}\n"), "web", ED), Verdict::Known);
        // Two lines for the host, one matching: known, not changed.
        assert_eq!(judge(&format!("web {ED2}\nweb {ED}\n"), "web", ED), Verdict::Known);
        assert!(matches!(judge(&format!("web {ED2}\n"), "web", ED), Verdict::Changed(p) if p.line == 1));
        assert!(matches!(judge(&format!("web {ED}\n@revoked * {ED}\n"), "web", ED), Verdict::Revoked(p) if p.line == 2));
        // A CA key is not a host key.
        assert!(matches!(judge(&format!("@cert-authority web {ED}\n"), "web", ED), Verdict::Unknown { .. }));
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDDHr/PM8UAv9nM8wS6A+jYZHBv1n8Wq2Cw9u5J8g0sPGeR2mGeEuLv1tVU3hX9rzJ1HEuyh1Ygl2UAjzwsWvwuy5RFDXCg3p4P5Qmhy4CyYhVf4iJa2h7hS0N8p3wE6lv6TBLjVq2eZ4p5P8AyEm4L+Cd/3RMcdkzJ2i2DVhE1Fw==";
        match judge(&format!("web {rsa}\n"), "web", ED) {
            Verdict::Unknown { others } => assert_eq!(others[0].0, "RSA"),
            v => panic!("{v:?}"),
        }
        let h = hashed("[web]:2222");
        assert_eq!(judge(&format!("{h} {ED}\n"), "[web]:2222", ED), Verdict::Known);
        assert!(matches!(judge(&format!("{h} {ED}\n"), "web", ED), Verdict::Unknown { .. }));
    }

    #[test]
    fn learn_appends_on_its_own_line() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("new/kh");
        learn(&f, "[h]:2222", &key(ED), false).unwrap();
        std::fs::OpenOptions::new().append(true).open(&f).unwrap().write_all(b"# torn").unwrap();
        learn(&f, "other", &key(ED), true).unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.starts_with("[h]:2222 ssh-ed25519 "), "{text}");
        assert_eq!(text.lines().count(), 3, "{text}");
        assert_eq!(check("other", &key(ED), None, &[f]).unwrap(), Verdict::Known);
    }
}
