//! The DNS pane: Hetzner zones and their RRSets. Every write is validated per
//! record type and shown as a diff first.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{After, Effect, HzOp};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Filter, Row, SortKey, Table};
use crate::dns::records::{self, first_address, normalise, normalise_name, parse_ttl};
use crate::dns::zonefile::{self, RrsetMap};
use crate::hetzner::model::{Rrset, Zone};
use crate::input::{Command, Scope};
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

#[derive(Default)]
pub struct DnsPane {
    pub zones: Table<Zone>,
    /// `:dns NAME` before the zones arrived: opened when they do.
    pub wanted: Option<String>,
    /// The zone whose RRSets are open (by name).
    pub zone: Option<String>,
    pub rrsets: Table<Rrset>,
    /// The RRSet shown whole (`name/TYPE`), over the zone's list.
    pub record: Option<String>,
    /// A zone just created: its delegation is said when the list has it.
    pub created: Option<String>,
}

#[derive(Debug)]
pub enum Msg {
    Rrsets { zone: String, result: Result<Vec<Rrset>, String> },
    /// A zone file read for an import into `zone`.
    ZoneFile { zone: String, path: String, result: Result<String, String> },
}

impl PaneInfo for DnsPane {
    const TITLE: &'static str = "DNS";
    const NAMES: &'static [&'static str] = &["dns", "zones", "zone", "rrsets"];
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Rrsets { zone, result } => match result {
                Ok(r) if self.zone.as_deref() == Some(zone.as_str()) => {
                    self.rrsets.set_items(r);
                    // The record shown stays shown, by id; gone (deleted), it closes.
                    if let Some(id) = self.record.clone()
                        && !self.rrsets.select_id(&id)
                    {
                        self.record = None;
                    }
                    self.rrsets.scroll_to_cursor(cx.height);
                }
                Ok(_) => {}
                Err(e) => cx.say(Level::Error, e),
            },
            Msg::ZoneFile { zone, path, result } => match result {
                Ok(text) => {
                    if let Some(d) = self.import_preview(&zone, &path, &text, cx) {
                        cx.open(d);
                    }
                }
                Err(e) => cx.say(Level::Error, e),
            },
        }
        vec![]
    }
}

impl DnsPane {
    fn in_records(&self) -> bool {
        self.zone.is_some()
    }

    /// The zone shown or under the cursor.
    pub fn current_zone(&self) -> Option<&Zone> {
        match &self.zone {
            Some(z) => self.zones.items().iter().find(|x| &x.name == z),
            None => self.zones.selected(),
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

    /// Deleting a zone, or its protection: what the zone list acts on.
    fn zone_write(&mut self, cmd: Command, cx: &mut Cx) {
        let Some(z) = self.current_zone().cloned() else {
            cx.say(Level::Info, "no zone selected");
            return;
        };
        let ctx = cx.world.context_name();
        let hz = |label: String, op: HzOp| vec![Effect::Hz { to: PaneId::Dns, label, ops: vec![op], after: After::Zones }];
        match cmd {
            Command::DeleteZone if z.protection.delete => cx.say(
                Level::Error,
                format!("zone {} is delete-protected: turn the protection off first (? shows the key)", z.name),
            ),
            Command::DeleteZone => {
                let c = Confirm::new(
                    &format!("Delete zone {}", z.name),
                    vec![format!("- zone {} ({} records)", z.name, z.record_count)],
                    &ctx,
                    hz(format!("delete zone {}", z.name), HzOp::DeleteZone { zone: z.name.clone() }),
                )
                .warn(format!("Every record goes with it: names under {} stop resolving as resolvers' caches expire. Export it first (E) to keep a copy.", z.name))
                .typed(&z.name);
                cx.open(Dialog::Confirm(c));
            }
            Command::ZoneProtection => {
                let on = !z.protection.delete;
                let c = Confirm::new(
                    &format!("Delete protection of {}", z.name),
                    vec![format!("~ zone {} delete protection {} -> {}", z.name, super::onoff(!on), super::onoff(on))],
                    &ctx,
                    hz(format!("{} delete protection of {}", if on { "turn on" } else { "turn off" }, z.name), HzOp::ZoneProtection { zone: z.name.clone(), delete: on }),
                );
                cx.open(Dialog::Confirm(c));
            }
            _ => {}
        }
    }

    fn write(&mut self, cmd: Command, cx: &mut Cx) {
        let in_records = self.in_records();
        let Some(zone) = self.current_zone().map(|z| z.name.clone()) else {
            cx.say(Level::Info, "no zone selected");
            return;
        };
        let selected = if in_records { self.rrsets.selected().cloned() } else { None };
        let stamp = cx.now.with_timezone(&chrono::Local).format("%Y%m%d-%H%M%S");
        match cmd {
            Command::ExportZone => cx.open(Dialog::Form(Form::new(
                &format!("Export zone {zone}"),
                FormKind::ExportZone { zone: zone.clone() },
                vec![Field::new("file", &format!("{zone}-{stamp}.zone"), "BIND zone file to write")],
            ))),
            Command::ImportZone => {
                let mut f = Form::new(
                    &format!("Import a zone file into {zone}"),
                    FormKind::ImportZone { zone: zone.clone() },
                    vec![Field::new("file", "", "BIND zone file to read")],
                );
                f.note = vec!["An import replaces every record of the zone. You will see what it changes first.".into()];
                cx.open(Dialog::Form(f));
            }
            Command::AddRecord if !in_records => cx.say(Level::Info, "open a zone first (Enter)"),
            Command::AddRecord => {
                cx.open(Dialog::Form(values_form(&format!("Add an RRSet to {zone}"), FormKind::AddRrset { zone }, "", "A", "", &[], true)))
            }
            Command::EditRecord => {
                let Some(r) = selected else { return };
                if r.protection.change {
                    cx.say(Level::Warn, format!("{} {} is change-protected: lift the protection in the Hetzner console first", r.name, r.rtype));
                    return;
                }
                if r.rtype == "SOA" {
                    cx.say(Level::Info, "Hetzner manages the SOA record");
                    return;
                }
                let vals: Vec<String> =
                    r.records.iter().map(|v| if r.rtype == "TXT" { records::txt_text(&v.value) } else { v.value.clone() }).collect();
                let title = format!("Edit {} {} in {zone}", r.name, r.rtype);
                cx.open(Dialog::Form(values_form(
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
                let Some(r) = selected else { return };
                let mut f = Form::new(
                    &format!("TTL of {} {} in {zone}", r.name, r.rtype),
                    FormKind::RrsetTtl { zone, name: r.name.clone(), rtype: r.rtype.clone() },
                    vec![Field::new("ttl", "60", "seconds or 5m/1h; empty = the zone's default")],
                );
                f.note = vec![format!(
                    "Now {}. Before a cut-over, lower it (60-300 s) at least one old TTL ahead.",
                    r.ttl.map(|t| format!("{t} s")).unwrap_or("the zone default".into())
                )];
                cx.open(Dialog::Form(f));
            }
            Command::DeleteRecord => {
                let Some(r) = selected else { return };
                if r.protection.change {
                    cx.say(Level::Warn, format!("{} {} is change-protected", r.name, r.rtype));
                    return;
                }
                let lines: Vec<String> = r.records.iter().map(|v| format!("- {} {} {}", r.name, r.rtype, v.value)).collect();
                let target = format!("{} {}", r.name, r.rtype);
                let c = Confirm::new(
                    &format!("Delete {target} from {zone}"),
                    lines,
                    &cx.world.context_name(),
                    vec![Effect::Hz {
                        to: PaneId::Dns,
                        label: format!("delete {target} in {zone}"),
                        ops: vec![HzOp::DeleteRrset { zone: zone.clone(), name: r.name.clone(), rtype: r.rtype.clone() }],
                        after: After::Rrsets(zone),
                    }],
                );
                cx.open(Dialog::Confirm(c.typed(&target)));
            }
            Command::PointName => {
                let names = match &selected {
                    Some(r) if matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME") => r.name.clone(),
                    _ => "@ www".into(),
                };
                // Lowering the TTL first is the default while a record at these
                // names has a TTL above the new records' (300 s).
                let listed: Vec<&str> = names.split_whitespace().collect();
                let zone_ttl = self.current_zone().map(|z| z.ttl).unwrap_or(3600);
                let high = self.rrsets.items().iter().any(|r| {
                    listed.contains(&r.name.as_str()) && matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME") && r.ttl.unwrap_or(zone_ttl) > 300
                });
                let mut f = Form::new(
                    &format!("Point names in {zone} at a server"),
                    FormKind::PointName { zone: zone.clone() },
                    vec![
                        Field::new("names", &names, "space separated: @ www uat"),
                        Field::new("server", "", "server name (its IPv4 and IPv6 become the A/AAAA records)").picks(crate::app::completion::Source::Server),
                        Field::new("ttl", "300", "TTL of the new records"),
                        Field::choice(
                            "step",
                            &["lower-ttl", "point"],
                            if high { "lower-ttl" } else { "point" },
                            "lower-ttl: lower the TTL now, point after one old TTL; point: switch now",
                        ),
                    ],
                );
                f.note = vec!["Lower the TTL first and wait one old TTL: resolvers keep the old address until their copy expires.".into()];
                cx.open(Dialog::Form(f));
            }
            _ => {}
        }
    }

    fn submit_form(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let ctx = cx.world.context_name();
        match form.kind.clone() {
            FormKind::NewZone => {
                let name = form.get("name").trim_end_matches('.').to_lowercase();
                if !crate::hetzner::validate::zone_name(&name) {
                    form.set_error("name", "a domain name like example.org");
                } else if self.zones.items().iter().any(|z| z.name == name) {
                    form.set_error("name", format!("{name} is a zone here already"));
                }
                let ttl = form.get("ttl").parse::<u32>().ok().filter(|t| *t >= 60);
                if ttl.is_none() {
                    form.set_error("ttl", "a number of seconds, at least 60");
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let ttl = ttl.unwrap_or(3600);
                let c = Confirm::new(
                    &format!("Create zone {name}"),
                    vec![format!("+ zone {name} (TTL {ttl}; Hetzner adds its SOA and NS records)")],
                    &ctx,
                    vec![Effect::Hz {
                        to: PaneId::Dns,
                        label: format!("create zone {name}"),
                        ops: vec![HzOp::CreateZone { zone: name.clone(), ttl }],
                        after: After::ZoneCreated(name),
                    }],
                );
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
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
                Ok(Then::Effects(vec![Effect::ReadZoneFile { path, zone }]))
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
                if !form.has_errors() && self.rrsets.items().iter().any(|r| r.name == name && r.rtype == rtype) {
                    form.set_error("name", format!("{name} {rtype} exists: select it and press e to edit"));
                }
                if !form.has_errors() && rtype == "CNAME" && self.rrsets.items().iter().any(|r| r.name == name) {
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
                        to: PaneId::Dns,
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
                let old = self.rrset_map();
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
                        to: PaneId::Dns,
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
                let old = self.rrsets.items().iter().find(|r| r.name == name && r.rtype == rtype).and_then(|r| r.ttl);
                let show = |t: Option<u32>| t.map(|t| t.to_string()).unwrap_or("zone default".into());
                let c = Confirm::new(
                    &format!("TTL of {name} {rtype} in {zone}"),
                    vec![format!("~ {name} {rtype} ttl {} -> {}", show(old), show(ttl))],
                    &ctx,
                    vec![Effect::Hz {
                        to: PaneId::Dns,
                        label: format!("ttl of {name} {rtype} in {zone}"),
                        ops: vec![HzOp::RrsetTtl { zone: zone.clone(), name, rtype, ttl }],
                        after: After::Rrsets(zone),
                    }],
                );
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::PointName { zone } => self.point(form, zone, cx),
            _ => Err(Box::new(form)),
        }
    }

    /// The plan for "point names at a server": lower TTLs, or set A/AAAA.
    fn point(&self, mut form: Form, zone: String, cx: &mut Cx) -> Result<Then, Box<Form>> {
        let ctx = cx.world.context_name();
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
        let server = cx.world.server_named(&server_name).cloned();
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
            self.rrsets.items().iter().filter(|r| names.contains(&r.name) && matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME")).collect();
        let max_old_ttl = existing.iter().map(|r| r.ttl.unwrap_or(self.current_zone().map(|z| z.ttl).unwrap_or(3600))).max().unwrap_or(0);
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
            let wait = cx.now.with_timezone(&chrono::Local) + chrono::Duration::seconds(max_old_ttl as i64);
            let c = Confirm::new(
                &format!("Lower the TTL of {} in {zone}", names.join(" ")),
                lines,
                &ctx,
                vec![Effect::Hz {
                        to: PaneId::Dns, label: format!("lower TTL in {zone}"), ops, after: After::Rrsets(zone.clone()) }],
            )
            .warn(format!(
                "Then wait: resolvers may keep the old records for up to {max_old_ttl} s, so point the names after {}.",
                wait.format("%H:%M")
            ));
            return Ok(Then::Dialog(Box::new(Dialog::Confirm(c))));
        }
        let v4 = server.ipv4().map(str::to_string);
        let v6 = server.ipv6().and_then(first_address);
        let old = self.rrset_map();
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
            vec![Effect::Hz {
                        to: PaneId::Dns, label: format!("point {} at {server_name}", names.join(" ")), ops, after: After::Rrsets(zone.clone()) }],
        )
        .typed(&server_name);
        if max_old_ttl > 600 {
            c = c.warn(format!("The old records have a TTL of {max_old_ttl} s: some visitors will reach the old address for up to that long."));
        }
        Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
    }

    /// An import: the file as the zone will be, against what it is now. The
    /// file is read as BIND reads it, and what is sent is cutover's rendering
    /// of those records, so the import does exactly what the diff shows.
    fn import_preview(&self, zone: &str, path: &str, text: &str, cx: &mut Cx) -> Option<Dialog> {
        let parsed = match zonefile::parse(text, zone) {
            Ok(z) => z,
            Err(e) => {
                cx.say(Level::Error, format!("{path}:{e}"));
                return None;
            }
        };
        let zone_ttl = self.current_zone().map(|z| z.ttl).unwrap_or(3600);
        let mut old = zonefile::current_map(
            self.rrsets.items().iter().map(|r| (r.name.as_str(), r.rtype.as_str(), r.ttl, r.records.iter().map(|v| v.value.as_str()).collect())),
            zone,
            zone_ttl,
        );
        let mut new = zonefile::canonical_map(&parsed);
        // The SOA is Hetzner's to manage; a serial difference is not a change.
        old.retain(|(_, t), _| t != "SOA");
        new.retain(|(_, t), _| t != "SOA");
        let changes = zonefile::diff(&old, &new);
        let mut lines = zonefile::diff_lines(&changes);
        if lines.is_empty() {
            let also = if parsed.warnings.is_empty() { String::new() } else { format!(" ({})", parsed.warnings.join("; ")) };
            cx.say(Level::Info, format!("{path} holds exactly what {zone} has now{also}"));
            return None;
        }
        lines.insert(0, format!("Importing {path} replaces every record of {zone}; {} RRSets change:", changes.len()));
        let mut c = Confirm::new(
            &format!("Import {path} into {zone}"),
            lines,
            &cx.world.context_name(),
            vec![Effect::Hz {
                to: PaneId::Dns,
                label: format!("import into {zone}"),
                ops: vec![HzOp::Import { zone: zone.to_string(), text: zonefile::format(&parsed) }],
                after: After::Rrsets(zone.to_string()),
            }],
        );
        let mut warning = String::new();
        for w in &parsed.warnings {
            warning.push_str(&format!("{path}: {w}. "));
        }
        warning.push_str("An import cannot be undone from here: export the zone first (E) if you have not.");
        c = c.warn(warning).typed(zone);
        Some(Dialog::Confirm(c))
    }
}

impl DnsPane {
    fn open_named(&mut self, name: &str, cx: &mut Cx) -> Vec<Effect> {
        self.zone = None;
        self.record = None;
        if !super::select_named(&mut self.zones, 0, "zone", name, cx) {
            return vec![];
        }
        self.on_command(Command::Open, cx)
    }
}

impl Pane for DnsPane {
    fn scopes(&self) -> &'static [Scope] {
        if self.record.is_some() { &[Scope::Dns, Scope::Detail] } else { &[Scope::Dns, Scope::List] }
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let h = cx.height;
        if self.record.is_some() {
            // The whole record: Back closes it; writes act on it (the list's
            // cursor stays on it, by id, across reloads).
            match cmd {
                Command::Back => self.record = None,
                Command::Refresh => return self.zone.clone().map(|zone| vec![Effect::LoadRrsets { zone }]).unwrap_or_default(),
                c if c.scope() == Scope::Dns => self.write(c, cx),
                _ => {}
            }
            return vec![];
        }
        let w = cx.width;
        let moved = if self.in_records() { self.rrsets.navigate_in(cmd, h, w) } else { self.zones.navigate_in(cmd, h, w) };
        if moved {
            return vec![];
        }
        match (cmd, &self.zone) {
            (Command::Open, Some(_)) => {
                if let Some(r) = self.rrsets.selected() {
                    self.record = Some(r.id());
                }
            }
            (Command::Open, None) => {
                if let Some(z) = self.zones.selected() {
                    let name = z.name.clone();
                    self.zone = Some(name.clone());
                    self.rrsets.clear();
                    return vec![Effect::LoadRrsets { zone: name }];
                }
            }
            (Command::Back, Some(_)) if self.rrsets.filter().is_some() => self.rrsets.set_filter(None),
            (Command::Back, Some(_)) => {
                self.zone = None;
                self.record = None;
            }
            (Command::Back, None) => self.zones.set_filter(None),
            (Command::Refresh, Some(z)) => return vec![Effect::LoadRrsets { zone: z.clone() }],
            (Command::Refresh, None) => cx.load(Load::Zones),
            (Command::NewZone, _) => {
                let mut f = Form::new(
                    "New zone",
                    FormKind::NewZone,
                    vec![Field::new("name", "", "the domain, e.g. example.org"), Field::new("ttl", "3600", "default TTL in seconds (at least 60)")],
                );
                f.note = vec!["Hetzner adds the SOA and NS records. The zone answers once the registrar points the domain at its nameservers: they are shown when it is created.".into()];
                cx.open(Dialog::Form(f));
            }
            (Command::DeleteZone, Some(_)) => cx.say(Level::Info, "back to the zone list (Esc) to delete a zone"),
            (Command::DeleteZone | Command::ZoneProtection, None) => self.zone_write(cmd, cx),
            (Command::ZoneProtection, Some(_)) => self.zone_write(cmd, cx),
            (c, _) if c.scope() == Scope::Dns => self.write(c, cx),
            _ => {}
        }
        vec![]
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        cx.ensure(Load::Zones);
        vec![]
    }

    /// `:dns NAME` opens that zone's RRSets.
    fn on_line(&mut self, _word: &str, args: &str, cx: &mut Cx) -> Vec<Effect> {
        let name = args.trim().trim_end_matches('.');
        if name.is_empty() {
            return vec![];
        }
        if !cx.world.zones.loaded {
            // Not loaded yet (the first visit asks for them): open it when they come.
            self.wanted = Some(name.to_string());
            return vec![];
        }
        self.open_named(name, cx)
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        match what {
            Changed::Zones => {
                self.zones.set_items(cx.world.zones.list.clone());
                self.zones.scroll_to_cursor(cx.height);
                if let Some(name) = self.created.take() {
                    match self.zones.items().iter().find(|z| z.name == name).and_then(|z| z.authoritative_nameservers.clone()) {
                        Some(ns) => {
                            let _ = self.zones.select_name(0, &name);
                            self.zones.scroll_to_cursor(cx.height);
                            cx.say(Level::Ok, format!("zone {name} created: at its registrar, set the nameservers to {}", ns.assigned.join(", ")));
                        }
                        None => self.created = Some(name),
                    }
                }
                if let Some(name) = self.wanted.take() {
                    return self.open_named(&name, cx);
                }
            }
            Changed::Context => {
                *self = DnsPane::default();
                if cx.shown {
                    cx.load(Load::Zones);
                }
            }
            _ => {}
        }
        vec![]
    }

    fn on_op_done(&mut self, after: &After, _ok: bool, cx: &mut Cx) -> Vec<Effect> {
        match after {
            After::Rrsets(zone) => {
                cx.load(Load::Zones);
                vec![Effect::LoadRrsets { zone: zone.clone() }]
            }
            After::Zones => {
                cx.load(Load::Zones);
                vec![]
            }
            After::ZoneCreated(zone) => {
                if _ok {
                    self.created = Some(zone.clone());
                }
                cx.load(Load::Zones);
                vec![]
            }
            _ => vec![],
        }
    }

    fn reload(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.zones.requested {
            cx.load(Load::Zones);
        }
        self.zone.clone().map(|zone| vec![Effect::LoadRrsets { zone }]).unwrap_or_default()
    }

    fn filter(&self) -> Option<String> {
        let t = if self.in_records() { self.rrsets.filter() } else { self.zones.filter() };
        Some(t.map(|f| f.source.clone()).unwrap_or_default())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        if self.in_records() {
            self.rrsets.set_filter(Filter::parse(text));
            self.rrsets.scroll_to_cursor(cx.height);
        } else {
            self.zones.set_filter(Filter::parse(text));
            self.zones.scroll_to_cursor(cx.height);
        }
    }

    fn submit(&mut self, form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        self.submit_form(form, cx)
    }

    fn relayout(&mut self, height: usize) {
        self.zones.scroll_to_cursor(height);
        self.rrsets.scroll_to_cursor(height);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::TestCx;

    fn zone(id: i64, name: &str) -> Zone {
        serde_json::from_value(serde_json::json!({"id": id, "name": name, "status": "ok", "ttl": 3600, "record_count": 3}))
            .unwrap_or_else(|e| panic!("zone: {e}"))
    }

    fn rrset(name: &str, rtype: &str, value: &str) -> Rrset {
        serde_json::from_value(serde_json::json!({"id": format!("{name}/{rtype}"), "name": name, "type": rtype, "ttl": 3600, "records": [{"value": value}]}))
            .unwrap_or_else(|e| panic!("rrset: {e}"))
    }

    fn pane(t: &mut TestCx) -> DnsPane {
        t.world.zones.list = vec![zone(1, "example.com"), zone(2, "uat.example.com")];
        let mut p = DnsPane::default();
        p.on_world(Changed::Zones, &mut t.cx());
        p
    }

    #[test]
    fn zones_open_into_their_records_and_back() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t);
        p.on_command(Command::Bottom, &mut t.cx());
        let e = p.on_command(Command::Open, &mut t.cx());
        assert_eq!(e, [Effect::LoadRrsets { zone: "uat.example.com".into() }]);
        p.on_msg(Msg::Rrsets { zone: "uat.example.com".into(), result: Ok(vec![rrset("@", "A", "203.0.113.10"), rrset("www", "A", "203.0.113.10")]) }, &mut t.cx());
        p.on_command(Command::Down, &mut t.cx());
        assert_eq!(p.rrsets.selected().map(|r| r.name.as_str()), Some("www"));
        assert_eq!(p.on_command(Command::Refresh, &mut t.cx()), [Effect::LoadRrsets { zone: "uat.example.com".into() }]);
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.zone, None);
        assert_eq!(p.zones.selected().map(|z| z.name.as_str()), Some("uat.example.com"));
    }

    #[test]
    fn a_delete_asks_for_the_name_and_type() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t);
        p.on_command(Command::Open, &mut t.cx());
        p.on_msg(Msg::Rrsets { zone: "example.com".into(), result: Ok(vec![rrset("www", "CNAME", "example.com.")]) }, &mut t.cx());
        p.on_command(Command::DeleteRecord, &mut t.cx());
        let Some(Dialog::Confirm(c)) = &t.out.dialog else { panic!("a confirmation opens") };
        assert_eq!(c.require.as_deref(), Some("www CNAME"));
        assert_eq!(c.lines, ["- www CNAME example.com."]);
    }

    #[test]
    fn records_for_the_wrong_zone_are_ignored() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t);
        p.on_command(Command::Open, &mut t.cx());
        p.on_msg(Msg::Rrsets { zone: "other.example".into(), result: Ok(vec![rrset("@", "A", "192.0.2.1")]) }, &mut t.cx());
        assert!(p.rrsets.is_empty(), "a late answer for another zone does not land here");
    }
}
