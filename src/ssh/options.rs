//! A host's resolved ssh options, in the shape `ssh -G` prints them
//! (lower-case keyword, value as written), whoever resolved them: OpenSSH
//! itself or the built-in parser. Also the `%` tokens and `~` OpenSSH expands.

use sha1::{Digest, Sha1};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    values: HashMap<String, Vec<String>>,
}

impl Options {
    /// Parses `ssh -G` output: one `keyword value` per line, repeated keywords
    /// (identityfile) in order.
    pub fn from_dump(text: &str) -> Options {
        let mut o = Options::default();
        for line in text.lines() {
            let (k, v) = line.split_once(' ').unwrap_or((line, ""));
            if !k.is_empty() {
                o.push(&k.to_ascii_lowercase(), v.to_string());
            }
        }
        o
    }

    pub fn push(&mut self, key: &str, value: String) {
        self.values.entry(key.to_string()).or_default().push(value);
    }

    /// Sets `key` unless already set (OpenSSH: the first value obtained wins).
    pub fn set_default(&mut self, key: &str, value: &str) {
        self.values.entry(key.to_string()).or_insert_with(|| vec![value.to_string()]);
    }

    pub fn is_set(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.first()).map(String::as_str)
    }

    pub fn all(&self, key: &str) -> &[String] {
        self.values.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.values.keys()
    }

    /// `yes`/`true` as OpenSSH prints and accepts them.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key).map(str::to_ascii_lowercase).as_deref(), Some("yes" | "true" | "always"))
    }
}

/// What the `%` tokens stand for on this connection.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    /// %d: the local user's home (from the password database, as OpenSSH).
    pub home: PathBuf,
    /// %u
    pub local_user: String,
    /// %l (with domain) and, first label, %L.
    pub local_host: String,
    /// %i
    pub uid: u32,
    /// %h
    pub host: String,
    /// %n: the name as given.
    pub original: String,
    /// %p
    pub port: u16,
    /// %r
    pub user: String,
    /// %k: HostKeyAlias or the original name.
    pub key_alias: String,
    /// %j
    pub jump: String,
}

impl Tokens {
    /// Expands `~`, `${VAR}` and `%x` as OpenSSH does for a path-like value.
    pub fn expand(&self, s: &str) -> Result<String, String> {
        let s = self.tilde(s);
        let s = expand_env(&s)?;
        self.percent(&s)
    }

    /// `%` tokens only (HostName, ProxyCommand).
    pub fn percent(&self, s: &str) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(t) = chars.next() else { return Err(format!("`{s}` ends with a lone %")) };
            match t {
                '%' => out.push('%'),
                'd' => out.push_str(&self.home.to_string_lossy()),
                'u' => out.push_str(&self.local_user),
                'l' => out.push_str(&self.local_host),
                'L' => out.push_str(self.local_host.split('.').next().unwrap_or("")),
                'i' => out.push_str(&self.uid.to_string()),
                'h' => out.push_str(&self.host),
                'n' => out.push_str(&self.original),
                'p' => out.push_str(&self.port.to_string()),
                'r' => out.push_str(&self.user),
                'k' => out.push_str(&self.key_alias),
                'j' => out.push_str(&self.jump),
                'C' => out.push_str(&self.connection_hash()),
                'T' => out.push_str("NONE"),
                other => return Err(format!("unknown token %{other} in `{s}`")),
            }
        }
        Ok(out)
    }

    /// %C: SHA-1 of %l%h%p%r (OpenSSH 9.2).
    fn connection_hash(&self) -> String {
        let mut h = Sha1::new();
        h.update(format!("{}{}{}{}", self.local_host, self.host, self.port, self.user).as_bytes());
        data_encoding::HEXLOWER.encode(&h.finalize())
    }

    fn tilde(&self, s: &str) -> String {
        if s == "~" {
            return self.home.to_string_lossy().into_owned();
        }
        if let Some(rest) = s.strip_prefix("~/") {
            return self.home.join(rest).to_string_lossy().into_owned();
        }
        if let Some(rest) = s.strip_prefix('~') {
            let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
            if let Ok(Some(u)) = nix::unistd::User::from_name(name) {
                return u.dir.join(tail).to_string_lossy().into_owned();
            }
        }
        s.to_string()
    }
}

fn expand_env(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { return Err(format!("unterminated ${{ in `{s}`")) };
        let name = &after[..end];
        let v = std::env::var(name).map_err(|_| format!("environment variable ${{{name}}} is not set (in `{s}`)"))?;
        out.push_str(&v);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The local user as OpenSSH knows them: the password database, not `$USER`.
pub fn local_account() -> (String, PathBuf, u32) {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => (u.name, u.dir, uid.as_raw()),
        _ => (std::env::var("USER").unwrap_or_default(), std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default(), uid.as_raw()),
    }
}

pub fn local_hostname() -> String {
    nix::unistd::gethostname().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_as_openssh_expands_them() {
        let t = Tokens {
            home: "/home/op".into(),
            local_user: "op".into(),
            local_host: "vm".into(),
            uid: 1000,
            host: "h.example".into(),
            original: "web".into(),
            port: 2200,
            user: "bob".into(),
            key_alias: "web".into(),
            jump: String::new(),
        };
        assert_eq!(t.expand("~/.ssh/%r@%h:%p-%n-%u-%i-%%").unwrap(), "/home/op/.ssh/bob@h.example:2200-web-op-1000-%");
        // Checked against `ssh -G` (ControlPath /tmp/%C).
        assert_eq!(t.percent("%C").unwrap(), "1393265ba60fbca37f6034444cf03833dbab9a03");
        assert!(t.percent("%z").is_err() && t.percent("50%").is_err());
        assert!(t.expand("${CUTOVER_SURELY_UNSET_VAR}/x").is_err());
    }

    #[test]
    fn dump_keeps_order_and_first_value() {
        let o = Options::from_dump("user deploy\nidentityfile a\nidentityfile b\nport 22\n");
        assert_eq!(o.get("user"), Some("deploy"));
        assert_eq!(o.all("identityfile"), ["a", "b"]);
        assert!(!o.is_set("proxyjump"));
    }
}
