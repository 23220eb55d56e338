//! All of the console's state. Only `update` changes it; `ui` only reads it.

use super::logs::LogsPane;
use super::modal::Modal;
use super::pane::Pane;
use super::prompt::Prompt;
use super::servers::ServersPane;
use crate::hetzner::RateLimit;
use crate::input::Keymap;
use crate::theme::{ColorDepth, Styles, Theme};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Warn,
    Error,
}

#[derive(Clone, Debug)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help { scroll: u16 },
}

/// What the header shows about where cutover is pointed.
#[derive(Clone, Debug, Default)]
pub struct Contexts {
    pub hetzner: Option<String>,
    pub hetzner_endpoint: Option<String>,
    pub coolify: Option<String>,
    pub coolify_version: Option<String>,
    pub coolify_error: Option<String>,
}

pub struct State {
    pub pane: Pane,
    pub last_pane: Pane,
    pub overlay: Option<Overlay>,
    pub prompt: Option<Prompt>,
    pub command_history: Vec<String>,
    pub filter_history: Vec<String>,
    /// The filter in force before the filter prompt opened (restored on cancel).
    pub filter_before: Option<String>,
    pub servers: ServersPane,
    pub logs: LogsPane,
    pub coolify: Option<crate::coolify::Inventory>,
    /// Questions waiting for the operator, oldest first.
    pub modals: Vec<Modal>,
    pub message: Option<Message>,
    pub rate: Option<RateLimit>,
    pub contexts: Contexts,
    /// Background jobs spawned and not yet applied (the playbooks' `WaitIdle`).
    pub busy: usize,
    /// Labels of the pending jobs, for the status line.
    pub pending: Vec<&'static str>,
    pub spinner: usize,
    pub quit: bool,
    pub size: (u16, u16),
    pub readonly: bool,
    pub ascii: bool,
    pub depth: ColorDepth,
    pub keymap: Keymap,
    pub themes: Vec<Theme>,
    pub styles: Styles,
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
            .unwrap_or_else(|| Theme::builtin("mono").expect("built-in mono theme parses").resolve(depth));
        State {
            pane: Pane::Servers,
            last_pane: Pane::Servers,
            overlay: None,
            prompt: None,
            command_history: Vec::new(),
            filter_history: Vec::new(),
            filter_before: None,
            servers: ServersPane::default(),
            logs: LogsPane::default(),
            coolify: None,
            modals: Vec::new(),
            message: None,
            rate: None,
            contexts: Contexts::default(),
            busy: 0,
            pending: Vec::new(),
            spinner: 0,
            quit: false,
            size: (80, 24),
            readonly,
            ascii,
            depth,
            keymap,
            themes,
            styles,
        }
    }

    pub fn set_message(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message { level, text: text.into() });
    }

    /// Rows available to a pane's list (screen minus header, tabs, borders, column
    /// header and status line). Kept here so paging and scrolling agree with the UI.
    pub fn list_height(&self) -> usize {
        (self.size.1 as usize).saturating_sub(6).max(1)
    }

    pub fn theme_names(&self) -> Vec<&str> {
        self.themes.iter().map(|t| t.name.as_str()).collect()
    }
}
