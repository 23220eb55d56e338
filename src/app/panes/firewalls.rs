//! Firewalls (a view under the Servers tab): the project's firewalls and where
//! they apply, then one firewall's rules. Edits are staged; the whole new rule
//! set is shown before `set_rules` replaces it. Recipes for the cut-over:
//! "allow only my IP" for a port, "allow the database port only from server X".

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{After, Effect, HzOp};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Cursor, Row, Table};
use crate::hetzner::label_selector::Selector;
use crate::hetzner::model::{Firewall, Rule};
use crate::input::{Command, Scope};
use std::borrow::Cow;

const COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 20, align: Align::Left, priority: 0 },
    Column { title: "RULES", width: 5, align: Align::Right, priority: 0 },
    Column { title: "APPLIED TO", width: 40, align: Align::Left, priority: 0 },
];

impl Row for Firewall {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            0 => Cow::Borrowed(&self.name),
            1 => Cow::Owned(self.rules.len().to_string()),
            _ => Cow::Owned(self.applied_to.iter().map(|a| a.kind.clone()).collect::<Vec<_>>().join(", ")),
        }
    }
    fn haystack(&self) -> String {
        format!("{} {}", self.name, self.rules.iter().map(rule_line).collect::<Vec<_>>().join(" "))
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

#[derive(Default)]
pub struct FirewallsPane {
    pub table: Table<Firewall>,
    pub loaded: bool,
    /// The firewall whose rules are open (by id).
    pub open: Option<i64>,
    pub rules_cursor: Cursor,
    /// Edited rules of one firewall, not yet written.
    pub staged: Option<(i64, Vec<Rule>)>,
}

#[derive(Debug)]
pub enum Msg {
    Loaded(Result<Vec<Firewall>, String>),
}

impl PaneInfo for FirewallsPane {
    const TITLE: &'static str = "Firewalls";
    const NAMES: &'static [&'static str] = &["firewalls", "firewall", "fw"];
    const PARENT: Option<PaneId> = Some(PaneId::Servers);
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Loaded(Ok(list)) => {
                self.loaded = true;
                self.table.set_items(list);
                self.table.scroll_to_cursor(cx.height);
                if let Some(id) = self.open
                    && self.firewall(id).is_none()
                {
                    self.open = None;
                    cx.say(Level::Warn, format!("firewall {id} is gone"));
                }
                let n = self.rules().len();
                self.rules_cursor.clamp(n);
            }
            Msg::Loaded(Err(e)) => cx.say(Level::Error, e),
        }
        vec![]
    }
}

impl FirewallsPane {
    pub fn firewall(&self, id: i64) -> Option<&Firewall> {
        self.table.items().iter().find(|f| f.id == id)
    }

    /// The firewall acted on: the open one, else the cursor's.
    pub fn selected(&self) -> Option<&Firewall> {
        match self.open {
            Some(id) => self.firewall(id),
            None => self.table.selected(),
        }
    }

    /// The rules shown: the staged ones when this firewall has edits.
    pub fn rules(&self) -> Vec<Rule> {
        let Some(f) = self.selected() else { return vec![] };
        match &self.staged {
            Some((id, r)) if *id == f.id => r.clone(),
            _ => f.rules.clone(),
        }
    }

    fn stage(&mut self, rules: Vec<Rule>) {
        if let Some(id) = self.selected().map(|f| f.id) {
            self.staged = Some((id, rules));
        }
    }

    fn write_rules(&mut self, cx: &mut Cx) {
        let Some(f) = self.selected().cloned() else { return };
        let Some(new) = self.staged.as_ref().filter(|(id, _)| *id == f.id).map(|(_, r)| r.clone()) else {
            cx.say(Level::Info, "nothing staged for this firewall");
            return;
        };
        let old: Vec<String> = f.rules.iter().map(rule_line).collect();
        let newl: Vec<String> = new.iter().map(rule_line).collect();
        let mut lines = vec![format!("The rule set of firewall {} becomes ({} rules):", f.name, new.len())];
        for l in &newl {
            lines.push(if old.contains(l) { format!("  {l}") } else { format!("+ {l}") });
        }
        for l in old.iter().filter(|l| !newl.contains(l)) {
            lines.push(format!("- {l}"));
        }
        let mut c = Confirm::new(
            &format!("Replace the rules of firewall {}", f.name),
            lines,
            &cx.world.context_name(),
            vec![Effect::Hz {
                to: PaneId::Firewalls,
                label: format!("set rules of firewall {}", f.name),
                ops: vec![HzOp::SetRules { firewall: f.id, rules: new.clone() }],
                after: After::Firewalls,
            }],
        );
        if !new.iter().any(|r| r.direction == "in") {
            c = c.warn("no inbound rules: the firewall will drop ALL incoming traffic");
        }
        cx.open(Dialog::Confirm(c.typed(&f.name)));
    }
}

pub fn rule_line(r: &Rule) -> String {
    let peers = if r.direction == "in" { &r.source_ips } else { &r.destination_ips };
    let port = r.port.as_deref().unwrap_or("-");
    let desc = r.description.as_deref().map(|d| format!("  # {d}")).unwrap_or_default();
    format!("{:<3} {:<4} {:<11} {}{desc}", r.direction, r.protocol, port, peers.join(", "))
}

/// Address to a single-host CIDR (`/32`, `/128`); networks kept; host bits refused.
pub fn normalise_cidr(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty address".into());
    }
    if !s.contains('/') {
        return match s.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(a)) => Ok(format!("{a}/32")),
            Ok(std::net::IpAddr::V6(a)) => Ok(format!("{a}/128")),
            Err(_) => Err(format!("`{s}` is not an IP address or network")),
        };
    }
    crate::hetzner::validate::check_cidr(s).map(|_| s.to_string()).map_err(|m| {
        if m.contains("host bits") {
            let (a, l) = s.split_once('/').unwrap_or((s, ""));
            format!("{m}: use {a}/32 for one host, or the network address for /{l}")
        } else {
            m
        }
    })
}

/// A port or range, only for tcp and udp.
pub fn check_port(protocol: &str, port: &str) -> Result<Option<String>, String> {
    let port = port.trim();
    match protocol {
        "tcp" | "udp" => {
            if port.is_empty() {
                return Err("tcp and udp rules need a port (22, or a range like 8000-8100)".into());
            }
            let ok = match port.split_once('-') {
                Some((a, b)) => matches!((a.parse::<u16>(), b.parse::<u16>()), (Ok(a), Ok(b)) if a >= 1 && a < b),
                None => port.parse::<u16>().is_ok_and(|p| p >= 1),
            };
            if ok { Ok(Some(port.to_string())) } else { Err(format!("`{port}` is not a port 1-65535 or a range like 8000-8100")) }
        }
        "icmp" | "esp" | "gre" => {
            if port.is_empty() {
                Ok(None)
            } else {
                Err(format!("{protocol} has no ports: leave the port empty"))
            }
        }
        other => Err(format!("`{other}` is not a protocol (tcp, udp, icmp, esp, gre)")),
    }
}

fn rule_form(title: &str, kind: FormKind, r: Option<&Rule>) -> Form {
    let (dir, proto, port, peers, desc) = match r {
        Some(r) => (
            r.direction.clone(),
            r.protocol.clone(),
            r.port.clone().unwrap_or_default(),
            if r.direction == "in" { r.source_ips.join(", ") } else { r.destination_ips.join(", ") },
            r.description.clone().unwrap_or_default(),
        ),
        None => ("in".into(), "tcp".into(), String::new(), String::new(), String::new()),
    };
    Form::new(
        title,
        kind,
        vec![
            Field::new("direction", &dir, "in or out"),
            Field::new("protocol", &proto, "tcp, udp, icmp, esp, gre"),
            Field::new("port", &port, "22, or 8000-8100 (tcp/udp only)"),
            Field::new("addresses", &peers, "comma separated: 203.0.113.7, 10.0.0.0/8, ::/0"),
            Field::new("description", &desc, "optional"),
        ],
    )
}

impl FirewallsPane {
    /// A new firewall, or a new name: checked here, previewed, then sent.
    fn submit_name(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        let name = form.get("name").to_string();
        let renaming = match form.kind {
            FormKind::RenameFirewall { firewall } => self.firewall(firewall).cloned(),
            _ => None,
        };
        if name.is_empty() || name.chars().count() > 128 {
            form.set_error("name", "1 to 128 characters");
        } else if self.table.items().iter().any(|f| f.name == name && renaming.as_ref().is_none_or(|r| r.id != f.id)) {
            form.set_error("name", format!("a firewall named {name} exists already"));
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
        let ctx = cx.world.context_name();
        let c = match renaming {
            Some(f) if f.name == name => {
                form.set_error("name", "that is its name already");
                return Err(Box::new(form));
            }
            Some(f) => Confirm::new(
                &format!("Rename firewall {}", f.name),
                vec![format!("~ firewall name {} -> {name}", f.name)],
                &ctx,
                vec![Effect::Hz {
                    to: PaneId::Firewalls,
                    label: format!("rename firewall {}", f.name),
                    ops: vec![HzOp::RenameFirewall { firewall: f.id, name: name.clone() }],
                    after: After::Firewalls,
                }],
            ),
            None => {
                let mut lines = vec![format!("+ firewall {name} (no rules, applied to nothing)")];
                if !labels.is_empty() {
                    lines.push(format!("+   labels {}", labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")));
                }
                Confirm::new(
                    &format!("Create firewall {name}"),
                    lines,
                    &ctx,
                    vec![Effect::Hz {
                        to: PaneId::Firewalls,
                        label: format!("create firewall {name}"),
                        ops: vec![HzOp::CreateFirewall { name: name.clone(), labels }],
                        after: After::Firewalls,
                    }],
                )
            }
        };
        Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
    }
}

impl Pane for FirewallsPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Firewalls, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let h = cx.height;
        let moved = match self.open {
            None => self.table.navigate(cmd, h),
            Some(_) => {
                let n = self.rules().len();
                self.rules_cursor.navigate(cmd, n, h)
            }
        };
        if moved {
            return vec![];
        }
        match cmd {
            Command::Open if self.open.is_none() => {
                if let Some(f) = self.table.selected() {
                    self.open = Some(f.id);
                    self.rules_cursor = Cursor::default();
                }
                return vec![];
            }
            Command::Back if self.open.is_some() => self.open = None,
            Command::Back if self.table.filter().is_some() => self.table.set_filter(None),
            Command::Back => cx.go(PaneId::Servers),
            Command::Refresh => return vec![Effect::LoadFirewalls],
            Command::NewFirewall => {
                let mut form = Form::new(
                    "New firewall",
                    FormKind::NewFirewall,
                    vec![Field::new("name", "", "unique in the project"), Field::new("labels", "", "optional: role=db,env=production")],
                );
                form.note = vec!["It starts with no rules and applies to nothing: add rules (a), write them (W), then apply it (A).".into()];
                cx.open(Dialog::Form(form));
                return vec![];
            }
            _ => {}
        }
        let Some(f) = self.selected().cloned() else { return vec![] };
        let rules = self.rules();
        let at = self.rules_cursor.pos;
        match cmd {
            Command::AddRule => cx.open(Dialog::Form(rule_form(
                &format!("Add a rule to firewall {}", f.name),
                FormKind::FirewallRule { firewall: f.id, index: None },
                None,
            ))),
            Command::EditRule if self.open.is_some() => {
                if let Some(r) = rules.get(at) {
                    cx.open(Dialog::Form(rule_form(
                        &format!("Edit rule {} of firewall {}", at + 1, f.name),
                        FormKind::FirewallRule { firewall: f.id, index: Some(at) },
                        Some(r),
                    )));
                }
            }
            Command::RemoveRule if self.open.is_some() && at < rules.len() => {
                let mut r = rules;
                r.remove(at);
                let n = r.len();
                self.stage(r);
                self.rules_cursor.clamp(n);
                cx.say(Level::Info, "rule removed (staged: W writes the rule set, u undoes)");
            }
            Command::AllowMyIp => {
                let mine = cx.world.my_ip.clone();
                let mut form = Form::new(
                    &format!("Allow a port only from my IP ({})", f.name),
                    FormKind::AllowMyIp { firewall: f.id },
                    vec![Field::new("port", "22", "tcp port to lock down"), Field::new("my ip", mine.as_deref().unwrap_or(""), "your public address")],
                );
                form.note = vec![match &mine {
                    Some(ip) => format!("Detected from SSH_CONNECTION (the address this jump box sees you at): {ip}. Check it."),
                    None => "Your public IP could not be detected here: type it (e.g. from your router or `curl ifconfig.me` on your machine)."
                        .into(),
                }];
                form.note.push("Every other rule for this port is replaced by one rule from this address.".into());
                cx.open(Dialog::Form(form));
            }
            Command::DbFromServer => {
                let mut form = Form::new(
                    &format!("Allow the database port only from a server ({})", f.name),
                    FormKind::DbFromServer { firewall: f.id },
                    vec![
                        Field::new("port", "5432", "database port"),
                        Field::new("server", "", "name of the server that connects (its IPv4 and IPv6 are used)").picks(crate::app::completion::Source::Server),
                    ],
                );
                form.note = vec!["Every other rule for this port is replaced by one rule from that server's addresses.".into()];
                cx.open(Dialog::Form(form));
            }
            Command::ApplyFirewall => cx.open(Dialog::Form(Form::new(
                &format!("Apply firewall {} to", f.name),
                FormKind::ApplyFirewall { firewall: f.id },
                vec![Field::new("target", "", "a server name, or a label selector like role=db,env=production")],
            ))),
            Command::WriteRules => self.write_rules(cx),
            Command::RenameFirewall => cx.open(Dialog::Form(Form::new(
                &format!("Rename firewall {}", f.name),
                FormKind::RenameFirewall { firewall: f.id },
                vec![Field::new("name", &f.name, "unique in the project")],
            ))),
            Command::DeleteFirewall if !f.applied_to.is_empty() => cx.say(
                Level::Error,
                format!(
                    "firewall {} still applies to {} resource(s): Hetzner refuses to delete it (resource_in_use) until it applies to nothing",
                    f.name,
                    f.applied_to.len()
                ),
            ),
            Command::DeleteFirewall => {
                let mut lines = vec![format!("- firewall {} ({} rules, applied to nothing)", f.name, f.rules.len())];
                lines.extend(f.rules.iter().map(|r| format!("-   {}", rule_line(r))));
                let c = Confirm::new(
                    &format!("Delete firewall {}", f.name),
                    lines,
                    &cx.world.context_name(),
                    vec![Effect::Hz {
                        to: PaneId::Firewalls,
                        label: format!("delete firewall {}", f.name),
                        ops: vec![HzOp::DeleteFirewall { firewall: f.id }],
                        after: After::Firewalls,
                    }],
                )
                .warn("There is no undo.")
                .typed(&f.name);
                self.open = None;
                cx.open(Dialog::Confirm(c));
            }
            Command::UndoRules => {
                self.staged = None;
                cx.say(Level::Info, "staged changes dropped");
            }
            _ => {}
        }
        vec![]
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if !self.loaded && cx.world.contexts.hetzner.is_some() {
            self.loaded = true;
            return vec![Effect::LoadFirewalls];
        }
        vec![]
    }

    fn on_world(&mut self, what: Changed, _cx: &mut Cx) -> Vec<Effect> {
        if what == Changed::Context {
            *self = FirewallsPane::default();
        }
        vec![]
    }

    fn on_op_done(&mut self, after: &After, _ok: bool, cx: &mut Cx) -> Vec<Effect> {
        if *after == After::Firewalls {
            self.staged = None;
            cx.load(Load::Servers { quiet: true });
            return vec![Effect::LoadFirewalls];
        }
        vec![]
    }

    fn reload(&mut self, _cx: &mut Cx) -> Vec<Effect> {
        if self.loaded { vec![Effect::LoadFirewalls] } else { vec![] }
    }

    fn filter(&self) -> Option<String> {
        self.open.is_none().then(|| self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn submit(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let kind = form.kind.clone();
        if let FormKind::NewFirewall | FormKind::RenameFirewall { .. } = kind {
            return self.submit_name(form, cx);
        }
        let fid = match kind {
            FormKind::FirewallRule { firewall, .. }
            | FormKind::AllowMyIp { firewall }
            | FormKind::DbFromServer { firewall }
            | FormKind::ApplyFirewall { firewall } => firewall,
            _ => return Err(Box::new(form)),
        };
        let Some(f) = self.firewall(fid).cloned() else {
            form.error = Some("that firewall is gone; reload (C-r)".into());
            return Err(Box::new(form));
        };
        let current = match &self.staged {
            Some((id, r)) if *id == fid => r.clone(),
            _ => f.rules.clone(),
        };
        let staged_msg = |n: usize| format!("{n} rules staged for firewall {}: W shows them all and writes, u drops them", f.name);
        match kind {
            FormKind::FirewallRule { index, .. } => {
                let dir = form.get("direction").to_string();
                let proto = form.get("protocol").to_string();
                if !matches!(dir.as_str(), "in" | "out") {
                    form.set_error("direction", "in or out");
                }
                let port = check_port(&proto, form.get("port"))
                    .map_err(|m| form.set_error(if m.contains("protocol") { "protocol" } else { "port" }, m))
                    .ok()
                    .flatten();
                let mut peers = Vec::new();
                for a in form.get("addresses").split(',').map(str::trim).filter(|a| !a.is_empty()) {
                    match normalise_cidr(a) {
                        Ok(c) => peers.push(c),
                        Err(m) => {
                            form.set_error("addresses", m);
                            break;
                        }
                    }
                }
                if peers.is_empty() && form.error_of("addresses").is_none() {
                    form.set_error("addresses", "at least one address or network (0.0.0.0/0 and ::/0 mean anywhere)");
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let desc = form.get("description");
                let rule = Rule {
                    description: (!desc.is_empty()).then(|| desc.to_string()),
                    direction: dir.clone(),
                    source_ips: if dir == "in" { peers.clone() } else { vec![] },
                    destination_ips: if dir == "out" { peers } else { vec![] },
                    protocol: proto,
                    port,
                };
                let mut r = current;
                match index {
                    Some(i) if i < r.len() => r[i] = rule,
                    _ => r.push(rule),
                }
                let n = r.len();
                self.staged = Some((fid, r));
                cx.say(Level::Info, staged_msg(n));
                Ok(Then::Effects(vec![]))
            }
            FormKind::AllowMyIp { .. } | FormKind::DbFromServer { .. } => {
                let port = check_port("tcp", form.get("port")).map_err(|m| form.set_error("port", m)).ok().flatten();
                let (sources, what) = if matches!(kind, FormKind::AllowMyIp { .. }) {
                    match normalise_cidr(form.get("my ip")) {
                        Ok(c) if c.starts_with("0.0.0.0/") || c.starts_with("::/") => {
                            form.set_error("my ip", "that is everyone, not your IP");
                            (vec![], String::new())
                        }
                        Ok(c) => (vec![c], "my IP".to_string()),
                        Err(m) => {
                            form.set_error("my ip", m);
                            (vec![], String::new())
                        }
                    }
                } else {
                    let name = form.get("server").to_string();
                    match cx.world.server_named(&name) {
                        Some(s) => (s.ipv4().map(|ip| format!("{ip}/32")).into_iter().chain(s.ipv6().map(str::to_string)).collect(), format!("server {name}")),
                        None => {
                            form.set_error("server", format!("no server named `{name}` in this project"));
                            (vec![], String::new())
                        }
                    }
                };
                if form.has_errors() || sources.is_empty() {
                    return Err(Box::new(form));
                }
                let port = port.unwrap_or_default();
                let mut r: Vec<Rule> = current
                    .into_iter()
                    .filter(|x| !(x.direction == "in" && x.protocol == "tcp" && x.port.as_deref() == Some(port.as_str())))
                    .collect();
                r.push(Rule {
                    description: Some(format!("{port} only from {what}")),
                    direction: "in".into(),
                    source_ips: sources,
                    destination_ips: vec![],
                    protocol: "tcp".into(),
                    port: Some(port),
                });
                let n = r.len();
                self.staged = Some((fid, r));
                cx.say(Level::Info, staged_msg(n));
                // Straight to the preview: a recipe is one keystroke away from done.
                self.write_rules(cx);
                Ok(Then::Effects(vec![]))
            }
            FormKind::ApplyFirewall { .. } => {
                let target = form.get("target").to_string();
                let (servers, selectors, label) = match cx.world.server_named(&target) {
                    Some(s) => (vec![s.id], vec![], format!("server {target}")),
                    None => match Selector::parse(&target) {
                        Ok(_) if target.contains('=') || target.contains('!') || target.contains(" in ") => {
                            (vec![], vec![target.clone()], format!("servers matching {target}"))
                        }
                        _ => {
                            form.set_error("target", format!("`{target}` is neither a server here nor a label selector"));
                            return Err(Box::new(form));
                        }
                    },
                };
                let matched: Vec<String> = if selectors.is_empty() {
                    vec![target.clone()]
                } else {
                    let sel = Selector::parse(&target).unwrap_or_default();
                    cx.world.servers.iter().filter(|s| sel.matches(&s.labels)).map(|s| s.name.clone()).collect()
                };
                let mut lines = vec![format!("Apply firewall {} to {label}:", f.name)];
                lines.extend(matched.iter().map(|m| format!("+ {m}")));
                let c = Confirm::new(
                    &format!("Apply firewall {}", f.name),
                    lines,
                    &cx.world.context_name(),
                    vec![Effect::Hz {
                        to: PaneId::Firewalls,
                        label: format!("apply firewall {}", f.name),
                        ops: vec![HzOp::Apply { firewall: fid, servers, selectors }],
                        after: After::Firewalls,
                    }],
                );
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            _ => Err(Box::new(form)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::TestCx;

    fn fw(id: i64, name: &str, rules: usize) -> Firewall {
        Firewall {
            id,
            name: name.into(),
            labels: Default::default(),
            rules: (0..rules)
                .map(|i| Rule {
                    description: None,
                    direction: "in".into(),
                    source_ips: vec!["0.0.0.0/0".into()],
                    destination_ips: vec![],
                    protocol: "tcp".into(),
                    port: Some((8000 + i).to_string()),
                })
                .collect(),
            applied_to: vec![],
        }
    }

    fn pane(t: &mut TestCx, n: i64) -> FirewallsPane {
        let mut p = FirewallsPane::default();
        p.on_msg(Msg::Loaded(Ok((1..=n).map(|i| fw(i, &format!("fw-{i:02}"), 30)).collect())), &mut t.cx());
        p
    }

    #[test]
    fn every_list_key_works_in_both_lists() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t, 25);
        p.on_command(Command::Bottom, &mut t.cx());
        assert_eq!(p.table.selected().map(|f| f.name.as_str()), Some("fw-25"));
        p.on_command(Command::PageUp, &mut t.cx());
        assert_eq!(p.table.selected().map(|f| f.name.as_str()), Some("fw-15"));
        p.on_command(Command::Top, &mut t.cx());
        p.on_command(Command::PageDown, &mut t.cx());
        assert_eq!(p.table.selected().map(|f| f.name.as_str()), Some("fw-11"));
        p.on_command(Command::Open, &mut t.cx());
        assert_eq!(p.open, Some(11));
        p.on_command(Command::Bottom, &mut t.cx());
        assert_eq!(p.rules_cursor.pos, 29);
        p.on_command(Command::PageUp, &mut t.cx());
        assert_eq!(p.rules_cursor.pos, 19);
        p.on_command(Command::Top, &mut t.cx());
        assert_eq!(p.rules_cursor.pos, 0);
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.open, None);
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(t.out.requests, [crate::app::cx::Request::Go(PaneId::Servers, None)]);
    }

    #[test]
    fn removing_a_rule_is_staged_and_written_only_after_a_typed_preview() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t, 1);
        p.on_command(Command::Open, &mut t.cx());
        p.on_command(Command::RemoveRule, &mut t.cx());
        assert_eq!(p.rules().len(), 29);
        assert_eq!(p.firewall(1).map(|f| f.rules.len()), Some(30), "nothing written yet");
        p.on_command(Command::WriteRules, &mut t.cx());
        let Some(Dialog::Confirm(c)) = &t.out.dialog else { panic!("the preview opens") };
        assert_eq!(c.require.as_deref(), Some("fw-01"));
        assert!(c.lines.iter().any(|l| l.starts_with("- in  tcp  8000")), "{:?}", c.lines);
        p.on_command(Command::UndoRules, &mut t.cx());
        assert_eq!(p.rules().len(), 30);
    }

    #[test]
    fn cidrs_and_ports() {
        assert_eq!(normalise_cidr("203.0.113.7").unwrap(), "203.0.113.7/32");
        assert_eq!(normalise_cidr("2001:db8::1").unwrap(), "2001:db8::1/128");
        assert_eq!(normalise_cidr("10.0.0.0/8").unwrap(), "10.0.0.0/8");
        let e = normalise_cidr("203.0.113.7/24").unwrap_err();
        assert!(e.contains("host bits") && e.contains("203.0.113.7/32"), "{e}");
        assert!(normalise_cidr("300.1.1.1").is_err());
        assert_eq!(check_port("tcp", "8000-8100").unwrap(), Some("8000-8100".into()));
        assert!(check_port("icmp", "22").unwrap_err().contains("no ports"));
        assert!(check_port("tcp", "").is_err());
        assert!(check_port("tcp", "9000-80").is_err());
    }
}
