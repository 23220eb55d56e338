//! Private networks (a view under the Servers tab): each network's range,
//! subnets and the servers on it with their private addresses. Web servers
//! reach the database over one without its port on the public interface.
//! `m` attaches a server (an address from its zone's subnet) or detaches one
//! (typed); `N` creates a network with one subnet.

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
pub struct NetRow {
    pub id: i64,
    pub name: String,
    pub range: String,
    /// `10.0.1.0/24 eu-central`, joined.
    pub subnets: String,
    pub zones: Vec<String>,
    /// (server id, name, private address)
    pub servers: Vec<(i64, String, String)>,
    pub labels: String,
}

const COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 12, align: Align::Left, priority: 0 },
    Column { title: "RANGE", width: 15, align: Align::Left, priority: 0 },
    Column { title: "SERVERS", width: 62, align: Align::Left, priority: 0 },
    Column { title: "SUBNETS", width: 23, align: Align::Left, priority: 1 },
    Column { title: "LABELS", width: 18, align: Align::Left, priority: 2 },
];

impl NetRow {
    fn servers_text(&self) -> String {
        if self.servers.is_empty() {
            return "-".into();
        }
        self.servers.iter().map(|(_, n, ip)| format!("{n} {ip}")).collect::<Vec<_>>().join(", ")
    }
}

impl Row for NetRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            0 => Cow::Borrowed(&self.name),
            1 => Cow::Borrowed(&self.range),
            2 => Cow::Owned(self.servers_text()),
            3 => Cow::Borrowed(&self.subnets),
            4 => Cow::Borrowed(&self.labels),
            _ => Cow::Borrowed(""),
        }
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        SortKey::Text(self.cell(col))
    }
    fn haystack(&self) -> String {
        format!("{} {} {} {}", self.name, self.range, self.servers_text(), self.labels)
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

/// The rows: each network with its servers' names and private addresses
/// (read from the servers, which say their address on each network).
pub fn rows(world: &World) -> Vec<NetRow> {
    let Some(nets) = &world.networks else { return vec![] };
    nets.iter()
        .map(|n| NetRow {
            id: n.id,
            name: n.name.clone(),
            range: n.ip_range.clone(),
            subnets: n
                .subnets
                .iter()
                .map(|s| format!("{} {}", s.ip_range.clone().unwrap_or_default(), s.network_zone))
                .collect::<Vec<_>>()
                .join(", "),
            zones: n.subnets.iter().map(|s| s.network_zone.clone()).collect(),
            servers: n
                .servers
                .iter()
                .map(|id| {
                    let s = world.server(*id);
                    let name = s.map(|s| s.name.clone()).unwrap_or_else(|| id.to_string());
                    let ip = s.and_then(|s| s.private_net.iter().find(|p| p.network == n.id)).map(|p| p.ip.clone()).unwrap_or_default();
                    (*id, name, ip)
                })
                .collect(),
            labels: n.labels.iter().map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k}={v}") }).collect::<Vec<_>>().join(","),
        })
        .collect()
}

#[derive(Default)]
pub struct NetworksPane {
    pub table: Table<NetRow>,
}

#[derive(Debug)]
pub enum Msg {}

impl PaneInfo for NetworksPane {
    const TITLE: &'static str = "Networks";
    const NAMES: &'static [&'static str] = &["networks", "network", "net"];
    const PARENT: Option<PaneId> = Some(PaneId::Servers);
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, _cx: &mut Cx) -> Vec<Effect> {
        match msg {}
    }
}

impl NetworksPane {
    fn rebuild(&mut self, cx: &Cx) {
        self.table.set_items(rows(cx.world));
        self.table.scroll_to_cursor(cx.height);
    }

    fn op(label: String, op: HzOp) -> Vec<Effect> {
        vec![Effect::Hz { to: PaneId::Networks, label, ops: vec![op], after: After::Servers }]
    }

    fn menu(&self, r: &NetRow, cx: &mut Cx) {
        let mut items = Vec::new();
        // Servers in a zone the network has a subnet in, not on it yet.
        let off: Vec<String> = cx
            .world
            .servers
            .iter()
            .filter(|s| !r.servers.iter().any(|(id, _, _)| *id == s.id) && r.zones.contains(&s.location.network_zone))
            .map(|s| s.name.clone())
            .collect();
        if !off.is_empty() {
            let f = Form::new(
                &format!("Attach a server to {}", r.name),
                FormKind::NetworkAttach { id: r.id },
                vec![Field::choice("server", &off.iter().map(String::as_str).collect::<Vec<_>>(), "", "gets the next free address of its zone's subnet")],
            );
            items.push(MenuItem { label: "Attach a server".into(), detail: format!("{} can join", off.len()), then: Then::Dialog(Box::new(Dialog::Form(f))) });
        }
        if !r.servers.is_empty() {
            let on: Vec<&str> = r.servers.iter().map(|(_, n, _)| n.as_str()).collect();
            let f = Form::new(
                &format!("Detach a server from {}", r.name),
                FormKind::NetworkDetach { id: r.id },
                vec![Field::choice("server", &on, "", "its private interface goes; what talks to it there stops")],
            );
            items.push(MenuItem { label: "Detach a server".into(), detail: "typed".into(), then: Then::Dialog(Box::new(Dialog::Form(f))) });
        }
        if items.is_empty() {
            cx.say(Level::Info, format!("no server can join {}: none is in its zones", r.name));
            return;
        }
        cx.open(Dialog::Menu(Menu { title: format!("Network {} ({})", r.name, r.range), items, cursor: 0 }));
    }

    fn create_form() -> Form {
        Form::new(
            "New network",
            FormKind::CreateNetwork,
            vec![
                Field::new("name", "", "e.g. private"),
                Field::new("range", "10.0.0.0/16", "a private range (RFC 1918), /24 or larger"),
                Field::new("subnet", "10.0.1.0/24", "inside the range: where servers get their addresses"),
                Field::choice("zone", &["eu-central", "us-east", "us-west", "ap-southeast"], "eu-central", "the locations' network zone"),
            ],
        )
    }
}

impl Pane for NetworksPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Servers, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if super::list_view_keys(&mut self.table, cmd, cx, PaneId::Servers, Load::Networks) {
            return vec![];
        }
        match cmd {
            Command::ServerMenu => {
                if let Some(r) = self.table.selected().cloned() {
                    self.menu(&r, cx);
                }
            }
            Command::NewServer => cx.open(Dialog::Form(Self::create_form())),
            _ => {}
        }
        vec![]
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.contexts.hetzner.is_none() {
            cx.say(Level::Warn, "no Hetzner context");
            return vec![];
        }
        cx.ensure(Load::Networks);
        self.rebuild(cx);
        vec![]
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        if matches!(what, Changed::Networks | Changed::Servers) {
            self.rebuild(cx);
        }
        vec![]
    }

    fn on_op_done(&mut self, _after: &After, _ok: bool, cx: &mut Cx) -> Vec<Effect> {
        // The servers say their private addresses: both change.
        cx.load(Load::Networks);
        cx.load(Load::Servers { quiet: true });
        vec![]
    }

    fn writes(&self, cmd: Command) -> Option<&'static str> {
        matches!(cmd, Command::ServerMenu | Command::NewServer).then_some("network changes are disabled")
    }

    fn submit(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let ctx = cx.world.context_name();
        match form.kind.clone() {
            FormKind::NetworkAttach { id } | FormKind::NetworkDetach { id } => {
                let attach = matches!(form.kind, FormKind::NetworkAttach { .. });
                let Some(r) = self.table.items().iter().find(|r| r.id == id).cloned() else { return Err(Box::new(form)) };
                let Some(s) = cx.world.server_named(form.get("server")).cloned() else {
                    form.set_error("server", "pick a server");
                    return Err(Box::new(form));
                };
                let op = HzOp::ServerNetwork { id: s.id, network: id, attach };
                let c = if attach {
                    Confirm::new(
                        &format!("Attach {} to {}", s.name, r.name),
                        vec![
                            format!("+ {} on {} ({})", s.name, r.name, r.range),
                            "  a new interface with the next free address of its zone's subnet".into(),
                            "  Cloud Firewalls do not filter it: restrict the database's port on the host".into(),
                        ],
                        &ctx,
                        Self::op(format!("attach {} to {}", s.name, r.name), op),
                    )
                } else {
                    let ip = r.servers.iter().find(|(i, _, _)| *i == s.id).map(|(_, _, ip)| ip.clone()).unwrap_or_default();
                    Confirm::new(
                        &format!("Detach {} from {}", s.name, r.name),
                        vec![format!("- {} ({ip}) from {}", s.name, r.name)],
                        &ctx,
                        Self::op(format!("detach {} from {}", s.name, r.name), op),
                    )
                    .warn("What reaches it on this address (a site's DATABASE_URL) stops working.")
                    .typed(&s.name)
                };
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::CreateNetwork => {
                let (name, range, subnet, zone) =
                    (form.get("name").to_string(), form.get("range").to_string(), form.get("subnet").to_string(), form.get("zone").to_string());
                if name.is_empty() {
                    form.set_error("name", "required");
                }
                if cx.world.networks.as_ref().is_some_and(|n| n.iter().any(|x| x.name == name)) {
                    form.set_error("name", format!("{name} exists"));
                }
                // IPv4 ranges without host bits; Hetzner says the rest (RFC 1918, inside the range).
                for (k, v) in [("range", &range), ("subnet", &subnet)] {
                    match crate::hetzner::validate::check_cidr(v) {
                        Err(e) => form.set_error(k, e),
                        Ok(()) if !v.contains('.') => form.set_error(k, "an IPv4 range like 10.0.0.0/16"),
                        Ok(()) => {}
                    }
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let c = Confirm::new(
                    &format!("New network {name}"),
                    vec![format!("+ network {name} {range}"), format!("  subnet {subnet} in {zone}")],
                    &ctx,
                    Self::op(format!("create network {name}"), HzOp::CreateNetwork { name: name.clone(), ip_range: range, subnet, zone }),
                );
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            _ => Err(Box::new(form)),
        }
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
