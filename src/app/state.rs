//! All of the console's state. Only `update` changes it; `ui` only reads it.

use super::checklist::ChecklistPane;
use super::databases::DatabasesPane;
use super::deployments::DeploymentsPane;
use super::dialog::Dialog;
use super::dns::DnsPane;
use super::firewalls::Firewalls;
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
    Help {
        scroll: u16,
    },
    /// `:messages`: recent status messages in full.
    Messages {
        scroll: u16,
    },
}

/// What the header shows about where cutover is pointed.
#[derive(Clone, Debug, Default)]
pub struct Contexts {
    pub hetzner: Option<String>,
    pub hetzner_endpoint: Option<String>,
    pub coolify: Option<String>,
    pub coolify_version: Option<String>,
    pub coolify_error: Option<String>,
    /// Every Hetzner context: (name, where it is defined).
    pub hetzner_all: Vec<(String, String)>,
    /// A legacy dns.hetzner.com token is configured (that API is gone).
    pub legacy_dns: bool,
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
    pub firewalls: Firewalls,
    pub dns: DnsPane,
    pub deployments: DeploymentsPane,
    pub databases: DatabasesPane,
    pub checklist: ChecklistPane,
    /// Prices and volumes, for the monthly cost.
    pub pricing: Option<(crate::hetzner::model::Pricing, Vec<crate::hetzner::model::Volume>)>,
    /// Monthly cost per server id and in total (recomputed when prices or servers change).
    pub costs: Option<Costs>,
    /// CPU and network of one server (the detail view).
    pub metrics: Option<(i64, crate::hetzner::model::Metrics)>,
    /// A running API operation and its progress.
    pub progress: Option<(String, i64)>,
    pub dialog: Option<Dialog>,
    pub coolify: Option<crate::coolify::Inventory>,
    /// Questions waiting for the operator, oldest first.
    pub modals: Vec<Modal>,
    pub message: Option<Message>,
    /// The last status messages with their time, newest last.
    pub message_log: Vec<(String, Message)>,
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
    /// Read-only from the command line or config (a context may add its own).
    pub readonly_base: bool,
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
            firewalls: Firewalls::default(),
            dns: DnsPane::default(),
            deployments: DeploymentsPane::default(),
            databases: DatabasesPane::default(),
            checklist: ChecklistPane::default(),
            pricing: None,
            metrics: None,
            costs: None,
            progress: None,
            dialog: None,
            coolify: None,
            modals: Vec::new(),
            message: None,
            message_log: Vec::new(),
            rate: None,
            contexts: Contexts::default(),
            busy: 0,
            pending: Vec::new(),
            spinner: 0,
            quit: false,
            size: (80, 24),
            readonly,
            readonly_base: readonly,
            ascii,
            depth,
            keymap,
            themes,
            styles,
        }
    }

    pub fn set_message(&mut self, level: Level, text: impl Into<String>) {
        let m = Message { level, text: text.into() };
        self.message_log.push((chrono::Local::now().format("%H:%M:%S").to_string(), m.clone()));
        if self.message_log.len() > 200 {
            self.message_log.remove(0);
        }
        self.message = Some(m);
    }

    /// Rows available to a pane's list (screen minus header, tabs, borders, column
    /// header and status line). Kept here so paging and scrolling agree with the UI.
    pub fn list_height(&self) -> usize {
        (self.size.1 as usize).saturating_sub(6).max(1)
    }

    /// The active Hetzner context, as confirmations show it.
    pub fn context_name(&self) -> String {
        self.contexts.hetzner.clone().unwrap_or_else(|| "none".into())
    }

    pub fn theme_names(&self) -> Vec<&str> {
        self.themes.iter().map(|t| t.name.as_str()).collect()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Costs {
    pub currency: String,
    pub per_server: std::collections::HashMap<i64, crate::hetzner::cost::Breakdown>,
    pub total: crate::hetzner::cost::Money,
    /// Servers with a part the price list did not cover.
    pub incomplete: usize,
}

impl State {
    /// Monthly costs from the API's prices; none until prices are loaded.
    pub fn recompute_costs(&mut self) {
        let Some((pricing, volumes)) = &self.pricing else {
            self.costs = None;
            return;
        };
        let mut c = Costs { currency: pricing.currency.clone(), ..Default::default() };
        for s in self.servers.table.items() {
            let b = crate::hetzner::cost::monthly(s, pricing, volumes);
            if !b.missing.is_empty() {
                c.incomplete += 1;
            }
            c.total = c.total + b.total();
            c.per_server.insert(s.id, b);
        }
        self.costs = Some(c);
    }
}
