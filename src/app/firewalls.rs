//! Firewalls: rules and where they apply; edits are staged, then the full new
//! rule set is shown before `set_rules` replaces it. Recipes for the cut-over:
//! "allow only my IP" for a port, "allow the database port only from server X".

use super::action::{After, Effect, HzOp};
use super::dialog::{Confirm, Dialog, Field, Form, FormKind, Then};
use super::state::{Level, State};
use crate::hetzner::model::{Firewall, Rule};
use crate::input::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    List,
    Rules,
}

#[derive(Default)]
pub struct Firewalls {
    pub list: Vec<Firewall>,
    pub loaded: bool,
    pub cursor: usize,
    pub view: View,
    pub rule_cursor: usize,
    /// Edited rules of one firewall, not yet written.
    pub staged: Option<(i64, Vec<Rule>)>,
    /// The operator's public IP as seen from here, if known (SSH_CONNECTION).
    pub my_ip: Option<String>,
}

impl Firewalls {
    pub fn selected(&self) -> Option<&Firewall> {
        self.list.get(self.cursor)
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
        if let Some(f) = self.selected() {
            self.staged = Some((f.id, rules));
        }
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

pub fn run(state: &mut State, cmd: Command) -> Vec<Effect> {
    let ctx = state.context_name();
    let fw = &mut state.firewalls;
    match cmd {
        Command::Down => {
            match fw.view {
                View::List => fw.cursor = (fw.cursor + 1).min(fw.list.len().saturating_sub(1)),
                View::Rules => fw.rule_cursor = (fw.rule_cursor + 1).min(fw.rules().len().saturating_sub(1)),
            }
            return vec![];
        }
        Command::Up => {
            match fw.view {
                View::List => fw.cursor = fw.cursor.saturating_sub(1),
                View::Rules => fw.rule_cursor = fw.rule_cursor.saturating_sub(1),
            }
            return vec![];
        }
        Command::Open => {
            if fw.selected().is_some() {
                fw.view = View::Rules;
                fw.rule_cursor = 0;
            }
            return vec![];
        }
        Command::Back => {
            match fw.view {
                View::Rules => fw.view = View::List,
                View::List => state.servers.view = super::servers::View::List,
            }
            return vec![];
        }
        Command::Refresh => return vec![Effect::LoadFirewalls],
        _ => {}
    }
    if cmd.writes() && state.readonly {
        state.set_message(Level::Warn, "read-only: firewall changes are disabled");
        return vec![];
    }
    let Some(f) = fw.selected().cloned() else { return vec![] };
    let rules = fw.rules();
    match cmd {
        Command::AddRule => {
            state.dialog = Some(Dialog::Form(rule_form(
                &format!("Add a rule to firewall {}", f.name),
                FormKind::FirewallRule { firewall: f.id, index: None },
                None,
            )))
        }
        Command::EditRule => {
            if let Some(r) = rules.get(fw.rule_cursor) {
                state.dialog = Some(Dialog::Form(rule_form(
                    &format!("Edit rule {} of firewall {}", fw.rule_cursor + 1, f.name),
                    FormKind::FirewallRule { firewall: f.id, index: Some(fw.rule_cursor) },
                    Some(r),
                )));
            }
        }
        Command::RemoveRule => {
            let mut r = rules;
            if fw.rule_cursor < r.len() {
                r.remove(fw.rule_cursor);
                fw.stage(r);
                fw.rule_cursor = fw.rule_cursor.saturating_sub(1);
                state.set_message(Level::Info, "rule removed (staged: W writes the rule set, u undoes)");
            }
        }
        Command::AllowMyIp => {
            let mut form = Form::new(
                &format!("Allow a port only from my IP ({})", f.name),
                FormKind::AllowMyIp { firewall: f.id },
                vec![
                    Field::new("port", "22", "tcp port to lock down"),
                    Field::new("my ip", fw.my_ip.as_deref().unwrap_or(""), "your public address"),
                ],
            );
            form.note = vec![match &fw.my_ip {
                Some(ip) => format!("Detected from SSH_CONNECTION (the address this jump box sees you at): {ip}. Check it."),
                None => "Your public IP could not be detected here: type it (e.g. from your router or `curl ifconfig.me` on your machine)."
                    .into(),
            }];
            form.note.push("Every other rule for this port is replaced by one rule from this address.".into());
            state.dialog = Some(Dialog::Form(form));
        }
        Command::DbFromServer => {
            let mut form = Form::new(
                &format!("Allow the database port only from a server ({})", f.name),
                FormKind::DbFromServer { firewall: f.id },
                vec![
                    Field::new("port", "5432", "database port"),
                    Field::new("server", "", "name of the server that connects (its IPv4 and IPv6 are used)"),
                ],
            );
            form.note = vec!["Every other rule for this port is replaced by one rule from that server's addresses.".into()];
            state.dialog = Some(Dialog::Form(form));
        }
        Command::ApplyFirewall => {
            state.dialog = Some(Dialog::Form(Form::new(
                &format!("Apply firewall {} to", f.name),
                FormKind::ApplyFirewall { firewall: f.id },
                vec![Field::new("target", "", "a server name, or a label selector like role=db,env=production")],
            )))
        }
        Command::WriteRules => match &fw.staged {
            Some((id, new)) if *id == f.id => {
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
                    &ctx,
                    vec![Effect::Hz {
                        label: format!("set rules of firewall {}", f.name),
                        ops: vec![HzOp::SetRules { firewall: f.id, rules: new.clone() }],
                        after: After::Firewalls,
                    }],
                );
                if !new.iter().any(|r| r.direction == "in") {
                    c = c.warn("no inbound rules: the firewall will drop ALL incoming traffic");
                }
                state.dialog = Some(Dialog::Confirm(c.typed(&f.name)));
            }
            _ => state.set_message(Level::Info, "nothing staged for this firewall"),
        },
        Command::UndoRules => {
            fw.staged = None;
            state.set_message(Level::Info, "staged changes dropped");
        }
        _ => {}
    }
    vec![]
}

/// Validates a submitted firewall form. `Err` keeps the form open with its errors.
pub fn submit(state: &mut State, mut form: Form) -> Result<Then, Box<Form>> {
    form.clear_errors();
    let fw = &state.firewalls;
    let kind = form.kind.clone();
    let fid = match kind {
        FormKind::FirewallRule { firewall, .. }
        | FormKind::AllowMyIp { firewall }
        | FormKind::DbFromServer { firewall }
        | FormKind::ApplyFirewall { firewall } => firewall,
        _ => return Err(Box::new(form)),
    };
    let Some(f) = fw.list.iter().find(|f| f.id == fid).cloned() else {
        form.error = Some("that firewall is gone; reload (C-r)".into());
        return Err(Box::new(form));
    };
    let current = match &fw.staged {
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
            if peers.is_empty() && form.fields.iter().all(|x| x.label != "addresses" || x.error.is_none()) {
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
            state.firewalls.staged = Some((fid, r));
            state.set_message(Level::Info, staged_msg(n));
            Ok(Then::Effects(vec![]))
        }
        FormKind::AllowMyIp { .. } | FormKind::DbFromServer { .. } => {
            let port = match check_port("tcp", form.get("port")) {
                Ok(p) => p,
                Err(m) => {
                    form.set_error("port", m);
                    None
                }
            };
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
                match state.servers.table.items().iter().find(|s| s.name == name) {
                    Some(s) => {
                        let mut v = Vec::new();
                        if let Some(ip) = s.ipv4() {
                            v.push(format!("{ip}/32"));
                        }
                        if let Some(net) = s.ipv6() {
                            v.push(net.to_string());
                        }
                        (v, format!("server {name}"))
                    }
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
                .filter(|x| !(x.direction == "in" && matches!(x.protocol.as_str(), "tcp") && x.port.as_deref() == Some(port.as_str())))
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
            state.firewalls.staged = Some((fid, r));
            state.set_message(Level::Info, staged_msg(n));
            // Straight to the preview: a recipe is one keystroke away from done.
            Ok(Then::Effects(run(state, Command::WriteRules)))
        }
        FormKind::ApplyFirewall { .. } => {
            let target = form.get("target").to_string();
            let (servers, selectors, label) = match state.servers.table.items().iter().find(|s| s.name == target) {
                Some(s) => (vec![s.id], vec![], format!("server {target}")),
                None => match crate::hetzner::label_selector::Selector::parse(&target) {
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
                let sel = crate::hetzner::label_selector::Selector::parse(&target).unwrap_or_default();
                state.servers.table.items().iter().filter(|s| sel.matches(&s.labels)).map(|s| s.name.clone()).collect()
            };
            let mut lines = vec![format!("Apply firewall {} to {label}:", f.name)];
            lines.extend(matched.iter().map(|m| format!("+ {m}")));
            let c = Confirm::new(
                &format!("Apply firewall {}", f.name),
                lines,
                &state.context_name(),
                vec![Effect::Hz {
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

#[cfg(test)]
mod tests {
    use super::*;

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
