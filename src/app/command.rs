//! Command mode (`:`): pane names and aliases, `:theme`, `:q`, `:help`.

use super::action::Effect;
use super::pane::Pane;
use super::state::{Level, Overlay, State};
use super::update::{refresh, switch_pane};

/// Every command word, for completion and help.
pub fn words() -> Vec<&'static str> {
    let mut w: Vec<&'static str> = Pane::ALL.iter().map(|p| p.names()[0]).collect();
    w.extend(["theme", "help", "refresh", "quit", "q", "tail", "exec", "save", "ctx", "firewalls", "messages"]);
    w
}

pub fn help_lines() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Pane::ALL
        .iter()
        .map(|p| {
            let names = p.names();
            (format!(":{} ({})", names[0], names[1..].join(", ")), p.title())
        })
        .collect();
    out[0].0.push_str(" [label selector]");
    out.push((":tail app|db NAME, journal|file|cmd X on HOST".into(), "Open a log tail in the Logs pane"));
    out.push((":exec HOST CMD, :exec app NAME CMD".into(), "Run a command on a server or in an app's container"));
    out.push((":save PATH".into(), "Save the current log tab (or its filtered view)"));
    out.push((":firewalls (fw)".into(), "Firewalls, their rules and recipes"));
    out.push((":ctx [name]".into(), "Switch the Hetzner context (no name: choose)"));
    out.push((":theme [name]".into(), "Switch theme (no name: list themes)"));
    out.push((":refresh (r, reload)".into(), "Reload the current pane"));
    out.push((":help (h)".into(), "Show keys"));
    out.push((":messages (mes)".into(), "Recent messages in full"));
    out.push((":q (quit, exit)".into(), "Quit"));
    out
}

pub fn execute(state: &mut State, line: &str) -> Vec<Effect> {
    let line = line.trim().trim_start_matches(':').trim();
    if line.is_empty() {
        return vec![];
    }
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    if let Some(pane) = Pane::from_name(word) {
        let effects = switch_pane(state, pane);
        if pane == Pane::Servers {
            match state.servers.set_selector(rest) {
                Ok(()) if !rest.is_empty() => {
                    let n = state.servers.table.len();
                    state.set_message(Level::Info, format!("label selector {rest}: {n} servers"));
                }
                Ok(()) => {}
                Err(e) => state.set_message(Level::Error, format!("label selector: {e}")),
            }
            let h = state.list_height();
            state.servers.table.scroll_to_cursor(h);
        }
        return effects;
    }
    match word {
        "q" | "q!" | "quit" | "exit" | "qa" => state.quit = true,
        "help" | "h" => state.overlay = Some(Overlay::Help { scroll: 0 }),
        "messages" | "mes" | "log" => state.overlay = Some(Overlay::Messages { scroll: 0 }),
        "refresh" | "r" | "reload" => return refresh(state),
        "tail" => return super::logs_cmd::tail(state, rest),
        "firewalls" | "firewall" | "fw" => return super::update::show_firewalls(state),
        "ctx" | "context" => return context(state, rest),
        "exec" | "run" => return super::logs_cmd::exec(state, rest),
        "save" | "w" => return super::logs_cmd::save(state, rest),
        "theme" | "themes" => {
            if rest.is_empty() {
                let list = state.theme_names().join(", ");
                let cur = state.styles.theme.clone();
                state.set_message(Level::Info, format!("theme {cur} (available: {list})"));
            } else {
                match state.themes.iter().find(|t| t.name == rest) {
                    Some(t) => {
                        state.styles = t.resolve(state.depth);
                        state.set_message(Level::Ok, format!("theme {rest}"));
                    }
                    None => {
                        let list = state.theme_names().join(", ");
                        state.set_message(Level::Error, format!("no theme `{rest}` (available: {list})"));
                    }
                }
            }
        }
        // Lets the terminal tests check that a panic restores the terminal (debug builds only).
        #[cfg(debug_assertions)]
        "debug-panic" => panic!("debug-panic requested from command mode"),
        other => state.set_message(Level::Error, format!("unknown command `{other}` (? lists keys, :help lists commands)")),
    }
    vec![]
}

/// Completes the first word (or a theme name after `theme `) when unambiguous;
/// otherwise extends to the longest common prefix.
pub fn complete(text: &str, themes: &[&str]) -> Option<String> {
    let (prefix, candidates): (String, Vec<String>) = match text.split_once(' ') {
        Some(("theme", arg)) => ("theme ".into(), themes.iter().filter(|t| t.starts_with(arg)).map(|t| t.to_string()).collect()),
        Some(_) => return None,
        None => {
            let mut all: Vec<&str> = words();
            all.extend(Pane::ALL.iter().flat_map(|p| p.names().iter().copied()));
            all.sort();
            all.dedup();
            (String::new(), all.into_iter().filter(|w| w.starts_with(text)).map(str::to_string).collect())
        }
    };
    match candidates.as_slice() {
        [] => None,
        [one] => Some(format!("{prefix}{one}{}", if prefix.is_empty() { " " } else { "" })),
        many => {
            let first = &many[0];
            let common = (0..first.len()).rev().map(|n| &first[..=n]).find(|p| many.iter().all(|c| c.starts_with(p))).unwrap_or("");
            Some(format!("{prefix}{common}"))
        }
    }
}

/// `:ctx` lists the Hetzner contexts; `:ctx NAME` switches.
fn context(state: &mut State, name: &str) -> Vec<Effect> {
    use super::dialog::{Dialog, Menu, MenuItem, Then};
    if !name.is_empty() {
        return vec![Effect::SwitchContext { name: name.to_string() }];
    }
    if state.contexts.hetzner_all.is_empty() {
        state.set_message(
            Level::Info,
            format!("one context: {} (add more with `hcloud context create` or [[hetzner]] in config.toml)", state.context_name()),
        );
        return vec![];
    }
    let cur = state.context_name();
    let items = state
        .contexts
        .hetzner_all
        .iter()
        .map(|(n, origin)| MenuItem {
            label: if *n == cur { format!("{n} (active)") } else { n.clone() },
            detail: origin.clone(),
            then: Then::Effects(vec![Effect::SwitchContext { name: n.clone() }]),
        })
        .collect();
    state.dialog = Some(Dialog::Menu(Menu { title: "Hetzner context".into(), items, cursor: 0 }));
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_commands_and_themes() {
        assert_eq!(complete("servers", &[]).as_deref(), Some("servers "));
        assert_eq!(complete("serv", &[]).as_deref(), Some("server"));
        assert_eq!(complete("dn", &[]).as_deref(), Some("dns "));
        assert_eq!(complete("theme l", &["default", "light"]).as_deref(), Some("theme light"));
        assert_eq!(complete("zzz", &[]), None);
    }
}
