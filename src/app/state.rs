//! All of the console's state: the chrome (what is on top: overlays, dialogs,
//! prompts, questions; messages; jobs), the shared [`World`] and every pane.
//! Only `update` changes it; `ui` only reads it.

use super::action::Jobs;
use super::dialog::Dialog;
use super::modal::Modal;
use super::panes::{PaneId, Panes};
use super::prompt::Prompt;
use super::world::World;
use crate::input::Keymap;
use crate::theme::{ColorDepth, Styles, Theme};
use chrono::{DateTime, Utc};

/// How long a warning or an error stays over routine messages.
pub const HOLD: chrono::TimeDelta = chrono::TimeDelta::seconds(8);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Warn,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    /// `:messages`: recent status messages in full.
    Messages {
        scroll: u16,
    },
}

pub struct State {
    pub pane: PaneId,
    pub last_pane: PaneId,
    pub overlay: Option<Overlay>,
    pub prompt: Option<Prompt>,
    /// The pane a prompt belongs to (its answer goes there).
    pub prompt_owner: Option<PaneId>,
    /// A dialog and the pane that opened it (its form goes back there).
    pub dialog: Option<(PaneId, Dialog)>,
    /// Questions waiting for the operator, oldest first.
    pub modals: Vec<Modal>,
    pub command_history: Vec<String>,
    pub filter_history: Vec<String>,
    /// The filter in force before the filter prompt opened (restored on cancel).
    pub filter_before: Option<String>,
    pub message: Option<Message>,
    /// When the shown message was set, if it is a warning or an error: a
    /// routine message does not replace it for `HOLD` (the operator would
    /// miss why their key did nothing).
    pub message_held_since: Option<chrono::DateTime<chrono::Utc>>,
    /// A live playbook's step, drawn at the right of the status line.
    pub playing: Option<String>,
    /// What waits for the operator (an unfinished run): routine messages do
    /// not replace it; it goes when acted on.
    pub notice: Option<Message>,
    /// The last status messages with their time, newest last.
    pub message_log: Vec<(String, Message)>,
    pub jobs: Jobs,
    pub quit: bool,
    pub size: (u16, u16),
    /// The time of the action being applied (time is an input).
    pub now: DateTime<Utc>,
    pub readonly: bool,
    /// Read-only from the command line or config (a context may add its own).
    pub readonly_base: bool,
    pub ascii: bool,
    /// Square corners (TERM=linux: the console's fonts have no rounded ones).
    pub square_corners: bool,
    pub depth: ColorDepth,
    pub keymap: Keymap,
    /// The keymaps `:keymap` switches between (the built-ins and the user's).
    pub keymaps: Vec<Keymap>,
    pub themes: Vec<Theme>,
    pub styles: Styles,
    pub world: World,
    pub panes: Panes,
}

impl State {
    /// `themes` must hold `theme`.
    pub fn new(keymap: Keymap, themes: Vec<Theme>, theme: &str, depth: ColorDepth, ascii: bool, readonly: bool) -> State {
        let styles = themes
            .iter()
            .find(|t| t.name == theme)
            .or(themes.first())
            .map(|t| t.resolve(depth))
            // The built-in themes are compiled in and covered by tests.
            .unwrap_or_else(|| Theme::fallback().resolve(depth));
        State {
            pane: PaneId::Servers,
            last_pane: PaneId::Servers,
            overlay: None,
            prompt: None,
            prompt_owner: None,
            dialog: None,
            modals: Vec::new(),
            command_history: Vec::new(),
            filter_history: Vec::new(),
            filter_before: None,
            message: None,
            message_held_since: None,
            playing: None,
            notice: None,
            message_log: Vec::new(),
            jobs: Jobs::default(),
            quit: false,
            size: (80, 24),
            now: DateTime::<Utc>::UNIX_EPOCH,
            readonly,
            readonly_base: readonly,
            ascii,
            square_corners: false,
            depth,
            // The built-ins (compiled in, covered by tests); setup adds the user's.
            keymaps: Keymap::load_all(None).unwrap_or_else(|_| vec![keymap.clone()]),
            keymap,
            themes,
            styles,
            world: World::default(),
            panes: Panes::default(),
        }
    }

    pub fn set_message(&mut self, level: Level, text: impl Into<String>) {
        let m = Message { level, text: text.into() };
        let at = self.now.with_timezone(&chrono::Local).format("%H:%M:%S").to_string();
        self.message_log.push((at, m.clone()));
        if self.message_log.len() > 200 {
            self.message_log.remove(0);
        }
        let routine = matches!(level, Level::Info | Level::Ok);
        let held = self.message_held_since.is_some_and(|t| self.now.signed_duration_since(t) < HOLD);
        if routine && held {
            // Kept in the message log (`:messages`), not shown over the warning.
            return;
        }
        self.message_held_since = (!routine).then_some(self.now);
        self.message = Some(m);
    }

    /// Rows available to a pane's list (screen minus header, tabs, borders, column
    /// header and status line). Kept here so paging and scrolling agree with the UI.
    pub fn list_height(&self) -> usize {
        (self.size.1 as usize).saturating_sub(6).max(1)
    }

    /// When what is on screen next changes with time alone ("2s ago"):
    /// the render loop wakes then, and not at all while nothing would.
    pub fn next_clock(&self) -> Option<DateTime<Utc>> {
        match self.pane {
            PaneId::Databases | PaneId::Versions => self.world.backups_clock(),
            PaneId::Deployments => self.panes.deployments.clock(self.now),
            _ => None,
        }
    }

    pub fn theme_names(&self) -> Vec<&str> {
        self.themes.iter().map(|t| t.name.as_str()).collect()
    }
}
