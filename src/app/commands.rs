//! Command mode (`:`): one table of words. A pane's names show that pane (and
//! pass the rest of the line to it); the others are in [`COMMANDS`]. Completion
//! and `:help` read the same table, so they cannot drift from what runs.

use super::action::Effect;
use super::dialog::{Dialog, Menu, MenuItem, Then};
use super::panes::PaneId;
use super::state::{Level, Overlay, State};
use super::update::{call, command, switch_pane};
use crate::input::Command;

/// What a word does.
#[derive(Clone, Copy)]
pub(crate) enum Run {
    /// The router does it.
    Router(fn(&mut State, &str) -> Vec<Effect>),
    /// Shows the pane and hands it the word and its arguments.
    Pane(PaneId),
}

pub(crate) struct LineCommand {
    /// The name first, then aliases.
    pub names: &'static [&'static str],
    pub usage: &'static str,
    pub help: &'static str,
    /// What read-only mode refuses, when the command changes something.
    pub writes: Option<&'static str>,
    pub run: Run,
}

pub(crate) const COMMANDS: &[LineCommand] = &[
    LineCommand {
        names: &["tail"],
        usage: ":tail app|db NAME, journal|file|cmd X on HOST",
        help: "Open a log tail in the Logs pane",
        writes: None,
        run: Run::Pane(PaneId::Logs),
    },
    LineCommand {
        names: &["exec", "run"],
        usage: ":exec HOST CMD, :exec app NAME CMD",
        help: "Run a command on a server or in an app's container",
        writes: Some("running commands is disabled (start without --readonly)"),
        run: Run::Pane(PaneId::Logs),
    },
    LineCommand {
        names: &["save", "w"],
        usage: ":save PATH",
        help: "Save the current log tab (or its filtered view)",
        writes: None,
        run: Run::Pane(PaneId::Logs),
    },
    LineCommand {
        names: &["ctx", "context"],
        usage: ":ctx [name]",
        help: "Switch the Hetzner context (no name: choose)",
        writes: None,
        run: Run::Router(context),
    },
    LineCommand {
        names: &["theme", "themes"],
        usage: ":theme [name]",
        help: "Switch theme (no name: list themes)",
        writes: None,
        run: Run::Router(theme),
    },
    LineCommand {
        names: &["keymap", "keymaps"],
        usage: ":keymap [name]",
        help: "Switch keymap (no name: list keymaps)",
        writes: None,
        run: Run::Router(keymap),
    },
    LineCommand {
        names: &["refresh", "r", "reload"],
        usage: ":refresh",
        help: "Reload the current pane",
        writes: None,
        run: Run::Router(|s, rest| no_args(s, "refresh", rest).unwrap_or_else(|| command(s, Command::Refresh))),
    },
    LineCommand {
        names: &["help", "h"],
        usage: ":help",
        help: "Show keys",
        writes: None,
        run: Run::Router(|s, _| overlay(s, Overlay::Help { scroll: 0 })),
    },
    LineCommand {
        names: &["messages", "mes"],
        usage: ":messages",
        help: "Recent messages in full",
        writes: None,
        run: Run::Router(|s, _| overlay(s, Overlay::Messages { scroll: 0 })),
    },
    LineCommand { names: &["quit", "q", "q!", "qa", "exit"], usage: ":q", help: "Quit", writes: None, run: Run::Router(quit) },
];

/// A command that takes no arguments refuses some rather than ignoring them.
fn no_args(state: &mut State, word: &str, rest: &str) -> Option<Vec<Effect>> {
    if rest.is_empty() {
        return None;
    }
    state.set_message(Level::Error, format!("`:{word}` takes no arguments (`{rest}` given)"));
    Some(vec![])
}

fn overlay(state: &mut State, o: Overlay) -> Vec<Effect> {
    state.overlay = Some(o);
    vec![]
}

fn quit(state: &mut State, _: &str) -> Vec<Effect> {
    state.quit = true;
    vec![]
}

/// The words completion offers: pane names and the table's names (not
/// their aliases: `th` completes to `theme`, not to `theme`/`themes`).
pub(crate) fn words() -> Vec<&'static str> {
    let mut w: Vec<&'static str> = PaneId::ALL.iter().map(|p| p.names()[0]).collect();
    w.extend(COMMANDS.iter().map(|c| c.names[0]));
    w.sort();
    w
}

/// Every word, aliases too (completion falls back on them).
pub(crate) fn all_words() -> Vec<&'static str> {
    let mut w: Vec<&'static str> = PaneId::ALL.iter().flat_map(|p| p.names().iter().copied()).collect();
    w.extend(COMMANDS.iter().flat_map(|c| c.names.iter().copied()));
    w.sort();
    w
}

/// `:help`'s list: (usage, what it does).
pub(crate) fn help_lines() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = PaneId::ALL
        .iter()
        .map(|p| {
            let names = p.names();
            let mut usage = format!(":{} ({})", names[0], names[1..].join(", "));
            if *p == PaneId::Servers {
                usage.push_str(" [label selector]");
            }
            (usage, p.title())
        })
        .collect();
    for c in COMMANDS {
        let aliases = if c.names.len() > 1 { format!(" ({})", c.names[1..].join(", ")) } else { String::new() };
        out.push((format!("{}{aliases}", c.usage), c.help));
    }
    out
}

pub(crate) fn execute(state: &mut State, line: &str) -> Vec<Effect> {
    let line = line.trim().trim_start_matches(':').trim();
    if line.is_empty() {
        return vec![];
    }
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    if let Some(pane) = PaneId::from_name(word) {
        let mut e = switch_pane(state, pane);
        e.extend(call(state, pane, |p, cx| p.get_mut(pane).on_line(word, rest, cx)));
        return e;
    }
    // Lets the terminal tests check that a panic restores the terminal (debug builds only).
    #[cfg(debug_assertions)]
    match word {
        "debug-panic" => panic!("debug-panic requested from command mode"),
        "debug-job-panic" => return vec![Effect::Panic],
        _ => {}
    }
    let Some(c) = COMMANDS.iter().find(|c| c.names.contains(&word)) else {
        // The names first (one per thing), then the aliases.
        let names: Vec<String> = words().into_iter().map(str::to_string).collect();
        let mut near = super::completion::near(&names, word);
        if near.is_empty() {
            let all: Vec<String> = all_words().into_iter().map(str::to_string).collect();
            near = super::completion::near(&all, word);
        }
        let hint = match near.as_slice() {
            [] => String::new(),
            n => format!(": did you mean {}?", n.iter().take(3).map(|w| format!(":{w}")).collect::<Vec<_>>().join(", ")),
        };
        state.set_message(Level::Error, format!("unknown command `{word}`{hint} (:help lists commands, Tab completes)"));
        return vec![];
    };
    if let (Some(why), true) = (c.writes, state.readonly) {
        state.set_message(Level::Warn, format!("read-only: {why}"));
        return vec![];
    }
    match c.run {
        Run::Router(f) => f(state, rest),
        Run::Pane(pane) => call(state, pane, |p, cx| p.get_mut(pane).on_line(word, rest, cx)),
    }
}

fn theme(state: &mut State, rest: &str) -> Vec<Effect> {
    let list = state.theme_names().join(", ");
    if rest.is_empty() {
        let cur = state.styles.theme.clone();
        state.set_message(Level::Info, format!("theme {cur} (available: {list})"));
        return vec![];
    }
    match state.themes.iter().find(|t| t.name == rest) {
        Some(t) => {
            state.styles = t.resolve(state.depth);
            state.set_message(Level::Ok, format!("theme {rest}"));
        }
        None => state.set_message(Level::Error, format!("no theme `{rest}` (available: {list})")),
    }
    vec![]
}

fn keymap(state: &mut State, rest: &str) -> Vec<Effect> {
    let list = state.keymaps.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", ");
    if rest.is_empty() {
        let cur = state.keymap.name.clone();
        state.set_message(Level::Info, format!("keymap {cur} (available: {list})"));
        return vec![];
    }
    match state.keymaps.iter().find(|k| k.name == rest) {
        Some(k) => {
            state.keymap = k.clone();
            state.set_message(Level::Ok, format!("keymap {rest} (? shows its keys)"));
        }
        None => state.set_message(Level::Error, format!("no keymap `{rest}` (available: {list})")),
    }
    vec![]
}

/// `:ctx` lists the Hetzner contexts; `:ctx NAME` switches.
fn context(state: &mut State, name: &str) -> Vec<Effect> {
    if !name.is_empty() {
        return vec![Effect::SwitchContext { name: name.to_string() }];
    }
    let cur = state.world.context_name();
    if state.world.contexts.hetzner_all.is_empty() {
        state.set_message(Level::Info, format!("one context: {cur} (add more with `hcloud context create` or [[hetzner]] in config.toml)"));
        return vec![];
    }
    let items = state
        .world
        .contexts
        .hetzner_all
        .iter()
        .map(|(n, origin)| MenuItem {
            label: if *n == cur { format!("{n} (active)") } else { n.clone() },
            detail: origin.clone(),
            then: Then::Effects(vec![Effect::SwitchContext { name: n.clone() }]),
        })
        .collect();
    state.dialog = Some((state.pane, Dialog::Menu(Menu { title: "Hetzner context".into(), items, cursor: 0 })));
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_word_means_two_things() {
        let mut all: Vec<&str> = PaneId::ALL.iter().flat_map(|p| p.names().iter().copied()).collect();
        all.extend(COMMANDS.iter().flat_map(|c| c.names.iter().copied()));
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a word claimed twice would never reach one of its owners");
    }
}
