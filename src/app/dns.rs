//! The DNS pane: Hetzner zones and their RRSets. Every write is validated per
//! record type and shown as a diff first.

use super::action::{After, Effect, HzOp, ReadPurpose};
use super::dialog::{Confirm, Dialog, Field, Form, FormKind, Then};
use super::state::{Level, State};
use super::table::{Align, Column, Row, SortKey, Table};
use crate::dns::records::{self, normalise, normalise_name, parse_ttl};
use crate::dns::zonefile::{self, RrsetMap};
use crate::hetzner::model::{Rrset, Zone};
use crate::input::Command;
use std::borrow::Cow;

const ZONE_COLUMNS: &[Column] = &[
    Column { title: "ZONE", width: 24, align: Align::Left, priority: 0 },
    Column { title: "STATUS", width: 8, align: Align::Left, priority: 0 },
    Column { title: "RECORDS", width: 7, align: Align::Right, priority: 1 },
    Column { title: "TTL", width: 6, align: Align::Right, priority: 0 },
    Column { title: "DELEGATION", width: 15, align: Align::Left, priority: 0 },
];

impl Row for Zone {
    fn columns() -> &'static [Column] {
        ZONE_COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            0 => Cow::Borrowed(&self.name),
            1 => Cow::Borrowed(&self.status),
            2 => Cow::Owned(self.record_count.to_string()),
            3 => Cow::Owned(self.ttl.to_string()),
            4 => Cow::Owned(self.authoritative_nameservers.as_ref().map(|n| n.delegation_status.clone()).unwrap_or_else(|| "-".into())),
            _ => Cow::Borrowed(""),
        }
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            2 => SortKey::Num(self.record_count as f64),
            3 => SortKey::Num(self.ttl as f64),
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        format!("{} {} {}", self.name, self.status, self.cell(4))
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

const RR_COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 18, align: Align::Left, priority: 0 },
    Column { title: "TYPE", width: 5, align: Align::Left, priority: 0 },
    Column { title: "TTL", width: 6, align: Align::Right, priority: 0 },
    Column { title: "VALUES", width: 40, align: Align::Left, priority: 0 },
    Column { title: "LOCK", width: 4, align: Align::Left, priority: 1 },
];

impl Row for Rrset {
    fn columns() -> &'static [Column] {
        RR_COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            0 => Cow::Borrowed(&self.name),
            1 => Cow::Borrowed(&self.rtype),
            2 => Cow::Owned(self.ttl.map(|t| t.to_string()).unwrap_or_else(|| "zone".into())),
            3 => Cow::Owned(self.records.iter().map(|r| r.value.as_str()).collect::<Vec<_>>().join("  ")),
            4 => Cow::Borrowed(if self.protection.change { "lock" } else { "" }),
            _ => Cow::Borrowed(""),
        }
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            2 => SortKey::Num(self.ttl.unwrap_or(0) as f64),
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        format!("{} {} {}", self.name, self.rtype, self.cell(3))
    }
    fn id(&self) -> String {
        format!("{}/{}", self.name, self.rtype)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Zones,
    Records,
}

#[derive(Default)]
pub struct DnsPane {
    pub zones: Table<Zone>,
    pub zones_loaded: bool,
    pub zones_error: Option<String>,
    pub zone: Option<String>,
    pub rrsets: Table<Rrset>,
    pub view: View,
}

impl DnsPane {
    pub fn current_zone(&self) -> Option<&Zone> {
        match self.view {
            View::Records => self.zone.as_ref().and_then(|z| self.zones.items().iter().find(|x| &x.name == z)),
            View::Zones => self.zones.selected(),
        }
    }

    pub fn rrset_map(&self) -> RrsetMap {
        let mut m = RrsetMap::new();
        for r in self.rrsets.items() {
            let mut vals: Vec<String> = r.records.iter().map(|v| v.value.clone()).collect();
            vals.sort();
            m.insert((r.name.clone(), r.rtype.clone()), (r.ttl, vals));
        }
        m
    }
}

fn values_form(title: &str, kind: FormKind, name: &str, rtype: &str, ttl: &str, values: &[String], with_keys: bool) -> Form {
    let mut fields = Vec::new();
    if with_keys {
        fields.push(Field::new("name", name, "@ for the apex, www, uat, _dmarc"));
        fields.push(Field::new("type", rtype, "A AAAA CNAME MX TXT CAA SRV NS ..."));
        fields.push(Field::new("ttl", ttl, "seconds or 5m/1h; empty = the zone's default"));
    }
    for (i, v) in values.iter().enumerate() {
        fields.push(Field::new(&format!("value {}", i + 1), v, ""));
    }
    fields.push(Field::new(&format!("value {}", values.len() + 1), "", ""));
    let mut f = Form::new(title, kind, fields);
    f.growing = Some("value ".into());
    f.note =
        vec!["One value per line; typing in the last line adds another. TXT values are quoted and split at 255 characters for you.".into()];
    f
}

pub fn run(state: &mut State, cmd: Command) -> Vec<Effect> {
    let h = state.list_height();
    let dns = &mut state.dns;
    let in_records = dns.view == View::Records;
    match cmd {
        Command::Down | Command::Up | Command::Top | Command::Bottom | Command::PageDown | Command::PageUp => {
            if in_records {
                move_table(&mut dns.rrsets, cmd, h);
            } else {
                move_table(&mut dns.zones, cmd, h);
            }
            return vec![];
        }
        Command::Open if !in_records => {
            if let Some(z) = dns.zones.selected() {
                let name = z.name.clone();
                dns.zone = Some(name.clone());
                dns.view = View::Records;
                dns.rrsets.clear();
                return vec![Effect::LoadRrsets { zone: name }];
            }
            return vec![];
        }
        Command::Back if in_records => {
            if dns.rrsets.filter().is_some() {
                dns.rrsets.set_filter(None);
            } else {
                dns.view = View::Zones;
            }
            return vec![];
        }
        Command::Back => {
            dns.zones.set_filter(None);
            return vec![];
        }
        Command::Refresh => {
            return match (&dns.zone, in_records) {
                (Some(z), true) => vec![Effect::LoadRrsets { zone: z.clone() }],
                _ => vec![Effect::LoadZones],
            };
        }
        Command::SortNext | Command::SortReverse => {
            let t = if in_records { None } else { Some(&mut dns.zones) };
            match t {
                Some(t) => {
                    let n = <Zone as Row>::columns().len();
                    if cmd == Command::SortNext { t.sort_by((t.sort_col + 1) % n, false) } else { t.sort_by(t.sort_col, !t.sort_desc) }
                }
                None => {
                    let t = &mut dns.rrsets;
                    let n = <Rrset as Row>::columns().len();
                    if cmd == Command::SortNext { t.sort_by((t.sort_col + 1) % n, false) } else { t.sort_by(t.sort_col, !t.sort_desc) }
                }
            }
            return vec![];
        }
        _ => {}
    }
    if cmd.writes() && state.readonly {
        state.set_message(Level::Warn, "read-only: DNS changes are disabled");
        return vec![];
    }
    let Some(zone) = dns.current_zone().map(|z| z.name.clone()) else {
        state.set_message(Level::Info, "no zone selected");
        return vec![];
    };
    let selected = if in_records { dns.rrsets.selected().cloned() } else { None };
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    match cmd {
        Command::ExportZone => {
            state.dialog = Some(Dialog::Form(Form::new(
                &format!("Export zone {zone}"),
                FormKind::ExportZone { zone: zone.clone() },
                vec![Field::new("file", &format!("{zone}-{stamp}.zone"), "BIND zone file to write")],
            )))
        }
        Command::ImportZone => {
            let mut f = Form::new(
                &format!("Import a zone file into {zone}"),
                FormKind::ImportZone { zone: zone.clone() },
                vec![Field::new("file", "", "BIND zone file to read")],
            );
            f.note = vec!["An import replaces every record of the zone. You will see what it changes first.".into()];
            state.dialog = Some(Dialog::Form(f));
        }
        Command::AddRecord => {
            if !in_records {
                state.set_message(Level::Info, "open a zone first (Enter)");
                return vec![];
            }
            state.dialog =
                Some(Dialog::Form(values_form(&format!("Add an RRSet to {zone}"), FormKind::AddRrset { zone }, "", "A", "", &[], true)));
        }
        Command::EditRecord => {
            let Some(r) = selected else { return vec![] };
            if r.protection.change {
                state.set_message(
                    Level::Warn,
                    format!("{} {} is change-protected: lift the protection in the Hetzner console first", r.name, r.rtype),
                );
                return vec![];
            }
            if r.rtype == "SOA" {
                state.set_message(Level::Info, "Hetzner manages the SOA record");
                return vec![];
            }
            let vals: Vec<String> =
                r.records.iter().map(|v| if r.rtype == "TXT" { records::txt_text(&v.value) } else { v.value.clone() }).collect();
            let title = format!("Edit {} {} in {zone}", r.name, r.rtype);
            state.dialog = Some(Dialog::Form(values_form(
                &title,
                FormKind::EditRecords { zone, name: r.name.clone(), rtype: r.rtype.clone() },
                "",
                "",
                "",
                &vals,
                false,
            )));
        }
        Command::RecordTtl => {
            let Some(r) = selected else { return vec![] };
            let mut f = Form::new(
                &format!("TTL of {} {} in {zone}", r.name, r.rtype),
                FormKind::RrsetTtl { zone, name: r.name.clone(), rtype: r.rtype.clone() },
                vec![Field::new("ttl", "60", "seconds or 5m/1h; empty = the zone's default")],
            );
            f.note = vec![format!(
                "Now {}. Before a cut-over, lower it (60-300 s) at least one old TTL ahead.",
                r.ttl.map(|t| format!("{t} s")).unwrap_or("the zone default".into())
            )];
            state.dialog = Some(Dialog::Form(f));
        }
        Command::DeleteRecord => {
            let Some(r) = selected else { return vec![] };
            if r.protection.change {
                state.set_message(Level::Warn, format!("{} {} is change-protected", r.name, r.rtype));
                return vec![];
            }
            let lines: Vec<String> = r.records.iter().map(|v| format!("- {} {} {}", r.name, r.rtype, v.value)).collect();
            let target = format!("{} {}", r.name, r.rtype);
            let c = Confirm::new(
                &format!("Delete {target} from {zone}"),
                lines,
                &state.context_name(),
                vec![Effect::Hz {
                    label: format!("delete {target} in {zone}"),
                    ops: vec![HzOp::DeleteRrset { zone: zone.clone(), name: r.name.clone(), rtype: r.rtype.clone() }],
                    after: After::Rrsets(zone),
                }],
            );
            state.dialog = Some(Dialog::Confirm(c.typed(&target)));
        }
        Command::PointName => {
            let names = match &selected {
                Some(r) if matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME") => r.name.clone(),
                _ => "@ www".into(),
            };
            let mut f = Form::new(
                &format!("Point names in {zone} at a server"),
                FormKind::PointName { zone: zone.clone() },
                vec![
                    Field::new("names", &names, "space separated: @ www uat"),
                    Field::new("server", "", "server name (its IPv4 and IPv6 become the A/AAAA records)"),
                    Field::new("ttl", "300", "TTL of the new records"),
                    Field::new("step", "", "`lower-ttl` (first, then wait) or `point`"),
                ],
            );
            f.note = vec!["Lower the TTL first and wait one old TTL: resolvers keep the old address until their copy expires.".into()];
            state.dialog = Some(Dialog::Form(f));
        }
        _ => {}
    }
    vec![]
}

fn move_table<T: Row>(t: &mut Table<T>, cmd: Command, h: usize) {
    t.navigate(cmd, h);
}

/// The values of a growing form, normalised for `rtype`; errors land on their fields.
fn checked_values(form: &mut Form, rtype: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (label, v) in form.values() {
        match normalise(rtype, &v) {
            Ok(n) if out.contains(&n) => form.set_error(&label, "the same value twice"),
            Ok(n) => out.push(n),
            Err(m) => form.set_error(&label, m),
        }
    }
    if out.is_empty() && !form.has_errors() {
        form.error = Some("at least one value".into());
    }
    out
}

fn ttl_of(form: &mut Form) -> Option<Option<u32>> {
    let t = form.get("ttl").to_string();
    if t.is_empty() {
        return Some(None);
    }
    match parse_ttl(&t) {
        Ok(n) => Some(Some(n)),
        Err(m) => {
            form.set_error("ttl", m);
            None
        }
    }
}

pub fn submit(state: &mut State, mut form: Form) -> Result<Then, Box<Form>> {
    form.clear_errors();
    let ctx = state.context_name();
    match form.kind.clone() {
        FormKind::ExportZone { zone } => {
            let path = form.get("file").to_string();
            if path.is_empty() {
                form.set_error("file", "where to write the zone file");
                return Err(Box::new(form));
            }
            Ok(Then::Effects(vec![Effect::ExportZone { zone, path }]))
        }
        FormKind::ImportZone { zone } => {
            let path = form.get("file").to_string();
            if path.is_empty() {
                form.set_error("file", "the zone file to read");
                return Err(Box::new(form));
            }
            Ok(Then::Effects(vec![Effect::ReadFile { path, purpose: ReadPurpose::ImportZone(zone) }]))
        }
        FormKind::AddRrset { zone } => {
            let name = match normalise_name(form.get("name"), &zone) {
                Ok(n) => n,
                Err(m) => {
                    form.set_error("name", m);
                    String::new()
                }
            };
            let rtype = form.get("type").to_ascii_uppercase();
            if !records::TYPES.contains(&rtype.as_str()) || rtype == "SOA" {
                form.set_error("type", format!("`{rtype}`: one of A AAAA CAA CNAME MX NS SRV TXT ..."));
            }
            let ttl = ttl_of(&mut form);
            let values = checked_values(&mut form, &rtype);
            if !form.has_errors() && state.dns.rrsets.items().iter().any(|r| r.name == name && r.rtype == rtype) {
                form.set_error("name", format!("{name} {rtype} exists: select it and press e to edit"));
            }
            if !form.has_errors() && rtype == "CNAME" && state.dns.rrsets.items().iter().any(|r| r.name == name) {
                form.set_error("type", format!("{name} has other records; a CNAME cannot sit beside them"));
            }
            let (Some(ttl), false) = (ttl, form.has_errors()) else { return Err(Box::new(form)) };
            let lines: Vec<String> =
                values.iter().map(|v| format!("+ {name} {rtype}{} {v}", ttl.map(|t| format!(" ttl {t}")).unwrap_or_default())).collect();
            let c = Confirm::new(
                &format!("Add {name} {rtype} to {zone}"),
                lines,
                &ctx,
                vec![Effect::Hz {
                    label: format!("add {name} {rtype} in {zone}"),
                    ops: vec![HzOp::CreateRrset { zone: zone.clone(), name, rtype, ttl, values }],
                    after: After::Rrsets(zone),
                }],
            );
            Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
        }
        FormKind::EditRecords { zone, name, rtype } => {
            let values = checked_values(&mut form, &rtype);
            if form.has_errors() {
                return Err(Box::new(form));
            }
            let old = state.dns.rrset_map();
            let Some((ttl, old_vals)) = old.get(&(name.clone(), rtype.clone())).cloned() else {
                form.error = Some("that RRSet is gone; reload".into());
                return Err(Box::new(form));
            };
            let mut new = old.clone();
            let mut sorted = values.clone();
            sorted.sort();
            new.insert((name.clone(), rtype.clone()), (ttl, sorted.clone()));
            if sorted == old_vals {
                form.error = Some("nothing changed".into());
                return Err(Box::new(form));
            }
            let lines = zonefile::diff_lines(&zonefile::diff(&old, &new));
            let c = Confirm::new(
                &format!("Change {name} {rtype} in {zone}"),
                lines,
                &ctx,
                vec![Effect::Hz {
                    label: format!("set {name} {rtype} in {zone}"),
                    ops: vec![HzOp::SetRecords { zone: zone.clone(), name: name.clone(), rtype: rtype.clone(), values }],
                    after: After::Rrsets(zone),
                }],
            )
            .typed(&format!("{name} {rtype}"));
            Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
        }
        FormKind::RrsetTtl { zone, name, rtype } => {
            let Some(ttl) = ttl_of(&mut form) else { return Err(Box::new(form)) };
            let old = state.dns.rrsets.items().iter().find(|r| r.name == name && r.rtype == rtype).and_then(|r| r.ttl);
            let show = |t: Option<u32>| t.map(|t| t.to_string()).unwrap_or("zone default".into());
            let c = Confirm::new(
                &format!("TTL of {name} {rtype} in {zone}"),
                vec![format!("~ {name} {rtype} ttl {} -> {}", show(old), show(ttl))],
                &ctx,
                vec![Effect::Hz {
                    label: format!("ttl of {name} {rtype} in {zone}"),
                    ops: vec![HzOp::RrsetTtl { zone: zone.clone(), name, rtype, ttl }],
                    after: After::Rrsets(zone),
                }],
            );
            Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
        }
        FormKind::PointName { zone } => point(state, form, zone),
        _ => Err(Box::new(form)),
    }
}

/// The plan for "point names at a server": lower TTLs, or set A/AAAA.
fn point(state: &mut State, mut form: Form, zone: String) -> Result<Then, Box<Form>> {
    let ctx = state.context_name();
    let mut names = Vec::new();
    let raw_names = form.get("names").to_string();
    for n in raw_names.split_whitespace() {
        match normalise_name(n, &zone) {
            Ok(n) => names.push(n),
            Err(m) => form.set_error("names", m),
        }
    }
    if names.is_empty() && !form.has_errors() {
        form.set_error("names", "which names: @ www uat");
    }
    let server_name = form.get("server").to_string();
    let server = state.servers.table.items().iter().find(|s| s.name == server_name).cloned();
    if server.is_none() {
        form.set_error("server", format!("no server named `{server_name}` in this project"));
    }
    let ttl = match parse_ttl(form.get("ttl")) {
        Ok(t) => Some(t),
        Err(m) => {
            form.set_error("ttl", m);
            None
        }
    };
    let step = form.get("step").to_string();
    let existing: Vec<&Rrset> =
        state.dns.rrsets.items().iter().filter(|r| names.contains(&r.name) && matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME")).collect();
    let max_old_ttl = existing.iter().map(|r| r.ttl.unwrap_or(state.dns.current_zone().map(|z| z.ttl).unwrap_or(3600))).max().unwrap_or(0);
    let step = match step.as_str() {
        "" if ttl.is_some_and(|t| max_old_ttl > t) => {
            form.set_error("step", format!("the records' TTL is {max_old_ttl} s: choose `lower-ttl` first (recommended) or `point` now"));
            String::new()
        }
        "" => "point".into(),
        "lower-ttl" | "point" => step,
        other => {
            form.set_error("step", format!("`{other}`: lower-ttl or point"));
            String::new()
        }
    };
    let (Some(server), Some(ttl), false) = (server, ttl, form.has_errors()) else { return Err(Box::new(form)) };
    if step == "lower-ttl" {
        let lowered: Vec<&Rrset> = existing.iter().copied().filter(|r| r.ttl.is_none_or(|t| t > ttl)).collect();
        if lowered.is_empty() {
            form.set_error("step", format!("nothing to lower: the records already have a TTL of {ttl} s or less; use `point`"));
            return Err(Box::new(form));
        }
        let lines: Vec<String> = lowered
            .iter()
            .map(|r| format!("~ {} {} ttl {} -> {ttl}", r.name, r.rtype, r.ttl.map(|t| t.to_string()).unwrap_or("zone default".into())))
            .collect();
        let ops = lowered
            .iter()
            .map(|r| HzOp::RrsetTtl { zone: zone.clone(), name: r.name.clone(), rtype: r.rtype.clone(), ttl: Some(ttl) })
            .collect();
        let wait = chrono::Local::now() + chrono::Duration::seconds(max_old_ttl as i64);
        let c = Confirm::new(
            &format!("Lower the TTL of {} in {zone}", names.join(" ")),
            lines,
            &ctx,
            vec![Effect::Hz { label: format!("lower TTL in {zone}"), ops, after: After::Rrsets(zone.clone()) }],
        )
        .warn(format!(
            "Then wait: resolvers may keep the old records for up to {max_old_ttl} s, so point the names after {}.",
            wait.format("%H:%M")
        ));
        return Ok(Then::Dialog(Box::new(Dialog::Confirm(c))));
    }
    let v4 = server.ipv4().map(str::to_string);
    let v6 = server.ipv6().and_then(first_address);
    let old = state.dns.rrset_map();
    let mut new = old.clone();
    let mut ops = Vec::new();
    for n in &names {
        // A CNAME for the name goes: A/AAAA take its place.
        if let Some(c) = existing.iter().find(|r| &r.name == n && r.rtype == "CNAME") {
            new.remove(&(n.clone(), "CNAME".into()));
            ops.push(HzOp::DeleteRrset { zone: zone.clone(), name: c.name.clone(), rtype: "CNAME".into() });
        }
        for (rtype, addr) in [("A", &v4), ("AAAA", &v6)] {
            let Some(addr) = addr else { continue };
            let key = (n.clone(), rtype.to_string());
            match old.get(&key) {
                Some((t, _)) => {
                    new.insert(key, (*t, vec![addr.clone()]));
                    ops.push(HzOp::SetRecords { zone: zone.clone(), name: n.clone(), rtype: rtype.into(), values: vec![addr.clone()] });
                    if *t != Some(ttl) {
                        if let Some(e) = new.get_mut(&(n.clone(), rtype.to_string())) {
                            e.0 = Some(ttl);
                        }
                        ops.push(HzOp::RrsetTtl { zone: zone.clone(), name: n.clone(), rtype: rtype.into(), ttl: Some(ttl) });
                    }
                }
                None => {
                    new.insert(key, (Some(ttl), vec![addr.clone()]));
                    ops.push(HzOp::CreateRrset {
                        zone: zone.clone(),
                        name: n.clone(),
                        rtype: rtype.into(),
                        ttl: Some(ttl),
                        values: vec![addr.clone()],
                    });
                }
            }
        }
    }
    let lines = zonefile::diff_lines(&zonefile::diff(&old, &new));
    if lines.is_empty() {
        form.error = Some(format!("{} already point at {server_name}", names.join(" ")));
        return Err(Box::new(form));
    }
    let mut c = Confirm::new(
        &format!("Point {} in {zone} at {server_name}", names.join(" ")),
        lines,
        &ctx,
        vec![Effect::Hz { label: format!("point {} at {server_name}", names.join(" ")), ops, after: After::Rrsets(zone.clone()) }],
    )
    .typed(&server_name);
    if max_old_ttl > 600 {
        c = c.warn(format!("The old records have a TTL of {max_old_ttl} s: some visitors will reach the old address for up to that long."));
    }
    Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
}

/// An import: the file as the zone will be, against what it is now.
pub fn import_preview(state: &mut State, zone: &str, path: &str, text: &str) -> Option<Dialog> {
    let parsed = match zonefile::parse(text, zone) {
        Ok(z) => z,
        Err(e) => {
            state.set_message(Level::Error, format!("{path}: {e}"));
            return None;
        }
    };
    if parsed.origin != zone {
        state.set_message(Level::Error, format!("{path}: $ORIGIN is {}., not {zone}.", parsed.origin));
        return None;
    }
    let mut old = state.dns.rrset_map();
    let mut new = zonefile::rrsets(&parsed);
    // The SOA is Hetzner's to manage; a serial difference is not a change.
    old.retain(|(_, t), _| t != "SOA");
    new.retain(|(_, t), _| t != "SOA");
    let changes = zonefile::diff(&old, &new);
    let mut lines = zonefile::diff_lines(&changes);
    if lines.is_empty() {
        state.set_message(Level::Info, format!("{path} holds exactly what {zone} has now"));
        return None;
    }
    lines.insert(0, format!("Importing {path} replaces every record of {zone}; {} RRSets change:", changes.len()));
    let c = Confirm::new(
        &format!("Import {path} into {zone}"),
        lines,
        &state.context_name(),
        vec![Effect::Hz {
            label: format!("import into {zone}"),
            ops: vec![HzOp::Import { zone: zone.to_string(), text: text.to_string() }],
            after: After::Rrsets(zone.to_string()),
        }],
    )
    .warn("An import cannot be undone from here: export the zone first (E) if you have not.")
    .typed(zone);
    Some(Dialog::Confirm(c))
}

/// Hetzner assigns each server a /64; the server itself answers on `::1` of it.
pub fn first_address(net: &str) -> Option<String> {
    let prefix: std::net::Ipv6Addr = net.split('/').next()?.parse().ok()?;
    Some(std::net::Ipv6Addr::from(u128::from(prefix) | 1).to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn server_ipv6_address() {
        assert_eq!(super::first_address("2001:db8:1a00:5::/64").as_deref(), Some("2001:db8:1a00:5::1"));
        assert_eq!(super::first_address("nonsense"), None);
    }
}
