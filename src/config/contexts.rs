//! Contexts: which Hetzner project and which Coolify instance cutover talks to.
//! Read from the hcloud CLI's `cli.toml` and coolify CLI's `config.json` first,
//! with the hcloud CLI's precedence (flag > env > context > global > default),
//! then cutover's own `[[hetzner]]`/`[[coolify]]` entries.

use super::secret::Secret;
use super::source::{SourceError, parse_toml};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_HCLOUD_ENDPOINT: &str = "https://api.hetzner.cloud/v1";

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HetznerEntry {
    pub name: String,
    pub token: Option<String>,
    /// A command printing the token, e.g. `pass show hetzner/prod`.
    pub token_command: Option<String>,
    pub endpoint: Option<String>,
    #[serde(default)]
    pub readonly: bool,
    /// A token for the legacy dns.hetzner.com API (shut down May 2026).
    pub legacy_dns_token: Option<String>,
    /// How to reach this project's servers over SSH (user, port, jump host).
    pub ssh: Option<super::SshOverride>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoolifyEntry {
    pub name: String,
    pub url: String,
    pub token: Option<String>,
    pub token_command: Option<String>,
    #[serde(default)]
    pub readonly: bool,
    pub ssh: Option<super::SshOverride>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokenSource {
    Value(Secret),
    Command(String),
    Missing,
}

#[derive(Clone, Debug)]
pub struct HetznerContext {
    pub name: String,
    pub endpoint: String,
    pub token: TokenSource,
    pub readonly: bool,
    pub poll_interval: Duration,
    /// Where this context came from, for the `:ctx` list.
    pub origin: String,
    pub legacy_dns_token: bool,
}

#[derive(Clone, Debug)]
pub struct CoolifyContext {
    pub name: String,
    /// Base URL without `/api/v1`.
    pub url: String,
    pub token: TokenSource,
    pub readonly: bool,
    pub origin: String,
}

/// Runs a `token_command` and returns its first line of output.
pub fn run_token_command(cmd: &str) -> Result<Secret> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .output()
        .wrap_err_with(|| format!("running token_command `{cmd}`"))?;
    if !out.status.success() {
        // The command's stderr may explain (e.g. "gpg: decryption failed"); it holds no token.
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("token_command `{cmd}` failed ({}): {}", out.status, err.trim());
    }
    let text = String::from_utf8(out.stdout).map_err(|_| eyre!("token_command `{cmd}` printed invalid UTF-8"))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        bail!("token_command `{cmd}` printed nothing");
    }
    Ok(Secret::new(token))
}

impl TokenSource {
    pub fn resolve(&self) -> Result<Option<Secret>> {
        match self {
            TokenSource::Value(s) => Ok(Some(s.clone())),
            TokenSource::Command(c) => run_token_command(c).map(Some),
            TokenSource::Missing => Ok(None),
        }
    }
}

// ---- hcloud cli.toml -------------------------------------------------------

#[derive(serde::Deserialize, Default)]
struct HcloudFile {
    active_context: Option<String>,
    #[serde(default)]
    preferences: HcloudPrefs,
    #[serde(default)]
    contexts: Vec<HcloudContext>,
}

#[derive(serde::Deserialize, Default, Clone)]
struct HcloudPrefs {
    endpoint: Option<String>,
    poll_interval: Option<String>,
}

#[derive(serde::Deserialize)]
struct HcloudContext {
    name: String,
    token: Option<String>,
    #[serde(default)]
    preferences: HcloudPrefs,
}

/// The environment as a lookup function, so tests can supply their own.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn hcloud_config_path(env: Env) -> Option<PathBuf> {
    env("HCLOUD_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from).or_else(|| user_config_dir(env).map(|d| d.join("hcloud/cli.toml")))
}

/// Where Go's `os.UserConfigDir` (the hcloud and coolify CLIs) looks on Linux:
/// `$XDG_CONFIG_HOME`, else `~/.config`.
fn user_config_dir(env: Env) -> Option<PathBuf> {
    env("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))
        .or_else(|| dirs::home_dir().map(|h| h.join(".config")))
}

/// Hetzner contexts and the index of the active one (`None` when there is none).
pub fn hetzner_contexts(
    own: &[HetznerEntry],
    flag_context: Option<&str>,
    hcloud_path: Option<&Path>,
    env: Env,
) -> Result<(Vec<HetznerContext>, Option<usize>), SourceError> {
    let file: HcloudFile = match hcloud_path.map(|p| (p, super::source::read_bounded(p, super::source::MAX_CONFIG))) {
        Some((p, Ok(text))) => parse_toml(p, &text)?,
        // An unreadable file is an error that names it; only a missing one is no contexts.
        Some((p, Err(e))) if e != super::source::ReadError::Missing => return Err(e.at(p)),
        _ => HcloudFile::default(),
    };
    let env_endpoint = env("HCLOUD_ENDPOINT").filter(|v| !v.is_empty());
    let env_token = env("HCLOUD_TOKEN").filter(|v| !v.is_empty());
    let parse_poll = |s: &Option<String>| s.as_deref().and_then(|v| humantime::parse_duration(v).ok());
    let global_poll = parse_poll(&file.preferences.poll_interval);
    let origin = hcloud_path.map(|p| p.display().to_string()).unwrap_or_default();

    let mut out: Vec<HetznerContext> = file
        .contexts
        .iter()
        .map(|c| HetznerContext {
            name: c.name.clone(),
            endpoint: c
                .preferences
                .endpoint
                .clone()
                .or_else(|| file.preferences.endpoint.clone())
                .unwrap_or_else(|| DEFAULT_HCLOUD_ENDPOINT.into()),
            token: c.token.clone().filter(|t| !t.is_empty()).map(|t| TokenSource::Value(Secret::new(t))).unwrap_or(TokenSource::Missing),
            readonly: false,
            poll_interval: parse_poll(&c.preferences.poll_interval).or(global_poll).unwrap_or(Duration::from_millis(500)),
            origin: origin.clone(),
            legacy_dns_token: false,
        })
        .collect();

    // cutover's own entries refine a same-named hcloud context or add one.
    for e in own {
        let token = match (&e.token, &e.token_command) {
            (Some(t), _) if !t.is_empty() => Some(TokenSource::Value(Secret::new(t.clone()))),
            (_, Some(c)) => Some(TokenSource::Command(c.clone())),
            _ => None,
        };
        match out.iter_mut().find(|c| c.name == e.name) {
            Some(c) => {
                if let Some(t) = token {
                    c.token = t;
                }
                if let Some(ep) = &e.endpoint {
                    c.endpoint = ep.clone();
                }
                c.readonly |= e.readonly;
                c.legacy_dns_token = e.legacy_dns_token.is_some();
                c.origin = format!("{} + cutover config", c.origin);
            }
            None => out.push(HetznerContext {
                name: e.name.clone(),
                endpoint: e.endpoint.clone().unwrap_or_else(|| DEFAULT_HCLOUD_ENDPOINT.into()),
                token: token.unwrap_or(TokenSource::Missing),
                readonly: e.readonly,
                poll_interval: global_poll.unwrap_or(Duration::from_millis(500)),
                origin: "cutover config".into(),
                legacy_dns_token: e.legacy_dns_token.is_some(),
            }),
        }
    }

    let wanted = flag_context.map(str::to_string).or_else(|| env("HCLOUD_CONTEXT").filter(|v| !v.is_empty())).or(file.active_context);
    let mut active = match &wanted {
        Some(n) => out.iter().position(|c| &c.name == n),
        None if out.len() == 1 => Some(0),
        None => None,
    };
    // HCLOUD_TOKEN works with no config at all, like the CLI.
    if active.is_none() && env_token.is_some() {
        out.push(HetznerContext {
            name: wanted.unwrap_or_else(|| "env".into()),
            endpoint: DEFAULT_HCLOUD_ENDPOINT.into(),
            token: TokenSource::Missing,
            readonly: false,
            poll_interval: global_poll.unwrap_or(Duration::from_millis(500)),
            origin: "environment".into(),
            legacy_dns_token: false,
        });
        active = Some(out.len() - 1);
    }
    if let Some(i) = active {
        let c = &mut out[i];
        if let Some(t) = env_token {
            c.token = TokenSource::Value(Secret::new(t));
        }
        if let Some(ep) = env_endpoint {
            c.endpoint = ep;
        }
    }
    Ok((out, active))
}

// ---- coolify config.json -----------------------------------------------------

#[derive(serde::Deserialize, Default)]
struct CoolifyFile {
    #[serde(default)]
    instances: Vec<CoolifyInstance>,
}

#[derive(serde::Deserialize)]
struct CoolifyInstance {
    name: String,
    fqdn: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    default: bool,
}

pub fn coolify_config_path(env: Env) -> Option<PathBuf> {
    user_config_dir(env).map(|d| d.join("coolify/config.json"))
}

/// Coolify instances and the active one. `COOLIFY_URL`/`COOLIFY_TOKEN` (what
/// `cutover sim` prints) make an instance named `env` that wins.
pub fn coolify_contexts(
    own: &[CoolifyEntry],
    flag_instance: Option<&str>,
    cli_path: Option<&Path>,
    env: Env,
) -> Result<(Vec<CoolifyContext>, Option<usize>), SourceError> {
    let mut out = Vec::new();
    let mut default = None;
    let text = match cli_path.map(|p| super::source::read_bounded(p, super::source::MAX_CONFIG)) {
        Some(Ok(t)) => Some(t),
        Some(Err(super::source::ReadError::Missing)) | None => None,
        Some(Err(e)) => return Err(e.at(cli_path.unwrap_or(Path::new("config.json")))),
    };
    if let (Some(p), Some(text)) = (cli_path, text) {
        let file: CoolifyFile = serde_json::from_str(&text).map_err(|e| SourceError::new(p, e.line(), e.column(), e.to_string()))?;
        for inst in file.instances {
            // The CLI writes placeholders (`cloud` with no token, `localhost` with "root").
            if inst.token.is_empty() || inst.token == "root" {
                continue;
            }
            if inst.default {
                default = Some(out.len());
            }
            out.push(CoolifyContext {
                name: inst.name,
                url: inst.fqdn.trim_end_matches('/').to_string(),
                token: TokenSource::Value(Secret::new(inst.token)),
                readonly: false,
                origin: p.display().to_string(),
            });
        }
    }
    for e in own {
        let token = match (&e.token, &e.token_command) {
            (Some(t), _) if !t.is_empty() => TokenSource::Value(Secret::new(t.clone())),
            (_, Some(c)) => TokenSource::Command(c.clone()),
            _ => TokenSource::Missing,
        };
        let ctx = CoolifyContext {
            name: e.name.clone(),
            url: e.url.trim_end_matches('/').to_string(),
            token,
            readonly: e.readonly,
            origin: "cutover config".into(),
        };
        match out.iter_mut().find(|c| c.name == e.name) {
            Some(c) => *c = ctx,
            None => out.push(ctx),
        }
    }
    let mut active = match flag_instance {
        Some(n) => out.iter().position(|c| c.name == n),
        None => default.or(if out.len() == 1 { Some(0) } else { None }),
    };
    if let (Some(url), Some(token)) = (env("COOLIFY_URL").filter(|v| !v.is_empty()), env("COOLIFY_TOKEN").filter(|v| !v.is_empty())) {
        out.push(CoolifyContext {
            name: "env".into(),
            url: url.trim_end_matches('/').trim_end_matches("/api/v1").to_string(),
            token: TokenSource::Value(Secret::new(token)),
            readonly: false,
            origin: "environment".into(),
        });
        if flag_instance.is_none() {
            active = Some(out.len() - 1);
        }
    }
    Ok((out, active))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env<'a>(map: &'a HashMap<&'a str, &'a str>) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| map.get(k).map(|v| v.to_string())
    }

    const CLI: &str = r#"
active_context = "prod"
[preferences]
poll_interval = "1s"
[[contexts]]
name = "prod"
token = "prodtoken"
[[contexts]]
name = "staging"
token = "stagingtoken"
[contexts.preferences]
endpoint = "https://staging.example/v1"
"#;

    #[test]
    fn hcloud_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cli.toml");
        std::fs::write(&p, CLI).unwrap();
        let e = HashMap::new();
        let (ctxs, active) = hetzner_contexts(&[], None, Some(&p), &env(&e)).unwrap();
        assert_eq!(ctxs[active.unwrap()].name, "prod");
        assert_eq!(ctxs[0].poll_interval, Duration::from_secs(1));
        assert_eq!(ctxs[1].endpoint, "https://staging.example/v1");

        let e = HashMap::from([("HCLOUD_CONTEXT", "staging"), ("HCLOUD_TOKEN", "envtoken")]);
        let (ctxs, active) = hetzner_contexts(&[], None, Some(&p), &env(&e)).unwrap();
        let a = &ctxs[active.unwrap()];
        assert_eq!(a.name, "staging");
        assert_eq!(a.token, TokenSource::Value(Secret::new("envtoken")));

        // The flag beats the environment.
        let (ctxs, active) = hetzner_contexts(&[], Some("prod"), Some(&p), &env(&e)).unwrap();
        assert_eq!(ctxs[active.unwrap()].name, "prod");

        // Own entries refine: token_command and readonly.
        let own = [HetznerEntry { name: "prod".into(), token_command: Some("echo x".into()), readonly: true, ..Default::default() }];
        let (ctxs, _) = hetzner_contexts(&own, None, Some(&p), &env(&HashMap::new())).unwrap();
        assert_eq!(ctxs[0].token, TokenSource::Command("echo x".into()));
        assert!(ctxs[0].readonly);
    }

    #[test]
    fn env_only_and_malformed_file() {
        let e = HashMap::from([("HCLOUD_TOKEN", "t"), ("HCLOUD_ENDPOINT", "http://127.0.0.1:1/v1")]);
        let (ctxs, active) = hetzner_contexts(&[], None, None, &env(&e)).unwrap();
        assert_eq!(ctxs[active.unwrap()].endpoint, "http://127.0.0.1:1/v1");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cli.toml");
        std::fs::write(&p, "active_context = \n").unwrap();
        let err = hetzner_contexts(&[], None, Some(&p), &env(&HashMap::new())).unwrap_err();
        assert_eq!(err.line, 1);
    }

    #[test]
    fn coolify_skips_placeholders() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        std::fs::write(
            &p,
            r#"{"instances":[{"name":"cloud","fqdn":"https://app.coolify.io","token":"","default":true},
            {"name":"localhost","fqdn":"http://localhost:8000","token":"root"},
            {"name":"prod","fqdn":"https://coolify.example.com/","token":"3|abc"}]}"#,
        )
        .unwrap();
        let (ctxs, active) = coolify_contexts(&[], None, Some(&p), &env(&HashMap::new())).unwrap();
        assert_eq!(ctxs.len(), 1);
        assert_eq!(ctxs[active.unwrap()].url, "https://coolify.example.com");
    }

    #[test]
    fn token_command_runs() {
        assert_eq!(run_token_command("printf 'abc\\nrest'").unwrap().expose(), "abc");
        assert!(run_token_command("exit 3").is_err());
        assert!(run_token_command("true").is_err());
    }
}
