//! The Servers pane: the project's servers from the Hetzner API, one server's
//! detail with its metrics, power actions and delete. The detail view and
//! every confirmation are bound to a server id, never to a cursor position.

use super::{Pane, PaneId, PaneInfo, onoff};
use crate::app::action::{After, ChoicesFor, Effect, HzOp};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Menu, MenuItem, Then};
use crate::app::prompt::{Prompt, PromptKind};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Row, SortKey, Table};
use crate::hetzner::Server;
use crate::hetzner::label_selector::{Selector, Term};
use crate::hetzner::model::Metrics;
use crate::input::{Command, Scope};
use std::borrow::Cow;
use std::sync::Arc;

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
            5 => Cow::Owned(fmt_gb(self.primary_disk_size)),
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
            5 => SortKey::Num(self.primary_disk_size),
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

#[derive(Default)]
pub struct ServersPane {
    pub table: Table<Arc<Server>>,
    /// The server whose detail is open (by id: a reload cannot swap it).
    pub detail: Option<i64>,
    pub detail_scroll: u16,
    /// CPU and network of one server (the detail view).
    pub metrics: Option<(i64, Metrics)>,
    /// The row the cursor was on before a reload started, until it is back.
    keep: Option<String>,
    /// What the last new-server form offered.
    pub choices: Option<Choices>,
}

#[derive(Debug)]
pub enum Msg {
    Metrics { id: i64, result: Result<Metrics, String> },
    /// What a server can be (for the form asked for).
    Choices { purpose: ChoicesFor, result: Result<Box<Choices>, String> },
    /// The project's SSH keys.
    Keys(Result<Vec<crate::hetzner::model::SshKey>, String>),
    /// A server was created or rebuilt and runs: its root password, when Hetzner set one.
    RootPassword { name: String, root_password: Option<String> },
}

/// What a new server can be made of, as the API lists it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choices {
    pub types: Vec<crate::hetzner::model::ServerType>,
    pub images: Vec<String>,
    pub locations: Vec<String>,
    pub keys: Vec<String>,
    pub firewalls: Vec<(i64, String)>,
    pub networks: Vec<(i64, String)>,
}

/// A type as the form offers it: name, size, monthly price in `location`,
/// and whether it can still be ordered.
pub fn type_choice(t: &crate::hetzner::model::ServerType, location: &str) -> String {
    let price = t
        .prices
        .iter()
        .find(|p| p.location == location)
        .or(t.prices.first())
        .and_then(|p| p.price_monthly.gross.parse::<f64>().ok())
        .map(|g| format!(" €{g:.2}/month"))
        .unwrap_or_default();
    let gone = if t.deprecation_in(location).is_some() { " DEPRECATED" } else { "" };
    format!("{} {} vCPU {} GB {} GB{price}{gone}", t.name, t.cores, t.memory, t.disk)
}

impl PaneInfo for ServersPane {
    const TITLE: &'static str = "Servers";
    const NAMES: &'static [&'static str] = &["servers", "server", "srv", "sv", "hz"];
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Metrics { id, result } => match result {
                Ok(m) => self.metrics = Some((id, m)),
                Err(e) => cx.say(Level::Error, format!("metrics: {e}")),
            },
            Msg::Choices { purpose, result: Ok(c) } => {
                match purpose {
                    ChoicesFor::NewServer => self.new_server_form(&c, cx),
                    ChoicesFor::ChangeType(id) => self.change_type_form(id, &c, cx),
                    ChoicesFor::Rebuild(id) => self.rebuild_form(id, &c, cx),
                }
                self.choices = Some(*c);
            }
            Msg::Choices { result: Err(e), .. } => cx.say(Level::Error, format!("server types: {e}")),
            Msg::Keys(Ok(keys)) => {
                let mut items = vec![MenuItem {
                    label: "Add a key".into(),
                    detail: "a public key, pasted or from a .pub file".into(),
                    then: Then::Dialog(Box::new(Dialog::Form(Form::new(
                        "Add an SSH key",
                        FormKind::AddSshKey,
                        vec![
                            Field::new("name", "", "how the project calls it, e.g. ops-laptop"),
                            Field::new("key", "", "ssh-ed25519 AAAA... (paste), or a file: ~/.ssh/id_ed25519.pub"),
                        ],
                    )))),
                }];
                for k in &keys {
                    let shown = Confirm::new(&format!("SSH key {}", k.name), vec![format!("  {}", k.public_key), format!("  MD5 {}", k.fingerprint)], &cx.world.context_name(), vec![]);
                    items.push(MenuItem { label: k.name.clone(), detail: k.fingerprint.clone(), then: Then::Dialog(Box::new(Dialog::Confirm(shown))) });
                }
                cx.open(Dialog::Menu(Menu { title: format!("SSH keys of the project ({})", keys.len()), items, cursor: 0 }));
            }
            Msg::Keys(Err(e)) => cx.say(Level::Error, format!("SSH keys: {e}")),
            Msg::RootPassword { name, root_password } => {
                if let Some(pw) = root_password {
                    // Shown once, here; never in a message, the journal or a file.
                    let c = Confirm::new(
                        &format!("{name}: root password"),
                        vec![
                            format!("  {pw}"),
                            String::new(),
                            "  Hetzner set it because no SSH key was given. cutover does not keep it:".into(),
                            "  store it now, or add a key and disable password logins.".into(),
                        ],
                        &cx.world.context_name(),
                        vec![],
                    );
                    cx.open(Dialog::Confirm(c));
                }
            }
        }
        vec![]
    }
}

impl ServersPane {
    /// The server acted on: the open detail's, else the cursor's.
    pub fn target<'a>(&'a self, cx: &'a Cx) -> Option<&'a Server> {
        match self.detail {
            Some(id) => cx.world.server(id),
            None => self.table.selected().map(|s| &**s),
        }
    }

    /// `:servers env=production,role!=db`: narrow the list by label selector.
    /// Sorts by the monthly cost the view shows (a server without one last).
    fn sort_by_cost(&mut self, world: &crate::app::world::World, desc: bool) {
        let costs: std::collections::HashMap<i64, f64> = world
            .costs
            .as_ref()
            .map(|c| c.per_server.iter().map(|(id, b)| (*id, rust_decimal::prelude::ToPrimitive::to_f64(&b.total().gross).unwrap_or(f64::MAX))).collect())
            .unwrap_or_default();
        self.table.sort_by_outside("/MONTH", Box::new(move |s: &Arc<Server>| costs.get(&s.id).copied().unwrap_or(f64::MAX)), desc);
    }

    pub fn set_selector(&mut self, sel: &str) -> Result<(), String> {
        if sel.trim().is_empty() {
            self.table.set_scope(None, None);
            return Ok(());
        }
        let parsed = Selector::parse(sel)?;
        // Valid for Hetzner (the value empty), but typed at the console it is
        // a selector left half-written: say what was probably meant.
        for term in &parsed.0 {
            let (k, v, op) = match term {
                Term::Eq(k, v) => (k, v, "="),
                Term::Ne(k, v) => (k, v, "!="),
                _ => continue,
            };
            if v.is_empty() {
                return Err(format!("`{k}{op}` has no value: did you mean `{k}` (has the label) or `!{k}` (has it not)?"));
            }
        }
        self.table.set_scope(Some(sel.trim().to_string()), Some(Box::new(move |s: &Arc<Server>| parsed.matches(&s.labels))));
        Ok(())
    }

    fn power_menu(&self, cx: &mut Cx) {
        let Some(s) = self.target(cx).cloned() else { return };
        let ctx = cx.world.context_name();
        let item = |verb: &str, label: &str, detail: &str, hard: bool| {
            let after = if verb == "shutdown" { After::WaitOff { id: s.id, name: s.name.clone() } } else { After::Servers };
            let mut c = Confirm::new(
                &format!("{label} {}", s.name),
                vec![format!("~ {} ({}, {}): {} -> {verb}", s.name, s.server_type.name, s.location.name, s.status), format!("  {detail}")],
                &ctx,
                vec![Effect::Hz {
                    to: PaneId::Servers,
                    label: format!("{verb} {}", s.name),
                    ops: vec![HzOp::Power { id: s.id, verb: verb.into() }],
                    after,
                }],
            );
            if hard {
                // A hard power cut can lose data: the name must be typed.
                c = c.warn("This cuts the power: unsaved data on the server can be lost.").typed(&s.name);
            }
            MenuItem { label: label.into(), detail: detail.into(), then: Then::Dialog(Box::new(Dialog::Confirm(c))) }
        };
        // Only what the server's state allows: a running server is not powered
        // on, an off one is not shut down. A state in between (starting,
        // stopping, rebuilding) offers the hard actions too, and the API decides.
        let on = || item("poweron", "Power on", "start the server", false);
        let running = || {
            vec![
                item("shutdown", "Shut down", "ACPI shutdown; cutover follows the server until it is off", false),
                item("reboot", "Reboot", "ACPI reboot", false),
                item("poweroff", "Power off", "hard power cut", true),
                item("reset", "Reset", "hard power cut, then start", true),
            ]
        };
        let items = match s.status.as_str() {
            "running" => running(),
            "off" => vec![on()],
            _ => std::iter::once(on()).chain(running()).collect(),
        };
        cx.open(Dialog::Menu(Menu { title: format!("Power: {} ({})", s.name, s.status), items, cursor: 0 }));
    }

    /// The form of a new server, from what the API offers.
    fn new_server_form(&self, c: &Choices, cx: &mut Cx) {
        let loc = c.locations.first().cloned().unwrap_or_default();
        let mut types: Vec<&crate::hetzner::model::ServerType> = c.types.iter().collect();
        // Orderable first, then by price.
        types.sort_by_key(|t| (t.deprecation_in(&loc).is_some(), t.prices.first().and_then(|p| p.price_monthly.gross.parse::<f64>().ok()).map(|g| (g * 100.0) as i64)));
        let type_names: Vec<String> = types.iter().map(|t| type_choice(t, &loc)).collect();
        let fields = vec![
            Field::new("name", "", "a host name, unique in the project"),
            Field::choice(
                "type",
                &type_names.iter().map(String::as_str).collect::<Vec<_>>(),
                "",
                "<Left>/<Right>: monthly price in the first location; DEPRECATED ones cannot be ordered",
            ),
            Field::choice("image", &c.images.iter().map(String::as_str).collect::<Vec<_>>(), "ubuntu-24.04", "<Left>/<Right>"),
            Field::choice("location", &c.locations.iter().map(String::as_str).collect::<Vec<_>>(), "", "<Left>/<Right>"),
            Field::new("ssh_keys", &c.keys.join(", "), &format!("names, comma separated (the project has: {}); none: a root password is shown once", if c.keys.is_empty() { "none".into() } else { c.keys.join(", ") })),
            Field::new("firewalls", "", &format!("names, comma separated ({})", if c.firewalls.is_empty() { "none yet".into() } else { c.firewalls.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ") })),
            Field::new("networks", "", &format!("private networks, comma separated ({})", if c.networks.is_empty() { "none yet".into() } else { c.networks.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ") })),
            Field::new("labels", "", "key=value, key=value"),
            Field::new("cloud_init", "", "a local file of cloud-init user data (at most 32 KiB), or empty"),
        ];
        let mut f = Form::new("New server", FormKind::NewServer, fields);
        f.note = vec![format!("Hetzner context {}. Nothing is created before the preview.", cx.world.context_name())];
        cx.open(Dialog::Form(f));
    }

    /// Another type for a server: the types of its architecture, with prices.
    fn change_type_form(&self, id: i64, c: &Choices, cx: &mut Cx) {
        let Some(s) = cx.world.server(id).cloned() else { return };
        let loc = s.location.name.clone();
        let mut types: Vec<&crate::hetzner::model::ServerType> =
            c.types.iter().filter(|t| t.architecture == s.server_type.architecture && t.name != s.server_type.name).collect();
        types.sort_by_key(|t| t.prices.iter().find(|p| p.location == loc).and_then(|p| p.price_monthly.gross.parse::<f64>().ok()).map(|g| (g * 100.0) as i64));
        let names: Vec<String> = types.iter().map(|t| type_choice(t, &loc)).collect();
        let mut f = Form::new(
            &format!("Change the type of {}", s.name),
            FormKind::ChangeType { id },
            vec![
                Field::choice("type", &names.iter().map(String::as_str).collect::<Vec<_>>(), "", "<Left>/<Right>: the monthly price in its location"),
                Field::choice("disk", &["keep", "upgrade"], "keep", "keep: the type can go back down later; upgrade: the bigger disk, for good"),
            ],
        );
        let now = c.types.iter().find(|t| t.name == s.server_type.name).map(|t| type_choice(t, &loc)).unwrap_or_else(|| s.server_type.name.clone());
        f.note = vec![format!("Now: {now}."), "The server must be off; the disk is copied, then it starts again.".into()];
        cx.open(Dialog::Form(f));
    }

    fn rebuild_form(&self, id: i64, c: &Choices, cx: &mut Cx) {
        let Some(s) = cx.world.server(id).cloned() else { return };
        let mut f = Form::new(
            &format!("Rebuild {}", s.name),
            FormKind::Rebuild { id },
            vec![Field::choice("image", &c.images.iter().map(String::as_str).collect::<Vec<_>>(), "ubuntu-24.04", "<Left>/<Right>")],
        );
        f.note = vec![
            format!("Every file on {} is lost: its disk is overwritten with the image.", s.name),
            "A snapshot first (m, Snapshot) is the way back.".into(),
        ];
        cx.open(Dialog::Form(f));
    }

    fn submit_type_or_rebuild(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let ctx = cx.world.context_name();
        match form.kind.clone() {
            FormKind::ChangeType { id } => {
                let Some(s) = cx.world.server(id).cloned() else { return Err(Box::new(form)) };
                let c = self.choices.clone().unwrap_or_default();
                let name = form.get("type").split_whitespace().next().unwrap_or("").to_string();
                let loc = s.location.name.clone();
                let Some(t) = c.types.iter().find(|t| t.name == name) else {
                    form.set_error("type", "choose a type");
                    return Err(Box::new(form));
                };
                if s.status != "off" {
                    form.error = Some(format!("{} is {}: power it off first (p), then change its type", s.name, s.status));
                    return Err(Box::new(form));
                }
                if t.deprecation_in(&loc).is_some() {
                    form.set_error("type", format!("{name} is deprecated: Hetzner no longer sells it"));
                }
                if t.disk < s.primary_disk_size {
                    form.set_error("type", format!("{name} has a {} GB disk; {} has {} GB, and disks cannot shrink", t.disk, s.name, s.primary_disk_size));
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let upgrade = form.get("disk") == "upgrade";
                let before = c.types.iter().find(|x| x.name == s.server_type.name).map(|x| type_choice(x, &loc)).unwrap_or_default();
                let lines = vec![
                    format!("~ {}: {before}", s.name),
                    format!("  -> {}", type_choice(t, &loc)),
                    format!("  disk: {}", if upgrade { "upgraded (the type cannot go back down)" } else { "kept (the type can go back down)" }),
                ];
                let c = Confirm::new(
                    &format!("Change the type of {}", s.name),
                    lines,
                    &ctx,
                    vec![Effect::Hz {
                        to: PaneId::Servers,
                        label: format!("change {} to {name}", s.name),
                        ops: vec![HzOp::ChangeType { id, server_type: name.clone(), upgrade_disk: upgrade }],
                        after: After::Servers,
                    }],
                )
                .warn("The server starts again when the copy is done; the price changes with it.");
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::Rebuild { id } => {
                let Some(s) = cx.world.server(id).cloned() else { return Err(Box::new(form)) };
                if s.protection.rebuild {
                    form.error = Some(format!("{} is protected against rebuilds: unprotect it first (m)", s.name));
                    return Err(Box::new(form));
                }
                let image = form.get("image").to_string();
                let c = Confirm::new(
                    &format!("Rebuild {}", s.name),
                    vec![format!("- every file on {} ({})", s.name, s.ipv4().unwrap_or("")), format!("+ a fresh {image}")],
                    &ctx,
                    vec![Effect::RebuildServer { id, name: s.name.clone(), image }],
                )
                .warn("Destroys all data on the server's disk.")
                .typed(&s.name);
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            _ => Err(Box::new(form)),
        }
    }

    fn submit_new(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let Some(c) = self.choices.clone() else { return Err(Box::new(form)) };
        let name = form.get("name").trim().to_string();
        if !crate::hetzner::validate::hostname(&name) {
            form.set_error("name", "a host name: letters, digits and -, dots between");
        } else if cx.world.server_named(&name).is_some() {
            form.set_error("name", format!("{name} exists in the project"));
        }
        let location = form.get("location").to_string();
        let type_name = form.get("type").split_whitespace().next().unwrap_or("").to_string();
        let t = c.types.iter().find(|t| t.name == type_name);
        match t {
            None => form.set_error("type", "choose a type"),
            Some(t) if t.deprecation_in(&location).is_some() => {
                form.set_error("type", format!("{type_name} is deprecated: Hetzner no longer sells it in {location}"))
            }
            Some(t) if t.locations.iter().any(|l| l.name == location && l.available == Some(false)) => {
                form.set_error("type", format!("{type_name} is not available in {location} now"))
            }
            _ => {}
        }
        let split = |k: &str| form.get(k).split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>();
        let keys = split("ssh_keys");
        let fw_names = split("firewalls");
        let net_names = split("networks");
        for k in &keys {
            if !c.keys.contains(k) {
                form.set_error("ssh_keys", format!("no SSH key named {k} in the project"));
            }
        }
        let mut firewalls = Vec::new();
        for n in &fw_names {
            match c.firewalls.iter().find(|(_, f)| f == n) {
                Some((id, _)) => firewalls.push(*id),
                None => form.set_error("firewalls", format!("no firewall named {n}")),
            }
        }
        let mut networks = Vec::new();
        for n in &net_names {
            match c.networks.iter().find(|(_, x)| x == n) {
                Some((id, _)) => networks.push(*id),
                None => form.set_error("networks", format!("no network named {n}")),
            }
        }
        let labels = match crate::hetzner::label_selector::parse_labels(form.get("labels")) {
            Ok(l) => l,
            Err(e) => {
                form.set_error("labels", e);
                Default::default()
            }
        };
        if form.has_errors() {
            return Err(Box::new(form));
        }
        let image = form.get("image").to_string();
        let file = form.get("cloud_init").trim().to_string();
        let price = t.map(|t| type_choice(t, &location)).unwrap_or_default();
        let mut lines = vec![
            format!("+ server {name}: {price}"),
            format!("  image {image}, location {location}"),
            match keys.is_empty() {
                true => "  no SSH key: Hetzner sets a root password, shown once when it runs".into(),
                false => format!("  SSH keys: {}", keys.join(", ")),
            },
        ];
        if !fw_names.is_empty() {
            lines.push(format!("  firewalls from the start: {}", fw_names.join(", ")));
        }
        if !net_names.is_empty() {
            lines.push(format!("  on private networks: {}", net_names.join(", ")));
        }
        if !labels.is_empty() {
            lines.push(format!("  labels: {}", labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")));
        }
        if !file.is_empty() {
            lines.push(format!("  cloud-init from {file}"));
        }
        let req = crate::hetzner::model::NewServer {
            name: name.clone(),
            server_type: type_name,
            image,
            location,
            ssh_keys: keys,
            firewalls,
            labels,
            networks,
            user_data: None,
            start_after_create: true,
        };
        let c = Confirm::new(
            &format!("Create {name}"),
            lines,
            &cx.world.context_name(),
            vec![Effect::CreateServer { req: Box::new(req), user_data_file: (!file.is_empty()).then_some(file) }],
        )
        .warn("It is billed from now on.");
        Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
    }

    /// What can be changed on a server, each previewed before it is sent.
    fn change_menu(&self, cx: &mut Cx) {
        let Some(s) = self.target(cx).cloned() else { return };
        let ctx = cx.world.context_name();
        let confirm = |title: String, line: String, label: String, op: HzOp| {
            Then::Dialog(Box::new(Dialog::Confirm(Confirm::new(
                &title,
                vec![line],
                &ctx,
                vec![Effect::Hz { to: PaneId::Servers, label, ops: vec![op], after: After::Servers }],
            ))))
        };
        let form = |title: String, kind: FormKind, field: Field, note: &str| {
            let mut f = Form::new(&title, kind, vec![field]);
            if !note.is_empty() {
                f.note = vec![note.to_string()];
            }
            Then::Dialog(Box::new(Dialog::Form(f)))
        };
        let protected = s.protection.delete;
        let backups = s.backup_window.is_some();
        let ptr = s.public_net.ipv4.as_ref().map(|i| i.dns_ptr.clone()).unwrap_or_default();
        let mut items = vec![
            MenuItem {
                label: "Rename".into(),
                detail: "a new host name, unique in the project".into(),
                then: form(format!("Rename {}", s.name), FormKind::RenameServer { id: s.id }, Field::new("name", &s.name, "a host name"), ""),
            },
            MenuItem {
                label: "Labels".into(),
                detail: s.labels_text(),
                then: form(
                    format!("Labels of {}", s.name),
                    FormKind::ServerLabels { id: s.id },
                    Field::new("labels", &s.labels_text(), "k=v,k2=v2 (the whole set)"),
                    "Firewalls and selectors that match labels follow the change.",
                ),
            },
            MenuItem {
                label: if protected { "Unprotect" } else { "Protect" }.into(),
                detail: format!("delete and rebuild protection, now {}", if protected { "on" } else { "off" }),
                then: confirm(
                    format!("Protection of {}", s.name),
                    format!("~ {} delete and rebuild protection {} -> {}", s.name, onoff(protected), onoff(!protected)),
                    format!("{} {}", if protected { "unprotect" } else { "protect" }, s.name),
                    HzOp::ServerProtection { id: s.id, on: !protected },
                ),
            },
            MenuItem {
                label: if backups { "Backups off" } else { "Backups on" }.into(),
                detail: if backups { "stops the daily backups and deletes them".into() } else { "daily backups, 7 kept, +20% of the server's price".to_string() },
                then: confirm(
                    format!("Backups of {}", s.name),
                    format!("~ {} backups {} -> {}", s.name, onoff(backups), onoff(!backups)),
                    format!("backups {} for {}", onoff(!backups), s.name),
                    HzOp::ServerBackups { id: s.id, on: !backups },
                ),
            },
        ];
        let stamp = cx.now.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M");
        items.push(MenuItem {
            label: "Snapshot".into(),
            detail: "an image of its disk, a way back before something destructive".into(),
            then: form(
                format!("Snapshot of {}", s.name),
                FormKind::Snapshot { id: s.id },
                Field::new("description", &format!("{} {stamp}", s.name), "what it is for"),
                "Snapshots cost per GB and month until deleted. The server is locked while it is taken.",
            ),
        });
        if let Some(ip) = s.ipv4() {
            items.push(MenuItem {
                label: "Reverse DNS".into(),
                detail: format!("{ip} -> {ptr}"),
                then: form(
                    format!("Reverse DNS of {ip} ({})", s.name),
                    FormKind::ServerPtr { id: s.id },
                    Field::new("name", &ptr, "a host name; empty puts Hetzner's default back"),
                    "Mail servers check that the address's name points back at it.",
                ),
            });
        }
        items.push(MenuItem {
            label: "Change type".into(),
            detail: format!("now {} (the server must be off)", s.server_type.name),
            then: Then::Effects(vec![Effect::LoadServerChoices { purpose: ChoicesFor::ChangeType(s.id) }]),
        });
        items.push(MenuItem {
            label: "Rebuild".into(),
            detail: "overwrite its disk with a fresh image: every file on it is lost".into(),
            then: Then::Effects(vec![Effect::LoadServerChoices { purpose: ChoicesFor::Rebuild(s.id) }]),
        });
        cx.open(Dialog::Menu(Menu { title: format!("Change: {}", s.name), items, cursor: 0 }));
    }

    fn delete(&self, cx: &mut Cx) {
        let Some(s) = self.target(cx).cloned() else { return };
        if s.protection.delete {
            cx.say(Level::Warn, format!("{} has delete protection: lift it first (the change menu, ? shows its key)", s.name));
            return;
        }
        let c = Confirm::new(
            &format!("Delete server {}", s.name),
            vec![
                format!("- server {} ({}, {}, {})", s.name, s.server_type.name, s.location.name, s.ipv4().unwrap_or("no IPv4")),
                "  Its disk is destroyed; volumes, IPs and firewalls are detached.".into(),
            ],
            &cx.world.context_name(),
            vec![Effect::Hz {
                to: PaneId::Servers,
                label: format!("delete {}", s.name),
                ops: vec![HzOp::Delete { id: s.id }],
                after: After::Servers,
            }],
        )
        .warn("There is no undo.")
        .typed(&s.name);
        cx.open(Dialog::Confirm(c));
    }
}

impl ServersPane {
    /// A new name, labels or reverse DNS: checked, previewed, then sent.
    fn submit_change(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let id = match form.kind {
            FormKind::RenameServer { id } | FormKind::ServerLabels { id } | FormKind::ServerPtr { id } | FormKind::Snapshot { id } => id,
            _ => return Err(Box::new(form)),
        };
        let Some(s) = cx.world.server(id).cloned() else {
            form.error = Some("that server is gone; reload (C-r)".into());
            return Err(Box::new(form));
        };
        let host_ok = crate::hetzner::validate::hostname;
        let ctx = cx.world.context_name();
        let (title, lines, label, op) = match form.kind {
            FormKind::RenameServer { .. } => {
                let name = form.get("name").to_string();
                if !host_ok(&name) {
                    form.set_error("name", "a host name: letters, digits and -, dots between");
                } else if name == s.name {
                    form.set_error("name", "that is its name already");
                } else if cx.world.server_named(&name).is_some() {
                    form.set_error("name", format!("{name} is another server's name"));
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let lines = vec![
                    format!("~ server name {} -> {name}", s.name),
                    "  ssh_config entries, runbook parameters and DNS records that name the old one do not follow.".into(),
                ];
                (format!("Rename {}", s.name), lines, format!("rename {}", s.name), HzOp::UpdateServer { id, name: Some(name), labels: None })
            }
            FormKind::ServerLabels { .. } => {
                let labels = match crate::hetzner::label_selector::parse_labels(form.get("labels")) {
                    Ok(l) => l,
                    Err(e) => {
                        form.set_error("labels", e);
                        return Err(Box::new(form));
                    }
                };
                if labels == s.labels {
                    form.set_error("labels", "these are its labels already");
                    return Err(Box::new(form));
                }
                let show = |k: &String, v: &String| if v.is_empty() { k.clone() } else { format!("{k}={v}") };
                let mut lines: Vec<String> =
                    s.labels.iter().filter(|(k, v)| labels.get(*k) != Some(v)).map(|(k, v)| format!("- {}", show(k, v))).collect();
                lines.extend(labels.iter().filter(|(k, v)| s.labels.get(*k) != Some(v)).map(|(k, v)| format!("+ {}", show(k, v))));
                (format!("Labels of {}", s.name), lines, format!("labels of {}", s.name), HzOp::UpdateServer { id, name: None, labels: Some(labels) })
            }
            FormKind::Snapshot { .. } => {
                let description = form.get("description").to_string();
                if description.is_empty() {
                    form.set_error("description", "say what it is for: you will pick it from a list later");
                    return Err(Box::new(form));
                }
                let lines = vec![
                    format!("+ snapshot of {} \"{description}\" ({:.0} GB disk)", s.name, s.server_type.disk),
                    "  The server is locked (no other action) until it is taken.".into(),
                ];
                (format!("Snapshot of {}", s.name), lines, format!("snapshot of {}", s.name), HzOp::Snapshot { id, description })
            }
            _ => {
                let Some(ip) = s.ipv4().map(str::to_string) else {
                    form.error = Some("the server has no IPv4".into());
                    return Err(Box::new(form));
                };
                let name = form.get("name").trim_end_matches('.').to_string();
                if !name.is_empty() && !host_ok(&name) {
                    form.set_error("name", "a host name like mail.example.com (empty: Hetzner's default)");
                    return Err(Box::new(form));
                }
                let old = s.public_net.ipv4.as_ref().map(|i| i.dns_ptr.clone()).unwrap_or_default();
                let new = if name.is_empty() { "Hetzner's default".to_string() } else { name.clone() };
                let lines = vec![format!("~ reverse DNS of {ip}: {old} -> {new}")];
                let ptr = (!name.is_empty()).then_some(name);
                (format!("Reverse DNS of {ip}"), lines, format!("reverse DNS of {}", s.name), HzOp::ServerDnsPtr { id, ip, ptr })
            }
        };
        let c = Confirm::new(&title, lines, &ctx, vec![Effect::Hz { to: PaneId::Servers, label, ops: vec![op], after: After::Servers }]);
        Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
    }
}

impl Pane for ServersPane {
    fn scopes(&self) -> &'static [Scope] {
        match self.detail {
            Some(_) => &[Scope::Servers, Scope::Detail],
            None => &[Scope::Servers, Scope::List],
        }
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let h = cx.height;
        // The list's own columns share the width with the view's two (warning, /MONTH).
        let width = cx.width.saturating_sub(2 + 10);
        // After the last column shown, sorting goes to the monthly cost.
        if self.detail.is_none()
            && cmd == Command::SortNext
            && self.table.sort_outside.is_none()
            && crate::app::table::fit_columns::<Server>(width).last() == Some(&self.table.sort_col)
            && cx.world.costs.is_some()
        {
            self.sort_by_cost(cx.world, false);
            self.table.scroll_to_cursor(h);
            cx.say(Level::Info, "sorted by /MONTH ascending");
            return vec![];
        }
        if self.detail.is_none() && self.table.navigate_in(cmd, h, width) {
            if matches!(cmd, Command::SortNext | Command::SortReverse) {
                let title = match &self.table.sort_outside {
                    Some((t, _)) => t,
                    None => <Server as Row>::columns()[self.table.sort_col].title,
                };
                cx.say(Level::Info, format!("sorted by {title} {}", if self.table.sort_desc { "descending" } else { "ascending" }));
            }
            return vec![];
        }
        match cmd {
            Command::Open if self.detail.is_none() => {
                let Some(id) = self.table.selected().map(|s| s.id) else { return vec![] };
                self.detail = Some(id);
                self.detail_scroll = 0;
                if self.metrics.as_ref().is_none_or(|(m, _)| *m != id) {
                    self.metrics = None;
                    return vec![Effect::LoadMetrics { id }];
                }
            }
            Command::Back if self.detail.is_some() => self.detail = None,
            Command::Back if self.table.filter().is_some() => self.table.set_filter(None),
            Command::Back => {
                let _ = self.set_selector("");
            }
            Command::ScrollDown | Command::Down => self.detail_scroll = self.detail_scroll.saturating_add(1),
            Command::ScrollUp | Command::Up => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Command::Refresh if cx.world.contexts.hetzner.is_some() => {
                cx.load(Load::Servers { quiet: false });
                cx.load(Load::Pricing);
            }
            Command::Refresh => cx.say(Level::Warn, "no Hetzner context: set HCLOUD_TOKEN or configure hcloud contexts"),
            Command::CopyIp => {
                if let Some(s) = self.target(cx) {
                    let msg = match s.ipv4() {
                        Some(ip) => format!("{}: {ip}", s.name),
                        None => format!("{} has no public IPv4", s.name),
                    };
                    cx.say(Level::Info, msg);
                }
            }
            Command::PowerMenu => self.power_menu(cx),
            Command::DeleteServer => self.delete(cx),
            Command::ServerMenu => self.change_menu(cx),
            Command::NewServer => return vec![Effect::LoadServerChoices { purpose: ChoicesFor::NewServer }],
            Command::SshKeys => return vec![Effect::LoadSshKeys],
            Command::ShowFirewalls => cx.go(PaneId::Firewalls),
            Command::TailServer | Command::ExecServer => {
                if let Some(s) = self.target(cx) {
                    let text =
                        if cmd == Command::TailServer { format!("tail journal docker on {}", s.name) } else { format!("exec {} ", s.name) };
                    cx.ask(Prompt::new(PromptKind::Command, &text));
                }
            }
            _ => {}
        }
        vec![]
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        // Costs follow the servers and the prices: a sort by them follows too.
        if matches!(what, Changed::Servers | Changed::Pricing) && self.table.sort_outside.is_some() {
            self.sort_by_cost(cx.world, self.table.sort_desc);
        }
        match what {
            Changed::ServersPage { first, from } => {
                if first {
                    self.keep = self.keep.take().or_else(|| self.table.selected().map(|s| s.id.to_string()));
                    self.table.clear();
                }
                self.table.extend(cx.world.servers[from.min(cx.world.servers.len())..].to_vec());
                if let Some(id) = &self.keep
                    && self.table.select_id(id)
                {
                    self.keep = None;
                }
                self.table.scroll_to_cursor(cx.height);
            }
            Changed::Servers => {
                self.keep = None;
                if let Some(id) = self.detail
                    && cx.world.server(id).is_none()
                    && cx.world.load.error.is_none()
                {
                    self.detail = None;
                    cx.say(Level::Warn, format!("server {id} is gone: the detail view closed"));
                }
            }
            Changed::Context => {
                self.table.clear();
                self.detail = None;
                self.metrics = None;
                cx.load(Load::Servers { quiet: false });
                cx.load(Load::Pricing);
            }
            _ => {}
        }
        vec![]
    }

    fn on_op_done(&mut self, after: &After, _ok: bool, cx: &mut Cx) -> Vec<Effect> {
        if matches!(after, After::Servers | After::WaitOff { .. }) {
            cx.load(Load::Servers { quiet: true });
        }
        vec![]
    }

    fn submit(&mut self, form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        if form.kind == FormKind::NewServer {
            return self.submit_new(form, cx);
        }
        if form.kind == FormKind::AddSshKey {
            let mut form = form;
            form.clear_errors();
            let name = form.get("name").trim().to_string();
            let key = form.get("key").trim().to_string();
            if name.is_empty() {
                form.set_error("name", "a name");
            }
            let file = key.starts_with('/') || key.starts_with('~') || key.ends_with(".pub");
            let kinds = ["ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-", "sk-ssh-ed25519@openssh.com "];
            if !file && !kinds.iter().any(|k| key.starts_with(k)) {
                form.set_error("key", "a public key (ssh-ed25519 AAAA...) or a .pub file; never the private key");
            }
            if form.has_errors() {
                return Err(Box::new(form));
            }
            let shown = if file { format!("from {key}") } else { key.chars().take(40).collect::<String>() + "..." };
            let c = Confirm::new(&format!("Add SSH key {name}"), vec![format!("+ SSH key {name}: {shown}")], &cx.world.context_name(), vec![Effect::AddSshKey { name, key }]);
            return Ok(Then::Dialog(Box::new(Dialog::Confirm(c))));
        }
        if matches!(form.kind, FormKind::ChangeType { .. } | FormKind::Rebuild { .. }) {
            return self.submit_type_or_rebuild(form, cx);
        }
        self.submit_change(form, cx)
    }

    fn focus(&mut self, id: &str, cx: &mut Cx) -> Vec<Effect> {
        self.table.select_id(id);
        self.table.scroll_to_cursor(cx.height);
        vec![]
    }

    fn on_line(&mut self, _word: &str, args: &str, cx: &mut Cx) -> Vec<Effect> {
        self.detail = None;
        match self.set_selector(args) {
            Ok(()) if !args.is_empty() => cx.say(Level::Info, format!("label selector {args}: {} servers", self.table.len())),
            Ok(()) => {}
            Err(e) => cx.say(Level::Error, format!("label selector: {e}")),
        }
        self.table.scroll_to_cursor(cx.height);
        vec![]
    }

    fn filter(&self) -> Option<String> {
        self.detail.is_none().then(|| self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn relayout(&mut self, height: usize) {
        self.table.scroll_to_cursor(height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::{Request, TestCx};

    fn server(id: i64, name: &str, status: &str) -> Server {
        let mut s: Server = serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "status": status, "created": "2026-01-01T00:00:00Z",
            "server_type": {"id": 1, "name": "cx22", "cores": 2, "memory": 4.0, "disk": 40},
            "location": {"id": 1, "name": "fsn1"},
            "public_net": {"ipv4": {"ip": format!("203.0.113.{id}")}},
        }))
        .unwrap_or_else(|e| panic!("test server: {e}"));
        s.labels.insert("env".into(), if id % 2 == 0 { "production".into() } else { "uat".into() });
        s
    }

    fn world_with(t: &mut TestCx, names: &[(i64, &str, &str)]) -> ServersPane {
        t.world.servers = names.iter().map(|(i, n, s)| Arc::new(server(*i, n, s))).collect();
        let mut p = ServersPane::default();
        p.on_world(Changed::ServersPage { first: true, from: 0 }, &mut t.cx());
        p
    }

    #[test]
    fn keys_move_open_and_close_the_detail() {
        let mut t = TestCx::new();
        let mut p = world_with(&mut t, &[(1, "coolify", "running"), (2, "db-prod-1", "running"), (3, "web-uat-1", "off")]);
        p.on_command(Command::Bottom, &mut t.cx());
        assert_eq!(p.table.selected().map(|s| s.name.as_str()), Some("web-uat-1"));
        let e = p.on_command(Command::Open, &mut t.cx());
        assert_eq!(e, [Effect::LoadMetrics { id: 3 }]);
        assert_eq!(p.scopes(), &[Scope::Servers, Scope::Detail]);
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.detail, None);
        p.on_command(Command::Top, &mut t.cx());
        p.on_command(Command::Down, &mut t.cx());
        assert_eq!(p.table.selected().map(|s| s.name.as_str()), Some("db-prod-1"));
    }

    #[test]
    fn a_reload_never_moves_the_target_of_an_open_detail() {
        let mut t = TestCx::new();
        let mut p = world_with(&mut t, &[(1, "coolify", "running"), (3, "web-uat-1", "running")]);
        p.on_command(Command::Bottom, &mut t.cx());
        p.on_command(Command::Open, &mut t.cx());
        // The reload: page one starts over (the cursor would fall to row 1).
        t.world.servers = vec![Arc::new(server(1, "coolify", "running")), Arc::new(server(3, "web-uat-1", "off"))];
        p.on_world(Changed::ServersPage { first: true, from: 0 }, &mut t.cx());
        p.on_world(Changed::Servers, &mut t.cx());
        assert_eq!(p.target(&t.cx()).map(|s| (s.name.clone(), s.status.clone())), Some(("web-uat-1".into(), "off".into())));
        assert_eq!(p.table.selected().map(|s| s.id), Some(3), "the list cursor stays on the same server");
        p.on_command(Command::PowerMenu, &mut t.cx());
        let Some(Dialog::Menu(m)) = &t.out.dialog else { panic!("a menu opens") };
        assert_eq!(m.title, "Power: web-uat-1 (off)");
        // Gone from the project: the view closes and says so.
        t.world.servers.retain(|s| s.id != 3);
        p.on_world(Changed::ServersPage { first: true, from: 0 }, &mut t.cx());
        p.on_world(Changed::Servers, &mut t.cx());
        assert_eq!(p.detail, None);
        assert!(t.said().iter().any(|m| m.contains("server 3 is gone")), "{:?}", t.said());
    }

    #[test]
    fn selector_filter_and_refresh() {
        let mut t = TestCx::new();
        t.world.contexts.hetzner = Some("demo".into());
        let mut p = world_with(&mut t, &[(1, "alpha", "running"), (2, "bravo", "running"), (4, "charlie", "running")]);
        p.on_line("servers", "env=production", &mut t.cx());
        assert_eq!(p.table.len(), 2);
        assert!(t.said().contains(&"label selector env=production: 2 servers".to_string()));
        p.set_filter("charlie", &mut t.cx());
        assert_eq!(p.table.len(), 1);
        assert_eq!(p.filter().as_deref(), Some("charlie"));
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.table.len(), 2, "Back clears the filter first");
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.table.len(), 3, "then the selector");
        p.on_command(Command::Refresh, &mut t.cx());
        assert_eq!(t.out.requests, [Request::Load(Load::Servers { quiet: false }, true), Request::Load(Load::Pricing, true)]);
    }

    #[test]
    fn power_and_delete_confirm_with_the_name() {
        let mut t = TestCx::new();
        let mut p = world_with(&mut t, &[(7, "web-1", "running")]);
        p.on_command(Command::DeleteServer, &mut t.cx());
        let Some(Dialog::Confirm(c)) = &t.out.dialog else { panic!("a confirmation opens") };
        assert_eq!(c.require.as_deref(), Some("web-1"));
        assert!(matches!(&c.on_yes[..], [Effect::Hz { ops, .. }] if ops == &[HzOp::Delete { id: 7 }]));
    }
}
