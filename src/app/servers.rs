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
