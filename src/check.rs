//! `cutover check FILE...`: reads runbooks, campaigns, themes, keymaps, playbooks and the
//! config file exactly as the console would, without starting it, so operators
//! can check their own files in CI. Errors name the file, line and column.

use crate::checklist::runbook::Runbook;
use crate::config::Config;
use crate::config::source::{MAX_CONFIG, SourceError, read_bounded};
use crate::input::Keymap;
use crate::playbook::Playbook;
use crate::theme::Theme;
use std::path::Path;

/// What a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Runbook,
    Campaign,
    Theme,
    Keymap,
    Playbook,
    Config,
}

impl Kind {
    /// Guesses from the path (`*.play`, a `runbooks/`, `themes/` or `keymaps/`
    /// folder, `config.toml`), then from the TOML itself.
    pub fn guess(path: &Path, text: &str) -> Kind {
        if path.extension().is_some_and(|e| e == "play") {
            return Kind::Playbook;
        }
        let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
        match parent {
            "runbooks" => return Kind::Runbook,
            "campaigns" => return Kind::Campaign,
            "themes" => return Kind::Theme,
            "keymaps" => return Kind::Keymap,
            _ => {}
        }
        if path.file_name().is_some_and(|n| n == "config.toml") {
            return Kind::Config;
        }
        let has = |header: &str| text.lines().any(|l| l.trim_start().starts_with(header));
        if has("[[steps]]") {
            Kind::Runbook
        } else if has("[[stages]]") || has("[[sites]]") {
            Kind::Campaign
        } else if has("[styles]") || has("[palette]") {
            Kind::Theme
        } else if has("[global]") || has("[list]") {
            Kind::Keymap
        } else {
            Kind::Config
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Runbook => "runbook",
            Kind::Campaign => "campaign",
            Kind::Theme => "theme",
            Kind::Keymap => "keymap",
            Kind::Playbook => "playbook",
            Kind::Config => "config",
        }
    }
}

/// Checks one file; on success, a line saying what it holds.
pub fn check(path: &Path, kind: Option<Kind>) -> Result<String, SourceError> {
    let text = read_bounded(path, MAX_CONFIG).map_err(|e| e.at(path))?;
    let kind = kind.unwrap_or_else(|| Kind::guess(path, &text));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Themes and keymaps are read as the console reads them: by name, from
    // their folder, laid over the built-in they extend.
    let named = |what: &str| -> Result<(), SourceError> {
        if path.extension().is_none_or(|e| e != "toml") {
            return Err(SourceError::new(path, 1, 1, format!("a {what} file is NAME.toml (cutover finds it by name)")));
        }
        Ok(())
    };
    let summary = match kind {
        Kind::Runbook => {
            let rb = Runbook::parse(path, &text)?;
            format!("runbook `{}` ({}): {} parameters, {} steps", rb.name, rb.title, rb.params.len(), rb.steps.len())
        }
        Kind::Campaign => {
            // Against the runbooks the console would offer: the built-in ones
            // and those in the `runbooks/` folder beside `campaigns/`.
            let own = dir.parent().map(|d| d.join("runbooks")).or_else(|| crate::config::config_dir().map(|d| d.join("runbooks")));
            let (books, _) = crate::checklist::runbook::load_all(own.as_deref());
            let books: Vec<Runbook> = books.into_iter().map(|(r, _)| r).collect();
            let c = crate::checklist::campaign::Campaign::parse(path, &text, &books)?;
            format!("campaign `{}`: {} sites by {} stages", c.name, c.sites.len(), c.stages.len())
        }
        Kind::Theme => {
            named("theme")?;
            let t = Theme::load(stem, Some(dir))?;
            format!("theme `{}`", t.name)
        }
        Kind::Keymap => {
            named("keymap")?;
            let k = Keymap::load(stem, Some(dir))?;
            format!("keymap `{}`", k.name)
        }
        Kind::Playbook => {
            let pb = Playbook::load(path)?;
            format!("playbook: {} steps{}", pb.steps.len(), if pb.writes() { ", writes" } else { ", read-only" })
        }
        Kind::Config => {
            Config::load(path)?;
            "config".to_string()
        }
    };
    Ok(format!("{}: ok, {summary}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_the_kind() {
        assert_eq!(Kind::guess(Path::new("a/x.play"), ""), Kind::Playbook);
        assert_eq!(Kind::guess(Path::new("runbooks/x.toml"), ""), Kind::Runbook);
        assert_eq!(Kind::guess(Path::new("campaigns/x.toml"), ""), Kind::Campaign);
        assert_eq!(Kind::guess(Path::new("x.toml"), "name = \"c\"\n[[stages]]\n"), Kind::Campaign);
        assert_eq!(Kind::guess(Path::new("x.toml"), "name = \"x\"\n[[steps]]\n"), Kind::Runbook);
        assert_eq!(Kind::guess(Path::new("x.toml"), "[styles]\n"), Kind::Theme);
        assert_eq!(Kind::guess(Path::new("x.toml"), "[global]\nquit = [\"q\"]\n"), Kind::Keymap);
        assert_eq!(Kind::guess(Path::new("config.toml"), "[styles]\n"), Kind::Config);
    }
}
