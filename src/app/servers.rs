//! The Servers pane: the project's servers from the Hetzner API.

use super::table::{Align, Column, Row, SortKey, Table};
use crate::hetzner::Server;
use crate::hetzner::label_selector::Selector;
use std::borrow::Cow;

const COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 18, align: Align::Left, priority: 0 },
    Column { title: "STATUS", width: 9, align: Align::Left, priority: 0 },
    Column { title: "TYPE", width: 7, align: Align::Left, priority: 0 },
    Column { title: "CPU", width: 3, align: Align::Right, priority: 1 },
    Column { title: "MEM", width: 5, align: Align::Right, priority: 1 },
    Column { title: "DISK", width: 5, align: Align::Right, priority: 2 },
    Column { title: "LOC", width: 4, align: Align::Left, priority: 0 },
    Column { title: "IPV4", width: 15, align: Align::Left, priority: 0 },
    Column { title: "IPV6", width: 22, align: Align::Left, priority: 3 },
    Column { title: "LABELS", width: 24, align: Align::Left, priority: 2 },
];

pub fn fmt_gb(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}G") } else { format!("{v:.1}G") }
}

impl Row for Server {
    fn columns() -> &'static [Column] {
        COLUMNS
    }

    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            0 => Cow::Borrowed(&self.name),
            1 => Cow::Borrowed(&self.status),
            2 => Cow::Borrowed(&self.server_type.name),
            3 => Cow::Owned(format!("{}", self.server_type.cores)),
            4 => Cow::Owned(fmt_gb(self.server_type.memory)),
            5 => Cow::Owned(fmt_gb(self.server_type.disk)),
            6 => Cow::Borrowed(&self.location.name),
            7 => Cow::Borrowed(self.ipv4().unwrap_or("-")),
            8 => Cow::Borrowed(self.ipv6().unwrap_or("-")),
            9 => Cow::Owned(self.labels_text()),
            _ => Cow::Borrowed(""),
        }
    }

    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            3 => SortKey::Num(self.server_type.cores),
            4 => SortKey::Num(self.server_type.memory),
            5 => SortKey::Num(self.server_type.disk),
            7 => SortKey::Num(ipv4_num(self.ipv4()) as f64),
            c => SortKey::Text(self.cell(c)),
        }
    }

    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {} {} {}",
            self.name,
            self.status,
            self.server_type.name,
            self.location.name,
            self.location.city,
            self.ipv4().unwrap_or(""),
            self.ipv6().unwrap_or(""),
            self.labels_text()
        )
    }

    fn id(&self) -> String {
        self.id.to_string()
    }
}

fn ipv4_num(ip: Option<&str>) -> u32 {
    ip.and_then(|s| s.parse::<std::net::Ipv4Addr>().ok()).map(u32::from).unwrap_or(0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    List,
    Detail,
    Firewalls,
}

#[derive(Default)]
pub struct Load {
    /// Bumped on each reload so pages of an older load are ignored.
    pub generation: u64,
    pub loading: bool,
    pub pages_done: u64,
    pub last_page: Option<u64>,
    pub total: Option<u64>,
    /// The last load's failure, shown in the pane and the status line.
    pub error: Option<String>,
    pub loaded_once: bool,
    /// A reload after an operation: its result stays in the status line.
    pub quiet: bool,
}

pub struct ServersPane {
    pub table: Table<Server>,
    pub view: View,
    pub detail_scroll: u16,
    pub load: Load,
}

impl Default for ServersPane {
    fn default() -> Self {
        ServersPane { table: Table::default(), view: View::List, detail_scroll: 0, load: Load::default() }
    }
}

impl ServersPane {
    /// `:servers env=production,role!=db`: narrow the list by label selector.
    pub fn set_selector(&mut self, sel: &str) -> Result<(), String> {
        if sel.trim().is_empty() {
            self.table.set_scope(None, None);
            return Ok(());
        }
        let parsed = Selector::parse(sel)?;
        self.table.set_scope(Some(sel.trim().to_string()), Some(Box::new(move |s: &Server| parsed.matches(&s.labels))));
        Ok(())
    }
}

use super::action::{After, Effect, HzOp};
use super::dialog::{Confirm, Dialog, Menu, MenuItem, Then};
use super::state::{Level, State};

/// The power menu for a server: each entry leads to its confirmation.
pub fn power_menu(state: &mut State) {
    if state.readonly {
        state.set_message(Level::Warn, "read-only: power actions are disabled");
        return;
    }
    let Some(s) = state.servers.table.selected().cloned() else { return };
    let ctx = state.context_name();
    let item = |verb: &str, label: &str, detail: &str, hard: bool| {
        let after = if verb == "shutdown" { After::WaitOff { id: s.id, name: s.name.clone() } } else { After::Servers };
        let mut c = Confirm::new(
            &format!("{label} {}", s.name),
            vec![format!("~ {} ({}, {}): {} -> {verb}", s.name, s.server_type.name, s.location.name, s.status), format!("  {detail}")],
            &ctx,
            vec![Effect::Hz { label: format!("{verb} {}", s.name), ops: vec![HzOp::Power { id: s.id, verb: verb.into() }], after }],
        );
        if hard {
            // A hard power cut can lose data: the name must be typed.
            c = c.warn("This cuts the power: unsaved data on the server can be lost.").typed(&s.name);
        }
        MenuItem { label: label.into(), detail: detail.into(), then: Then::Dialog(Box::new(Dialog::Confirm(c))) }
    };
    let items = vec![
        item("poweron", "Power on", "start the server", false),
        item("shutdown", "Shut down", "ACPI shutdown; cutover follows the server until it is off", false),
        item("reboot", "Reboot", "ACPI reboot", false),
        item("poweroff", "Power off", "hard power cut", true),
        item("reset", "Reset", "hard power cut, then start", true),
    ];
    state.dialog = Some(Dialog::Menu(Menu { title: format!("Power: {} ({})", s.name, s.status), items, cursor: 0 }));
}

pub fn delete(state: &mut State) {
    if state.readonly {
        state.set_message(Level::Warn, "read-only: deleting is disabled");
        return;
    }
    let Some(s) = state.servers.table.selected().cloned() else { return };
    if s.protection.delete {
        state.set_message(Level::Warn, format!("{} has delete protection: lift it in the Hetzner console before deleting", s.name));
        return;
    }
    let c = Confirm::new(
        &format!("Delete server {}", s.name),
        vec![
            format!("- server {} ({}, {}, {})", s.name, s.server_type.name, s.location.name, s.ipv4().unwrap_or("no IPv4")),
            "  Its disk is destroyed; volumes, IPs and firewalls are detached.".into(),
        ],
        &state.context_name(),
        vec![Effect::Hz { label: format!("delete {}", s.name), ops: vec![HzOp::Delete { id: s.id }], after: After::Servers }],
    )
    .warn("There is no undo.")
    .typed(&s.name);
    state.dialog = Some(Dialog::Confirm(c));
}
