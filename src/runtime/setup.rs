//! From flags, environment and files to a ready State and Services. Everything
//! that can be wrong in a file is found here, before the terminal is touched, so
//! the console never starts half-configured.

use super::jobs::Services;
use crate::app::State;
use crate::config::contexts;
use crate::config::{self, Config};
use crate::input::Keymap;
use crate::theme::{ColorDepth, Theme};
use crate::{coolify, hetzner};
use color_eyre::eyre::{Result, WrapErr, eyre};
use std::path::PathBuf;

#[derive(Clone, Debug, Default, clap::Args)]
pub struct UiOptions {
    /// Theme: default, light, ansi16, mono, or a file in $XDG_CONFIG_HOME/cutover/themes/.
    #[arg(long)]
    pub theme: Option<String>,
    /// Keymap: default, emacs, or a file in $XDG_CONFIG_HOME/cutover/keymaps/.
    #[arg(long)]
    pub keymap: Option<String>,
    /// Colour depth: truecolor, 256, 16 or none (default: detected from COLORTERM/TERM).
    #[arg(long, value_name = "DEPTH")]
    pub colors: Option<String>,
    /// Use only ASCII glyphs (automatic when the locale is not UTF-8).
    #[arg(long)]
    pub ascii: bool,
    /// Hide every write action.
    #[arg(long)]
    pub readonly: bool,
    /// Config file (default: $XDG_CONFIG_HOME/cutover/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Hetzner context (as in the hcloud CLI; default: its active context).
    #[arg(long)]
    pub context: Option<String>,
    /// Coolify instance name (as in the coolify CLI).
    #[arg(long)]
    pub coolify: Option<String>,
}

impl UiOptions {
    /// These options, with `before`'s where these leave one unset (options
    /// given before the subcommand, `cutover --theme light demo`).
    pub fn or(self, before: &UiOptions) -> UiOptions {
        UiOptions {
            theme: self.theme.or_else(|| before.theme.clone()),
            keymap: self.keymap.or_else(|| before.keymap.clone()),
            colors: self.colors.or_else(|| before.colors.clone()),
            ascii: self.ascii || before.ascii,
            readonly: self.readonly || before.readonly,
            config: self.config.or_else(|| before.config.clone()),
            context: self.context.or_else(|| before.context.clone()),
            coolify: self.coolify.or_else(|| before.coolify.clone()),
        }
    }
}

pub type EnvFn = dyn Fn(&str) -> Option<String>;

pub fn process_env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// Whether the locale promises UTF-8 (the first of LC_ALL, LC_CTYPE, LANG that is set decides).
pub fn locale_is_utf8(env: &EnvFn) -> bool {
    for k in ["LC_ALL", "LC_CTYPE", "LANG"] {
        if let Some(v) = env(k).filter(|v| !v.is_empty()) {
            let v = v.to_ascii_lowercase();
            return v.contains("utf-8") || v.contains("utf8");
        }
    }
    false
}

pub struct Loaded {
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub state: State,
}

/// Reads the config, themes and keymap, and resolves colours and glyphs.
pub fn load(opts: &UiOptions, env: &EnvFn) -> Result<Loaded> {
    let dir = opts.config.as_ref().and_then(|p| p.parent().map(PathBuf::from)).or_else(config::config_dir);
    let config_path = opts.config.clone().or_else(|| dir.as_ref().map(|d| d.join("config.toml")));
    let config = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let keymap_name = opts.keymap.clone().or_else(|| config.keymap.clone()).unwrap_or_else(|| "default".into());
    let keymap_dir = dir.as_ref().map(|d| d.join("keymaps"));
    // Every keymap is read once; the chosen one is among them (a name that is
    // none of them gets `load`'s error, naming where it looked).
    let keymaps = Keymap::load_all(keymap_dir.as_deref())?;
    let keymap = match keymaps.iter().find(|k| k.name == keymap_name) {
        Some(k) => k.clone(),
        None => Keymap::load(&keymap_name, keymap_dir.as_deref())?,
    };
    let themes = Theme::load_all(dir.as_ref().map(|d| d.join("themes")).as_deref())?;

    let explicit_colors = opts.colors.clone().or_else(|| env("CUTOVER_COLORS")).or_else(|| config.colors.clone()).filter(|c| c != "auto");
    let depth = match &explicit_colors {
        Some(c) => ColorDepth::parse(c).ok_or_else(|| eyre!("--colors {c}: use truecolor, 256, 16 or none"))?,
        None => ColorDepth::detect(env),
    };
    if explicit_colors.is_some() && depth != ColorDepth::None {
        // An explicit depth beats NO_COLOR, which crossterm would otherwise apply globally.
        crossterm::style::force_color_output(true);
    }
    let theme = opts.theme.clone().or_else(|| config.theme.clone()).unwrap_or_else(|| match depth {
        ColorDepth::Ansi16 => "ansi16".into(),
        ColorDepth::None => "mono".into(),
        _ => "default".into(),
    });
    if !themes.iter().any(|t| t.name == theme) {
        let names: Vec<_> = themes.iter().map(|t| t.name.as_str()).collect();
        return Err(eyre!("no theme named `{theme}` (available: {})", names.join(", ")));
    }
    let ascii = opts.ascii || config.ascii.unwrap_or(false) || !locale_is_utf8(env);
    let readonly = opts.readonly || config.readonly;
    let mut state = State::new(keymap, themes, &theme, depth, ascii, readonly);
    state.keymaps = keymaps;
    state.square_corners = env("TERM").is_some_and(|t| t == "linux" || t.starts_with("linux-"));
    state.world.my_ip = crate::config::ip_from_ssh_connection(env("SSH_CONNECTION").as_deref());
    state.world.operator = env("USER").filter(|u| !u.is_empty());
    if let Some(n) = config.log_lines {
        state.panes.logs.cap = n.max(100);
    }
    if let Some(n) = config.log_bytes {
        state.panes.logs.byte_cap = n.max(1 << 20);
    }
    Ok(Loaded { config, config_path, state })
}

/// Clients for the configured contexts (hcloud/coolify CLI configs, env, cutover config).
pub fn live_services(loaded: &mut Loaded, opts: &UiOptions, env: &EnvFn) -> Result<Services> {
    let mut sv = Services {
        // The user's ssh config, as OpenSSH reads it.
        ssh: std::sync::Arc::new(crate::ssh::SshSettings::load(None)),
        ssh_override: loaded.config.ssh.clone().unwrap_or_default(),
        ..Default::default()
    };
    let hpath = contexts::hcloud_config_path(env);
    let (hctx, active) = contexts::hetzner_contexts(&loaded.config.hetzner, opts.context.as_deref(), hpath.as_deref(), env)?;
    sv.hetzner_contexts = hctx.clone();
    loaded.state.world.contexts.hetzner_all = hctx.iter().map(|c| (c.name.clone(), c.origin.clone())).collect();
    if let Some(home) = dirs::home_dir() {
        loaded.state.world.contexts.ssh_hosts = crate::ssh::ssh_config::host_patterns(&home);
    }
    if hctx.iter().any(|c| c.legacy_dns_token) {
        loaded.state.world.contexts.legacy_dns = true;
    }
    if let Some(ctx) = active.map(|i| &hctx[i]) {
        sv.hetzner_context = ctx.name.clone();
        loaded.state.world.contexts.hetzner = Some(ctx.name.clone());
        loaded.state.world.contexts.hetzner_endpoint = Some(ctx.endpoint.clone());
        loaded.state.readonly |= ctx.readonly;
        if let Some(o) = loaded.config.hetzner.iter().find(|e| e.name == ctx.name).and_then(|e| e.ssh.clone()) {
            sv.ssh_override = o;
        }
        let token = ctx.token.resolve().wrap_err_with(|| format!("Hetzner context `{}`", ctx.name))?;
        if let Some(t) = token {
            sv = sv.with_hetzner(Some(hetzner::Client::new(&ctx.endpoint, t)?));
        }
    } else if let Some(wanted) = &opts.context {
        return Err(eyre!("no Hetzner context named `{wanted}`"));
    }
    let cpath = contexts::coolify_config_path(env);
    let (cctx, active) = contexts::coolify_contexts(&loaded.config.coolify, opts.coolify.as_deref(), cpath.as_deref(), env)?;
    if let Some(ctx) = active.map(|i| &cctx[i]) {
        loaded.state.world.contexts.coolify = Some(ctx.name.clone());
        loaded.state.readonly |= ctx.readonly;
        if let Some(t) = ctx.token.resolve().wrap_err_with(|| format!("Coolify instance `{}`", ctx.name))? {
            sv.coolify = Some(coolify::Client::new(&ctx.url, t)?);
        }
    } else if let Some(wanted) = &opts.coolify {
        return Err(eyre!("no Coolify instance named `{wanted}`"));
    }
    sv.runs_dir = crate::checklist::journal::default_dir();
    sv.runbooks_dir = config::config_dir().map(|d| d.join("runbooks"));
    sv.campaigns_dir = config::config_dir().map(|d| d.join("campaigns"));
    sv.dns = crate::dns::propagation::DnsSettings::internet();
    Ok(sv)
}
