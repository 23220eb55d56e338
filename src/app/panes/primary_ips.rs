//! Primary IPs (a view under the Servers tab): each address, the server it is
//! assigned to, its location, reverse DNS and monthly price. Moving an address
//! to the new server is a cut-over without DNS: unassign it from the old one
//! and assign it to the new one, both off, in one location.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{After, Effect, HzOp};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Menu, MenuItem, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Row, SortKey, Table};
use crate::app::world::World;
use crate::input::{Command, Scope};
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq)]
pub struct IpRow {
    pub id: i64,
    pub name: String,
    pub ip: String,
    pub v6: bool,
    pub server: String,
    pub server_id: Option<i64>,
    pub location: String,
    pub ptr: String,
    pub monthly: String,
    pub protected: bool,
    pub auto_delete: bool,
}

const COLUMNS: &[Column] = &[
    Column { title: "IP", width: 24, align: Align::Left, priority: 0 },
    Column { title: "ASSIGNED TO", width: 14, align: Align::Left, priority: 0 },
    Column { title: "LOC", width: 5, align: Align::Left, priority: 1 },
    Column { title: "/MONTH", width: 7, align: Align::Right, priority: 1 },
    Column { title: "NAME", width: 18, align: Align::Left, priority: 2 },
    Column { title: "REVERSE DNS", width: 30, align: Align::Left, priority: 3 },
];

impl Row for IpRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            0 => Cow::Borrowed(&self.ip),
            1 => Cow::Borrowed(&self.server),
            2 => Cow::Borrowed(&self.location),
            3 => Cow::Borrowed(&self.monthly),
            4 => Cow::Borrowed(&self.name),
            5 => Cow::Borrowed(&self.ptr),
            _ => Cow::Borrowed(""),
        }
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        SortKey::Text(self.cell(col))
    }
    fn haystack(&self) -> String {
        format!("{} {} {} {}", self.ip, self.server, self.name, self.location)
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

/// The rows: each address with its server's name and its price in its location.
pub fn rows(world: &World) -> Vec<IpRow> {
    let Some(ips) = &world.primary_ips else { return vec![] };
    let price = |kind: &str, loc: &str| {
        let p = world.pricing.as_ref()?.0.primary_ips.iter().find(|p| p.kind == kind)?;
        p.prices.iter().find(|x| x.location == loc).map(|x| x.price_monthly.gross.clone())
    };
    ips.iter()
        .map(|p| IpRow {
            id: p.id,
            name: p.name.clone(),
            ip: p.ip.clone(),
            v6: p.kind == "ipv6",
            server: p.assignee_id.and_then(|id| world.server(id)).map(|s| s.name.clone()).unwrap_or_else(|| "-".into()),
            server_id: p.assignee_id,
            location: p.location.name.clone(),
            ptr: p.dns_ptr.first().map(|d| d.dns_ptr.clone()).unwrap_or_default(),
            monthly: price(&p.kind, &p.location.name).and_then(|g| g.parse::<f64>().ok()).map(|g| format!("{g:.2}")).unwrap_or_default(),
            protected: p.protection.delete,
            auto_delete: p.auto_delete,
        })
        .collect()
}

#[derive(Default)]
pub struct PrimaryIpsPane {
    pub table: Table<IpRow>,
}

#[derive(Debug)]
pub enum Msg {}

impl PaneInfo for PrimaryIpsPane {
    const TITLE: &'static str = "Primary IPs";
    const NAMES: &'static [&'static str] = &["ips", "ip", "primary-ips"];
    const PARENT: Option<PaneId> = Some(PaneId::Servers);
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, _cx: &mut Cx) -> Vec<Effect> {
        match msg {}
    }
}

impl PrimaryIpsPane {
    fn rebuild(&mut self, cx: &Cx) {
        self.table.set_items(rows(cx.world));
        self.table.scroll_to_cursor(cx.height);
    }

    fn op(label: String, op: HzOp) -> Vec<Effect> {
        vec![Effect::Hz { to: PaneId::PrimaryIps, label, ops: vec![op], after: After::Servers }]
    }

    fn menu(&self, r: &IpRow, cx: &mut Cx) {
        let ctx = cx.world.context_name();
        let family = if r.v6 { "IPv6" } else { "IPv4" };
        let item = match r.server_id {
            None => {
                // Servers in its location without an address of this family can
                // take it: told by the addresses themselves, which are reloaded
                // after each change (the server list may come later).
                let taken = |id: i64| self.table.items().iter().any(|x| x.v6 == r.v6 && x.server_id == Some(id));
                let free: Vec<String> =
                    cx.world.servers.iter().filter(|s| s.location.name == r.location && !taken(s.id)).map(|s| s.name.clone()).collect();
                if free.is_empty() {
                    cx.say(
                        Level::Info,
                        format!("no server in {} is without an {family}: unassign one from the server to move it to (powered off) first", r.location),
                    );
                    return;
                }
                let f = Form::new(
                    &format!("Assign {}", r.ip),
                    FormKind::IpAssign { id: r.id },
                    vec![Field::choice(
                        "server",
                        &free.iter().map(String::as_str).collect::<Vec<_>>(),
                        "",
                        &format!("servers in {} without an {family}; it must be off", r.location),
                    )],
                );
                MenuItem { label: "Assign".into(), detail: format!("to a server in {} (off)", r.location), then: Then::Dialog(Box::new(Dialog::Form(f))) }
            }
            Some(_) => {
                let mut lines = vec![format!("- {} from {}", r.ip, r.server)];
                if r.auto_delete {
                    lines.push("  it is deleted with the server (auto delete) unless assigned again first".into());
                }
                lines.push(format!("  {} stays unreachable on this address until another one is assigned", r.server));
                let c = Confirm::new(
                    &format!("Unassign {}", r.ip),
                    lines,
                    &ctx,
                    Self::op(format!("unassign {} from {}", r.ip, r.server), HzOp::PrimaryIp { id: r.id, verb: "unassign".into(), server: None }),
                )
                .warn("The server must be off. DNS pointing here reaches nothing until the address is assigned again.")
                .typed(&r.server);
                MenuItem { label: "Unassign".into(), detail: format!("from {} (off; typed)", r.server), then: Then::Dialog(Box::new(Dialog::Confirm(c))) }
            }
        };
        cx.open(Dialog::Menu(Menu { title: format!("Primary IP {} ({family}, {})", r.ip, r.location), items: vec![item], cursor: 0 }));
    }
}

impl Pane for PrimaryIpsPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Servers, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if super::list_view_keys(&mut self.table, cmd, cx, PaneId::Servers, Load::PrimaryIps) {
            return vec![];
        }
        if cmd == Command::ServerMenu
            && let Some(r) = self.table.selected().cloned()
        {
            self.menu(&r, cx);
        }
        vec![]
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.contexts.hetzner.is_none() {
            cx.say(Level::Warn, "no Hetzner context");
            return vec![];
        }
        cx.ensure(Load::PrimaryIps);
        cx.ensure(Load::Pricing);
        self.rebuild(cx);
        vec![]
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        if matches!(what, Changed::PrimaryIps | Changed::Pricing | Changed::Servers) {
            self.rebuild(cx);
        }
        vec![]
    }

    fn on_op_done(&mut self, _after: &After, _ok: bool, cx: &mut Cx) -> Vec<Effect> {
        // The servers' addresses changed with them.
        cx.load(Load::PrimaryIps);
        cx.load(Load::Servers { quiet: true });
        vec![]
    }

    fn writes(&self, cmd: Command) -> Option<&'static str> {
        (cmd == Command::ServerMenu).then_some("primary IP changes are disabled")
    }

    fn submit(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let ctx = cx.world.context_name();
        let FormKind::IpAssign { id } = form.kind.clone() else { return Err(Box::new(form)) };
        let Some(r) = self.table.items().iter().find(|r| r.id == id).cloned() else { return Err(Box::new(form)) };
        let Some(s) = cx.world.server_named(form.get("server")).cloned() else {
            form.set_error("server", format!("no server in {}", r.location));
            return Err(Box::new(form));
        };
        let mut c = Confirm::new(
            &format!("Assign {} to {}", r.ip, s.name),
            vec![
                format!("+ {} on {} ({})", r.ip, s.name, s.location.name),
                "  what points at this address (DNS, clients) reaches it once it is on".into(),
            ],
            &ctx,
            Self::op(format!("assign {} to {}", r.ip, s.name), HzOp::PrimaryIp { id, verb: "assign".into(), server: Some(s.id) }),
        );
        // As last loaded: Hetzner itself refuses a server that is not off.
        if s.status != "off" {
            c = c.warn(format!("{} was {} when last loaded: Hetzner assigns only to a server that is off.", s.name, s.status));
        }
        Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
    }

    fn filter(&self) -> Option<String> {
        Some(self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn relayout(&mut self, height: usize) {
        self.table.scroll_to_cursor(height);
    }
}
