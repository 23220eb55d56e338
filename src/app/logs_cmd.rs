//! Logs pane reducers: keys on a tab, and the `:tail`, `:exec`, `:save`
//! commands that open tabs. Part of `update`: State changes only here and there.

use super::action::Effect;
use super::logs::{RunState, TabKind};
use super::pane::Pane;
use super::prompt::{Prompt, PromptKind};
use super::state::{Level, State};
use super::update::switch_pane;
use crate::input::Command;
use crate::logs::Matcher;
use crate::ssh::HostRef;
use crate::ssh::tail::{TailSource, TailStatus};

/// Runs a command bound in the Logs pane (or a list command applied to it).
pub fn run(state: &mut State, cmd: Command) -> Vec<Effect> {
    let h = state.list_height();
    let Some(tab) = state.logs.current_mut() else {
        if cmd == Command::Filter || cmd == Command::Highlight {
            state.set_message(Level::Warn, "no log open: :tail app NAME, :tail file PATH on HOST, :exec HOST COMMAND");
        }
        return vec![];
    };
    match cmd {
        Command::Down => tab.scroll(1, h),
        Command::Up => tab.scroll(-1, h),
        Command::PageDown => tab.scroll(h as isize, h),
        Command::PageUp => tab.scroll(-(h as isize), h),
        Command::Top => tab.to_top(),
        Command::Bottom => tab.follow = true,
        Command::Follow => {
            tab.follow = !tab.follow;
            if !tab.follow {
                tab.anchor = tab.row_index(tab.top_row(h)).unwrap_or(0);
            }
        }
        Command::Filter => {
            let cur = tab.filter.as_ref().map(|f| f.source.clone()).unwrap_or_default();
            state.filter_before = Some(cur.clone());
            state.prompt = Some(Prompt::new(PromptKind::Filter, &cur));
        }
        Command::ClearFilter => tab.set_filter(None),
        Command::Highlight => {
            let cur = tab.highlight.as_ref().map(|f| f.source.clone()).unwrap_or_default();
            state.prompt = Some(Prompt::new(PromptKind::Highlight, &cur));
        }
        Command::NextMatch | Command::PrevMatch => {
            if tab.highlight.is_none() {
                state.set_message(Level::Warn, "no highlight set (m sets one)");
            } else if !tab.jump(cmd == Command::NextMatch, h) {
                state.set_message(Level::Info, "no more matches");
            }
        }
        Command::ToggleCase => {
            tab.case_sensitive = !tab.case_sensitive;
            let cs = tab.case_sensitive;
            if let Some(f) = tab.filter.as_ref().and_then(|f| f.with_case(cs)) {
                tab.set_filter(Some(f));
            }
            tab.highlight = tab.highlight.as_ref().and_then(|m| m.with_case(cs));
            state.set_message(Level::Info, if cs { "case-sensitive matching" } else { "case-insensitive matching" });
        }
        Command::ToggleWrap => tab.wrap = !tab.wrap,
        Command::ToggleTimestamps => tab.timestamps = !tab.timestamps,
        Command::SaveLog => {
            let name: String = tab.title.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
            state.prompt = Some(Prompt::new(PromptKind::SavePath, &format!("cutover-{name}-{stamp}.log")));
        }
        Command::ClearLog => tab.clear(),
        Command::CloseTab => {
            if let Some(t) = state.logs.close_current() {
                return match t.kind {
                    TabKind::Tail { .. } => vec![Effect::StopTail { tab: t.id }],
                    TabKind::Run { state: RunState::Running { .. } | RunState::Connecting, .. } => vec![Effect::CancelRun { tab: t.id }],
                    TabKind::Run { .. } => vec![],
                };
            }
        }
        Command::NextTab => {
            let n = state.logs.tabs.len();
            state.logs.active = (state.logs.active + 1) % n;
        }
        Command::PrevTab => {
            let n = state.logs.tabs.len();
            state.logs.active = (state.logs.active + n - 1) % n;
        }
        Command::CancelRun => {
            if let TabKind::Run { state: rs @ (RunState::Running { .. } | RunState::Connecting), .. } = &mut tab.kind {
                *rs = RunState::Cancelling;
                let id = tab.id;
                return vec![Effect::CancelRun { tab: id }];
            }
            state.set_message(Level::Info, "nothing running in this tab");
        }
        Command::Back => {
            if tab.filter.is_some() {
                tab.set_filter(None);
            } else if tab.highlight.is_some() {
                tab.highlight = None;
                tab.current_match = None;
            } else {
                tab.follow = true;
            }
        }
        _ => {}
    }
    vec![]
}

/// Live filtering as the user types.
pub fn apply_filter(state: &mut State, text: &str) {
    if let Some(tab) = state.logs.current_mut() {
        let m = Matcher::new(text, tab.case_sensitive);
        tab.set_filter(m);
    }
}

pub fn apply_highlight(state: &mut State, text: &str) {
    let h = state.list_height();
    if let Some(tab) = state.logs.current_mut() {
        tab.highlight = Matcher::new(text, tab.case_sensitive);
        tab.current_match = None;
        if tab.highlight.is_some() {
            // Land on the latest match, as a search from the bottom would.
            tab.follow = true;
            let found = tab.jump(false, h);
            if !found {
                state.set_message(Level::Info, format!("no line matches `{text}` yet"));
            }
        }
    }
}

pub fn save(state: &mut State, path: &str) -> Vec<Effect> {
    let Some(tab) = state.logs.current() else { return vec![] };
    let path = path.trim();
    if path.is_empty() {
        return vec![];
    }
    let (contents, lines) = tab.export();
    vec![Effect::WriteFile { path: path.to_string(), contents, lines }]
}

/// Where `name` runs: a Hetzner server, a Coolify server, or an ssh alias.
pub fn host(state: &State, name: &str) -> HostRef {
    if let Some(s) = state.servers.table.items().iter().find(|s| s.name == name || s.ipv4() == Some(name)) {
        return HostRef::Server { name: s.name.clone(), ipv4: s.ipv4().map(str::to_string) };
    }
    if let Some(inv) = &state.coolify
        && let Some(s) = inv.servers.iter().find(|s| s.name == name || s.ip == name)
    {
        return HostRef::Coolify { name: s.name.clone(), ip: s.ip.clone(), user: s.user.clone(), port: s.port };
    }
    HostRef::Alias(name.to_string())
}

/// The host of a Coolify application or database (by name or uuid).
pub fn resource_host(state: &State, kind: &str, name: &str) -> Result<(String, HostRef), String> {
    let inv = state.coolify.as_ref().ok_or("the Coolify resources are not loaded (no Coolify instance, or still loading)")?;
    let (uuid, server_uuid) = match kind {
        "app" => inv.app_by_name(name).map(|a| (a.uuid.clone(), a.server_uuid.clone())),
        _ => inv.db_by_name(name).map(|d| (d.uuid.clone(), d.server_uuid.clone())),
    }
    .ok_or_else(|| format!("no Coolify {} named `{name}`", if kind == "app" { "application" } else { "database" }))?;
    let server = server_uuid.and_then(|u| inv.server(&u)).ok_or_else(|| format!("Coolify does not say which server `{name}` runs on"))?;
    Ok((uuid, HostRef::Coolify { name: server.name.clone(), ip: server.ip.clone(), user: server.user.clone(), port: server.port }))
}

fn split_on(args: &str) -> (String, Option<String>) {
    match args.rsplit_once(" on ") {
        Some((a, h)) => (a.trim().to_string(), Some(h.trim().to_string())),
        None => (args.trim().to_string(), None),
    }
}

pub const TAIL_USAGE: &str = "usage: :tail app NAME [LINES] | db NAME | journal UNIT on HOST | file PATH on HOST | cmd COMMAND on HOST";

/// `:tail ...`
pub fn tail(state: &mut State, args: &str) -> Vec<Effect> {
    let (what, rest) = args.split_once(char::is_whitespace).map(|(a, b)| (a, b.trim())).unwrap_or((args, ""));
    let result: Result<(String, HostRef, TailSource), String> = match what {
        "app" | "db" => {
            let mut parts = rest.split_whitespace();
            let name = parts.next().unwrap_or("");
            let lines = parts.next().and_then(|n| n.parse().ok()).unwrap_or(200);
            resource_host(state, what, name).map(|(uuid, host)| (name.to_string(), host, TailSource::Container { uuid, lines }))
        }
        "journal" | "file" | "cmd" => match split_on(rest) {
            (arg, Some(h)) if !arg.is_empty() => {
                let host = host(state, &h);
                let source = match what {
                    "journal" => TailSource::Journal { unit: arg.clone() },
                    "file" => TailSource::File { path: arg.clone() },
                    _ => TailSource::Command(arg.clone()),
                };
                Ok((format!("{} {arg}", host.label()), host, source))
            }
            _ => Err(TAIL_USAGE.into()),
        },
        _ => Err(TAIL_USAGE.into()),
    };
    match result {
        Ok((title, host, source)) => {
            let kind = TabKind::Tail { source: source.clone(), status: TailStatus::Connecting };
            let tab = state.logs.open(title, host.clone(), kind);
            let _ = switch_pane(state, Pane::Logs);
            vec![Effect::StartTail { tab, host, source }]
        }
        Err(e) => {
            state.set_message(Level::Error, e);
            vec![]
        }
    }
}

pub const EXEC_USAGE: &str = "usage: :exec HOST COMMAND... | :exec app NAME COMMAND... (inside the application's container)";

/// `:exec ...`
pub fn exec(state: &mut State, args: &str) -> Vec<Effect> {
    let mut words = args.splitn(2, char::is_whitespace);
    let first = words.next().unwrap_or("");
    let rest = words.next().unwrap_or("").trim();
    let parsed: Result<(HostRef, Option<String>, String, String), String> = if first == "app" {
        let mut w = rest.splitn(2, char::is_whitespace);
        let name = w.next().unwrap_or("");
        let command = w.next().unwrap_or("").trim().to_string();
        if command.is_empty() {
            Err(EXEC_USAGE.into())
        } else {
            resource_host(state, "app", name).map(|(uuid, host)| (host, Some(uuid), command, name.to_string()))
        }
    } else if first.is_empty() || rest.is_empty() {
        Err(EXEC_USAGE.into())
    } else {
        Ok((host(state, first), None, rest.to_string(), first.to_string()))
    };
    match parsed {
        Ok((host, container, command, on)) => {
            if state.readonly {
                // A command can change anything on the server.
                state.set_message(Level::Warn, "read-only: running commands is disabled (start without --readonly)");
                return vec![];
            }
            let title = format!("{on}$ {command}");
            let kind = TabKind::Run { command: command.clone(), container: container.clone(), state: RunState::Connecting };
            let tab = state.logs.open(title, host.clone(), kind);
            let _ = switch_pane(state, Pane::Logs);
            vec![Effect::Run { tab, host, command, container }]
        }
        Err(e) => {
            state.set_message(Level::Error, e);
            vec![]
        }
    }
}
