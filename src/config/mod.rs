//! cutover's config file and the contexts it reaches (Hetzner projects, Coolify
//! instances), read from the user's existing tools first.

pub mod contexts;
pub mod duration;
pub mod secret;
pub mod source;

pub use contexts::{CoolifyContext, HetznerContext};
pub use secret::Secret;
pub use source::SourceError;

use std::path::{Path, PathBuf};

/// `$XDG_CONFIG_HOME/cutover` (or `~/.config/cutover`).
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".config")))
        .map(|d| d.join("cutover"))
}

/// `$XDG_STATE_HOME/cutover` (or `~/.local/state/cutover`).
pub fn state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
        .map(|d| d.join("cutover"))
}

/// The client IP of the SSH session this runs in (a jump box), if any.
pub fn ip_from_ssh_connection(v: Option<&str>) -> Option<String> {
    v.and_then(|s| s.split_whitespace().next()).filter(|ip| ip.parse::<std::net::IpAddr>().is_ok()).map(str::to_string)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Theme name (built-in or a file in `themes/` beside this config).
    pub theme: Option<String>,
    /// Keymap name (built-in or a file in `keymaps/` beside this config).
    pub keymap: Option<String>,
    /// `auto`, `truecolor`, `256`, `16` or `none`.
    pub colors: Option<String>,
    /// Replace every non-ASCII glyph.
    pub ascii: Option<bool>,
    /// Hide every write action.
    #[serde(default)]
    pub readonly: bool,
    /// Hetzner contexts of cutover's own (beside hcloud's `cli.toml`).
    #[serde(default, rename = "hetzner")]
    pub hetzner: Vec<contexts::HetznerEntry>,
    /// Coolify instances of cutover's own (beside coolify's `config.json`).
    #[serde(default, rename = "coolify")]
    pub coolify: Vec<contexts::CoolifyEntry>,
    /// SSH settings for every host (a context's own `ssh` table wins).
    pub ssh: Option<SshOverride>,
    /// Lines kept per log tab (default 100,000).
    pub log_lines: Option<usize>,
    /// Bytes of text kept per log tab (default 64 MiB).
    pub log_bytes: Option<usize>,
}

impl Config {
    /// Reads the config file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config, SourceError> {
        match source::read_bounded(path, source::MAX_CONFIG) {
            Ok(text) => source::parse_toml(path, &text),
            Err(source::ReadError::Missing) => Ok(Config::default()),
            Err(e) => Err(e.at(path)),
        }
    }
}

/// Per-context SSH settings in cutover's config (`[hetzner.ssh]` / `[coolify.ssh]`).
#[derive(Clone, Debug, Default, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SshOverride {
    /// Connect here instead of the server's address (e.g. a tunnel).
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    /// ProxyJump syntax: `[user@]host[:port][,...]`, or `none`.
    pub jump: Option<String>,
    pub identity_file: Option<std::path::PathBuf>,
    pub known_hosts: Option<std::path::PathBuf>,
    /// Seconds between keepalives (default 15).
    pub keepalive: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_ip_from_ssh_connection() {
        assert_eq!(ip_from_ssh_connection(Some("198.51.100.23 51234 10.0.0.5 22")).as_deref(), Some("198.51.100.23"));
        assert_eq!(ip_from_ssh_connection(None), None);
    }

    #[test]
    fn malformed_config_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "theme = \"light\"\nreadonly = \"yes\"\n").unwrap();
        let e = Config::load(&p).unwrap_err();
        assert_eq!((e.line, e.column), (2, 12), "{e}");
        std::fs::write(&p, "theme = \"light\"\nthem = 1\n").unwrap();
        let e = Config::load(&p).unwrap_err();
        assert!(e.message.contains("unknown field `them`"), "{e}");
        assert!(Config::load(&dir.path().join("missing.toml")).is_ok());
    }
}
