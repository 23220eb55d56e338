//! `update(state, action, now) -> effects`: the only place State changes. A
//! router: what is on top (questions, dialogs, prompts, overlays) takes keys
//! first; then global commands; then one read-only check; then the pane shown.
//! Results go to the world or to the pane that asked for them.

use super::action::{Action, Effect};
use super::chrome;
use super::cx::{Cx, Load, NoticeOp, Out, Request};
use super::dialog::Dialog;
use super::panes::{PaneId, Panes};
use super::prompt::{Prompt, PromptKind};
use super::state::{Level, Overlay, State};
use super::world::WorldMsg;
use crate::input::{Command, Key, Scope};
use chrono::{DateTime, Utc};

/// Effects to run when the console starts.
pub fn init(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    state.now = now;
    let mut e = Vec::new();
    if state.world.contexts.hetzner.is_some() {
        e.extend(state.world.load(Load::Servers { quiet: false }, true));
        e.extend(state.world.load(Load::Pricing, true));
    }
    if state.world.contexts.coolify.is_some() {
        e.extend(state.world.load(Load::CoolifyVersion, true));
        e.extend(state.world.load(Load::Coolify, true));
    }
    // Unfinished runs are offered for resuming as soon as the console starts.
    e.extend(call(state, PaneId::Checklist, |p, cx| p.get_mut(PaneId::Checklist).on_show(cx)));
    state.jobs.started(&e);
    e
}

pub fn update(state: &mut State, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    state.now = now;
    let effects = match action {
        Action::Key(key) => {
            // What the operator's own key says is never held back by an earlier warning.
            state.message_held_since = None;
            on_key(state, key)
        }
        Action::Paste(text) => match &mut state.prompt {
            Some(p) => {
                p.insert(&text.replace(['\n', '\r'], " "));
                chrome::live_filter(state)
            }
            None => vec![],
        },
        Action::Resize(w, h) => {
            state.size = (w, h);
            let height = state.list_height();
            for id in PaneId::ALL {
                state.panes.get_mut(*id).relayout(height);
            }
            vec![]
        }
        Action::World(msg) => {
            if let WorldMsg::ContextSwitched(Ok((_, _, ro))) = &msg {
                state.readonly = state.readonly_base || *ro;
            }
            let mut out = Out::default();
            let changed = state.world.apply(msg, &mut out);
            let mut e = apply_out(state, state.pane, out);
            if let Some(c) = changed {
                for id in PaneId::ALL {
                    e.extend(call(state, *id, |p, cx| p.get_mut(*id).on_world(c, cx)));
                }
            }
            e
        }
        Action::Pane(msg) => {
            let id = msg.pane();
            call(state, id, |p, cx| msg.dispatch(p, cx))
        }
        Action::OpDone { to, label, result, after } => {
            state.jobs.progress = None;
            match &result {
                Ok(m) => state.set_message(Level::Ok, m.clone()),
                Err(e) => state.set_message(Level::Error, format!("{label}: {e}")),
            }
            call(state, to, |p, cx| p.get_mut(to).on_op_done(&after, result.is_ok(), cx))
        }
        other => {
            chrome::apply(state, other);
            vec![]
        }
    };
    let effects = guard_readonly(state, effects);
    state.jobs.started(&effects);
    effects
}

/// Read-only refuses every write, whatever asked for it (a dialog opened
/// before a context turned read-only, say).
fn guard_readonly(state: &mut State, effects: Vec<Effect>) -> Vec<Effect> {
    if !state.readonly {
        return effects;
    }
    let (writes, rest): (Vec<Effect>, Vec<Effect>) = effects.into_iter().partition(Effect::writes);
    if let Some(w) = writes.first() {
        state.set_message(Level::Warn, format!("read-only: not {}", w.label()));
    }
    rest
}

/// Runs `f` on the panes with a context for pane `id`, then applies what it asked for.
pub(super) fn call(state: &mut State, id: PaneId, f: impl FnOnce(&mut Panes, &mut Cx) -> Vec<Effect>) -> Vec<Effect> {
    let mut out = Out::default();
    let mut cx = Cx {
        world: &state.world,
        readonly: state.readonly,
        height: (state.size.1 as usize).saturating_sub(6).max(1),
        width: state.size.0.saturating_sub(2),
        now: state.now,
        shown: state.pane == id,
        out: &mut out,
    };
    let mut effects = f(&mut state.panes, &mut cx);
    effects.extend(apply_out(state, id, out));
    effects
}

/// What a pane (or the world) asked for: messages, a dialog, a prompt,
/// navigation and loads.
fn apply_out(state: &mut State, owner: PaneId, out: Out) -> Vec<Effect> {
    for m in out.messages {
        state.set_message(m.level, m.text);
    }
    match out.notice {
        Some(NoticeOp::Set(m)) => state.notice = Some(m),
        Some(NoticeOp::Clear) => state.notice = None,
        None => {}
    }
    if let Some(d) = out.dialog {
        state.dialog = Some((owner, d));
    }
    if let Some(p) = out.prompt {
        state.prompt = Some(p);
        state.prompt_owner = Some(owner);
    }
    let mut e = Vec::new();
    for r in out.requests {
        e.extend(match r {
            Request::Go(pane, focus) => {
                let mut e = switch_pane(state, pane);
                if let Some(id) = focus {
                    e.extend(call(state, pane, |p, cx| p.get_mut(pane).focus(&id, cx)));
                }
                e
            }
            Request::Load(what, force) => state.world.load(what, force),
            Request::ReloadAll => {
                let mut e = Vec::new();
                for id in PaneId::ALL {
                    e.extend(call(state, *id, |p, cx| p.get_mut(*id).reload(cx)));
                }
                e
            }
        });
    }
    e
}

/// Shows a pane; returns what it needs loaded.
pub(super) fn switch_pane(state: &mut State, pane: PaneId) -> Vec<Effect> {
    if pane != state.pane {
        state.last_pane = state.pane;
        state.pane = pane;
    }
    state.overlay = None;
    call(state, pane, |p, cx| p.get_mut(pane).on_show(cx))
}

/// The keymap scopes in force, most specific first.
pub fn scopes(state: &State) -> Vec<Scope> {
    if state.prompt.is_some() || !state.modals.is_empty() {
        return vec![Scope::Prompt];
    }
    match &state.dialog {
        Some((_, Dialog::Menu(_))) => return vec![Scope::Prompt, Scope::List],
        Some(_) => return vec![Scope::Prompt],
        None => {}
    }
    if state.overlay.is_some() {
        // Scrolling as in a detail view; g/G and paging as in a list.
        return vec![Scope::Detail, Scope::List, Scope::Global];
    }
    view_scopes(state)
}

/// The scopes of the pane's view, ignoring anything on top (what `?` describes).
pub fn view_scopes(state: &State) -> Vec<Scope> {
    let mut s = state.panes.get(state.pane).scopes().to_vec();
    s.push(Scope::Global);
    s
}

fn on_key(state: &mut State, key: Key) -> Vec<Effect> {
    let cmd = state.keymap.lookup(&scopes(state), key);
    if !state.modals.is_empty() {
        return chrome::modal_key(state, key, cmd);
    }
    if state.dialog.is_some() {
        return chrome::dialog_key(state, key, cmd);
    }
    if state.prompt.is_some() {
        return chrome::prompt_key(state, key, cmd);
    }
    match cmd {
        Some(cmd) => command(state, cmd),
        None => vec![],
    }
}

/// Runs a bound command.
pub fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    if let Some(ov) = state.overlay {
        let (scroll, make): (u16, fn(u16) -> Overlay) = match ov {
            Overlay::Help { scroll } => (scroll, |s| Overlay::Help { scroll: s }),
            Overlay::Messages { scroll } => (scroll, |s| Overlay::Messages { scroll: s }),
        };
        // Help knows where it ends; the message log (wrapped when drawn) is
        // bounded by its length.
        let max = match ov {
            Overlay::Help { .. } => super::help::max_scroll(state),
            Overlay::Messages { .. } => state.message_log.len().saturating_sub(1).min(u16::MAX as usize) as u16,
        };
        let page = (state.size.1 as usize).saturating_sub(8).max(1).min(u16::MAX as usize) as u16;
        let to = |s: u16| make(s.min(max));
        match cmd {
            Command::ScrollDown | Command::Down => return overlay(state, to(scroll.saturating_add(1))),
            Command::ScrollUp | Command::Up => return overlay(state, to(scroll.saturating_sub(1))),
            Command::PageDown => return overlay(state, to(scroll.saturating_add(page))),
            Command::PageUp => return overlay(state, to(scroll.saturating_sub(page))),
            Command::Top => return overlay(state, to(0)),
            Command::Bottom => return overlay(state, to(max)),
            Command::Back | Command::Help => {
                state.overlay = None;
                return vec![];
            }
            Command::Quit => {}
            _ => state.overlay = None,
        }
    }
    let pane = state.pane;
    let tab = |n: usize| PaneId::tabs().nth(n).unwrap_or(PaneId::Servers);
    match cmd {
        Command::Quit => state.quit = true,
        Command::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Command::CommandMode => state.prompt = Some(Prompt::new(PromptKind::Command, "")),
        Command::Filter => match state.panes.get(pane).filter() {
            Some(cur) => {
                state.filter_before = Some(cur.clone());
                // A new filter replaces the old one (k9s, less): the old one is a
                // history entry away (<Up>), and <Esc> keeps it.
                state.prompt = Some(Prompt::new(PromptKind::Filter, ""));
            }
            // No list to filter: the pane says why.
            None => return call(state, pane, |p, cx| p.get_mut(pane).on_command(cmd, cx)),
        },
        Command::ClearFilter => return set_filter(state, ""),
        Command::PaneServers => return switch_pane(state, tab(0)),
        Command::PaneDeployments => return switch_pane(state, tab(1)),
        Command::PaneDns => return switch_pane(state, tab(2)),
        Command::PaneDatabases => return switch_pane(state, tab(3)),
        Command::PaneLogs => return switch_pane(state, tab(4)),
        Command::PaneChecklist => return switch_pane(state, tab(5)),
        Command::NextPane | Command::PrevPane => return switch_pane(state, pane.next_tab(cmd == Command::NextPane)),
        Command::LastPane => return switch_pane(state, state.last_pane),
        Command::Suspend => return vec![Effect::Suspend],
        _ => {
            if state.readonly
                && let Some(why) = state.panes.get(pane).writes(cmd)
            {
                state.set_message(Level::Warn, format!("read-only: {why}"));
                return vec![];
            }
            return call(state, pane, |p, cx| p.get_mut(pane).on_command(cmd, cx));
        }
    }
    vec![]
}

fn overlay(state: &mut State, o: Overlay) -> Vec<Effect> {
    state.overlay = Some(o);
    vec![]
}

/// Applies the `/` filter to the pane shown.
pub(super) fn set_filter(state: &mut State, text: &str) -> Vec<Effect> {
    let pane = state.pane;
    call(state, pane, |p, cx| {
        p.get_mut(pane).set_filter(text, cx);
        vec![]
    })
}
