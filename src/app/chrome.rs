//! The chrome around the panes: keys while something is on top of the pane
//! (a question from a job, a dialog whose form goes back to the pane that
//! opened it, a prompt), and the actions that only touch the chrome.

use super::action::{Action, Effect};
use super::commands;
use super::dialog::{self, Dialog, Outcome, Then};
use super::modal::Modal;
use super::panes::PaneId;
use super::prompt::{PromptKind, remember};
use super::state::Level;
use super::state::State;
use super::update::{call, set_filter};
use crate::input::{Command, Key};

/// Keys while a dialog is open.
pub(super) fn dialog_key(state: &mut State, key: Key, cmd: Option<Command>) -> Vec<Effect> {
    let Some((owner, d)) = state.dialog.as_mut() else { return vec![] };
    let owner = *owner;
    match dialog::key(d, key, cmd) {
        Outcome::Stay => vec![],
        Outcome::Pick(src) => {
            let names = super::completion::names(state, &src);
            if let Some((_, Dialog::Form(f))) = state.dialog.as_mut() {
                if names.is_empty() {
                    let why = format!("no {} to pick from (not loaded yet, or none in this context): type the name", src.what());
                    f.error = Some(why);
                } else {
                    let query = f.fields.get(f.focus).map(|fld| fld.value().to_string()).unwrap_or_default();
                    f.picker = Some(dialog::Picker::new(f.focus, src.what(), names, &query));
                }
            }
            vec![]
        }
        Outcome::Close => {
            state.dialog = None;
            vec![]
        }
        Outcome::Then(t) => {
            state.dialog = None;
            then(state, owner, t)
        }
        Outcome::Submit(form) => {
            state.dialog = None;
            let mut r = Ok(Then::Effects(vec![]));
            let mut e = call(state, owner, |p, cx| {
                r = p.get_mut(owner).submit(*form, cx);
                vec![]
            });
            match r {
                Ok(t) => e.extend(then(state, owner, t)),
                Err(form) => state.dialog = Some((owner, Dialog::Form(*form))),
            }
            e
        }
    }
}

fn then(state: &mut State, owner: PaneId, t: Then) -> Vec<Effect> {
    match t {
        Then::Dialog(d) => {
            state.dialog = Some((owner, *d));
            vec![]
        }
        Then::Effects(e) => e,
        Then::Command(c) => commands::execute(state, &c),
    }
}

/// Keys while a question from a background job is shown.
pub(super) fn modal_key(state: &mut State, key: Key, cmd: Option<Command>) -> Vec<Effect> {
    let answer = match cmd {
        Some(Command::Submit) => Some(state.modals.first().map(|m| crate::config::Secret::new(m.input.text.clone()))),
        Some(Command::Cancel) => Some(None),
        _ => None,
    };
    match answer {
        Some(answer) if !state.modals.is_empty() => {
            let m = state.modals.remove(0);
            vec![Effect::Answer { id: m.id, answer }]
        }
        _ => {
            if let Some(m) = state.modals.first_mut() {
                m.input.edit(key);
            }
            vec![]
        }
    }
}

pub(super) fn prompt_key(state: &mut State, key: Key, cmd: Option<Command>) -> Vec<Effect> {
    let Some(mut prompt) = state.prompt.take() else { return vec![] };
    let history = if prompt.kind == PromptKind::Command { &state.command_history } else { &state.filter_history };
    match cmd {
        Some(Command::Submit) => {
            let line = prompt.text.clone();
            let owner = state.prompt_owner.take().unwrap_or(state.pane);
            return match prompt.kind {
                PromptKind::Command => {
                    remember(&mut state.command_history, &line);
                    commands::execute(state, &line)
                }
                PromptKind::Filter => {
                    remember(&mut state.filter_history, &line);
                    state.filter_before = None;
                    set_filter(state, &line)
                }
                kind => {
                    if kind == PromptKind::Highlight {
                        remember(&mut state.filter_history, &line);
                    }
                    call(state, owner, |p, cx| p.get_mut(owner).on_prompt(kind, &line, cx))
                }
            };
        }
        Some(Command::Cancel) => {
            state.prompt_owner = None;
            if prompt.kind == PromptKind::Filter {
                let before = state.filter_before.take().unwrap_or_default();
                return set_filter(state, &before);
            }
            return vec![];
        }
        Some(Command::HistoryPrev) => prompt.history_prev(history),
        Some(Command::HistoryNext) => prompt.history_next(history),
        Some(Command::Complete) if prompt.kind == PromptKind::Command => {
            super::completion::tab(&mut prompt, false, |left| super::completion::for_command(state, left));
        }
        _ if key.code == crossterm::event::KeyCode::BackTab && prompt.kind == PromptKind::Command => {
            super::completion::tab(&mut prompt, true, |left| super::completion::for_command(state, left));
        }
        _ => {
            prompt.edit(key);
        }
    }
    state.prompt = Some(prompt);
    live_filter(state)
}

/// Filters as the user types, like k9s.
pub(super) fn live_filter(state: &mut State) -> Vec<Effect> {
    match state.prompt.as_ref().filter(|p| p.kind == PromptKind::Filter) {
        Some(p) => {
            let text = p.text.clone();
            set_filter(state, &text)
        }
        None => vec![],
    }
}

/// An action for the chrome only (messages, questions, jobs, the spinner).
pub(super) fn apply(state: &mut State, action: Action) {
    match action {
        Action::Tick => state.jobs.spinner = state.jobs.spinner.wrapping_add(1),
        Action::Progress { label, percent } => state.jobs.progress = Some((label, percent)),
        Action::Ask { id, question } => state.modals.push(Modal::new(id, question)),
        Action::Withdrawn { id } => {
            let before = state.modals.len();
            state.modals.retain(|m| m.id != id);
            if state.modals.len() < before {
                state.set_message(Level::Warn, "question withdrawn: the connection attempt that asked it has ended");
            }
        }
        Action::Saved(Ok(m)) => state.set_message(Level::Ok, m),
        Action::Saved(Err(e)) => state.set_message(Level::Error, e),
        Action::JobFinished(label) => state.jobs.finished(label),
        Action::JobFailed { label, message } => {
            state.jobs.progress = None;
            state.set_message(Level::Error, format!("{label} failed: internal error: {message}"));
        }
        Action::Notice { level, text } => state.set_message(level, text),
        Action::Playing(p) => state.playing = p,
        Action::Quit => state.quit = true,
        Action::SetReadonly(on) => state.readonly = on,
        // The router handles the others.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Keymap;
    use crate::ssh::Question;
    use crate::theme::{ColorDepth, Theme};

    #[test]
    fn a_warning_is_not_replaced_by_a_routine_message_for_a_while() {
        let themes = Theme::load_all(None).unwrap();
        let mut s = State::new(Keymap::builtin("default").unwrap(), themes, "default", ColorDepth::TrueColor, false, false);
        s.set_message(Level::Warn, "its outcome is unknown: check it first (v)");
        s.set_message(Level::Ok, "8 servers loaded");
        assert_eq!(s.message.as_ref().unwrap().text, "its outcome is unknown: check it first (v)");
        assert!(s.message_log.iter().any(|(_, m)| m.text == "8 servers loaded"), "kept in the log");
        s.now += crate::app::state::HOLD;
        s.set_message(Level::Ok, "8 servers loaded");
        assert_eq!(s.message.as_ref().unwrap().text, "8 servers loaded");
    }

    #[test]
    fn a_withdrawn_question_leaves_the_screen_and_says_why() {
        let themes = Theme::load_all(None).unwrap();
        let mut s = State::new(Keymap::builtin("default").unwrap(), themes, "default", ColorDepth::TrueColor, false, false);
        let q = |n: &str| Question::Password { user: "root".into(), host: n.into() };
        apply(&mut s, Action::Ask { id: 1, question: q("a") });
        apply(&mut s, Action::Ask { id: 2, question: q("b") });
        apply(&mut s, Action::Withdrawn { id: 1 });
        assert_eq!(s.modals.iter().map(|m| m.id).collect::<Vec<_>>(), [2]);
        assert!(s.message.as_ref().is_some_and(|m| m.text.contains("withdrawn")));
        // Withdrawing what is gone already says nothing.
        s.message = None;
        apply(&mut s, Action::Withdrawn { id: 9 });
        assert!(s.message.is_none());
    }
}
