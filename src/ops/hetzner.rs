//! Hetzner writes: each call starts actions, and each is followed until every
//! action it started is done (or failed) at the context's poll interval.

use super::Error;
use crate::hetzner::Client;
use crate::hetzner::model::{Action, Firewall, Rrset, Rule};
use std::time::Duration;

/// One call of the Hetzner API that starts actions.
#[derive(Clone, Debug, PartialEq)]
pub enum HzOp {
    /// `poweron`, `shutdown`, `reboot`, `poweroff` or `reset`.
    Power {
        id: i64,
        verb: String,
    },
    Delete {
        id: i64,
    },
    /// A new name and/or labels.
    UpdateServer {
        id: i64,
        name: Option<String>,
        labels: Option<std::collections::BTreeMap<String, String>>,
    },
    ServerProtection {
        id: i64,
        on: bool,
    },
    ServerBackups {
        id: i64,
        on: bool,
    },
    ServerDnsPtr {
        id: i64,
        ip: String,
        ptr: Option<String>,
    },
    Snapshot {
        id: i64,
        description: String,
    },
    /// A server attached to a network, or detached from it.
    ServerNetwork {
        id: i64,
        network: i64,
        attach: bool,
    },
    CreateNetwork {
        name: String,
        ip_range: String,
        subnet: String,
        zone: String,
    },
    /// `assign` (to `server`) or `unassign` a Primary IP.
    PrimaryIp {
        id: i64,
        verb: String,
        server: Option<i64>,
    },
    /// `attach` (to `server`), `detach` or `resize` (to `size` GB).
    Volume {
        id: i64,
        verb: String,
        server: Option<i64>,
        size: Option<i64>,
    },
    /// A server that is off gets another type (and starts again).
    ChangeType {
        id: i64,
        server_type: String,
        upgrade_disk: bool,
    },
    /// Replaces every rule of a firewall (the Firewalls pane, after a full preview).
    SetRules {
        firewall: i64,
        rules: Vec<Rule>,
    },
    Apply {
        firewall: i64,
        servers: Vec<i64>,
        selectors: Vec<String>,
    },
    CreateFirewall {
        name: String,
        labels: std::collections::BTreeMap<String, String>,
    },
    RenameFirewall {
        firewall: i64,
        name: String,
    },
    DeleteFirewall {
        firewall: i64,
    },
    CreateRrset {
        zone: String,
        name: String,
        rtype: String,
        ttl: Option<u32>,
        values: Vec<String>,
    },
    SetRecords {
        zone: String,
        name: String,
        rtype: String,
        values: Vec<String>,
    },
    RrsetTtl {
        zone: String,
        name: String,
        rtype: String,
        ttl: Option<u32>,
    },
    DeleteRrset {
        zone: String,
        name: String,
        rtype: String,
    },
    ZoneTtl {
        zone: String,
        ttl: u32,
    },
    CreateZone {
        zone: String,
        ttl: u32,
    },
    DeleteZone {
        zone: String,
    },
    ZoneProtection {
        zone: String,
        delete: bool,
    },
    Import {
        zone: String,
        text: String,
    },
}

/// How far an operation has come.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Progress {
    Percent(i64),
    /// Something to say while waiting (a server still shutting down).
    Status(String),
}

/// Starts one operation; the actions it started.
async fn start(c: &Client, op: &HzOp) -> Result<Vec<Action>, Error> {
    Ok(match op {
        HzOp::Power { id, verb } => vec![c.server_action(*id, verb).await?],
        HzOp::Delete { id } => vec![c.delete_server(*id).await?],
        HzOp::UpdateServer { id, name, labels } => {
            c.update_server(*id, name.as_deref(), labels.as_ref()).await?;
            vec![]
        }
        HzOp::ServerProtection { id, on } => vec![c.server_protection(*id, *on).await?],
        HzOp::ServerBackups { id, on } => vec![c.server_backups(*id, *on).await?],
        HzOp::ServerDnsPtr { id, ip, ptr } => vec![c.server_dns_ptr(*id, ip, ptr.as_deref()).await?],
        HzOp::Snapshot { id, description } => vec![c.create_snapshot(*id, description).await?.1],
        HzOp::Volume { id, verb, server, size } => vec![c.volume_action(*id, verb, *server, *size).await?],
        HzOp::PrimaryIp { id, verb, server } => vec![c.primary_ip_action(*id, verb, *server).await?],
        HzOp::ServerNetwork { id, network, attach } => vec![c.server_network(*id, *network, *attach).await?],
        HzOp::CreateNetwork { name, ip_range, subnet, zone } => {
            c.create_network(name, ip_range, subnet, zone).await?;
            vec![]
        }
        HzOp::ChangeType { id, server_type, upgrade_disk } => vec![c.change_type(*id, server_type, *upgrade_disk).await?],
        HzOp::SetRules { firewall, rules } => c.set_rules(*firewall, rules).await?,
        HzOp::Apply { firewall, servers, selectors } => c.apply_firewall(*firewall, servers, selectors).await?,
        HzOp::CreateFirewall { name, labels } => c.create_firewall(name, labels).await?.1,
        HzOp::RenameFirewall { firewall, name } => {
            c.rename_firewall(*firewall, name).await?;
            vec![]
        }
        HzOp::DeleteFirewall { firewall } => {
            c.delete_firewall(*firewall).await?;
            vec![]
        }
        HzOp::CreateRrset { zone, name, rtype, ttl, values } => vec![c.create_rrset(zone, name, rtype, *ttl, values).await?],
        HzOp::SetRecords { zone, name, rtype, values } => vec![c.rrset_records(zone, name, rtype, "set_records", values, None).await?],
        HzOp::RrsetTtl { zone, name, rtype, ttl } => vec![c.rrset_ttl(zone, name, rtype, *ttl).await?],
        HzOp::DeleteRrset { zone, name, rtype } => vec![c.delete_rrset(zone, name, rtype).await?],
        HzOp::ZoneTtl { zone, ttl } => vec![c.zone_ttl(zone, *ttl).await?],
        HzOp::CreateZone { zone, ttl } => vec![c.create_zone(zone, *ttl).await?.1],
        HzOp::DeleteZone { zone } => vec![c.delete_zone(zone).await?],
        HzOp::ZoneProtection { zone, delete } => vec![c.zone_protection(zone, *delete).await?],
        HzOp::Import { zone, text } => vec![c.import_zone(zone, text).await?],
    })
}

/// Waits until every action is done; the first that failed is the error.
pub(crate) async fn follow(c: &Client, actions: &[Action], poll: Duration, mut on: impl FnMut(i64)) -> Result<(), Error> {
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let done = c
        .wait_actions(&ids, poll, |now| {
            on(now.iter().map(|a| a.progress).sum::<i64>() / now.len().max(1) as i64);
        })
        .await?;
    match done.iter().find(|a| a.status == "error") {
        Some(a) => {
            let (code, message) = a.error.as_ref().map(|e| (e.code.clone(), e.message.clone())).unwrap_or_default();
            Err(Error::ActionFailed { command: a.command.clone(), code, message })
        }
        None => Ok(()),
    }
}

/// Runs one operation and follows it to its end.
pub(crate) async fn run(c: &Client, op: &HzOp, poll: Duration, on: impl FnMut(i64)) -> Result<(), Error> {
    let actions = start(c, op).await?;
    follow(c, &actions, poll, on).await
}

/// Runs operations in order, each followed to its end; stops at the first
/// failure. Progress is over the whole sequence.
pub(crate) async fn run_all(c: &Client, ops: &[HzOp], poll: Duration, mut on: impl FnMut(Progress)) -> Result<(), Error> {
    let n = ops.len().max(1) as i64;
    for (i, op) in ops.iter().enumerate() {
        run(c, op, poll, |p| on(Progress::Percent((i as i64 * 100 + p) / n))).await?;
    }
    Ok(())
}

/// After `shutdown`: its action only says the signal was sent. Follows the
/// server until it is really off.
pub(crate) async fn wait_off(
    c: &Client,
    id: i64,
    name: &str,
    poll: Duration,
    limit: Duration,
    mut on: impl FnMut(Progress),
) -> Result<(), Error> {
    let deadline = crate::config::duration::deadline(tokio::time::Instant::now(), limit);
    loop {
        let s = c.server(id).await?;
        if s.status == "off" {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Timeout(format!(
                "{name} is still {} {} after the shutdown signal; the OS may ignore ACPI: use power off",
                s.status,
                humantime::format_duration(limit)
            )));
        }
        on(Progress::Status(format!("{name} is {}", s.status)));
        tokio::time::sleep(poll.max(Duration::from_millis(500))).await;
    }
}

/// The RRSet `name`/`rtype` of a zone, if it exists.
pub(crate) async fn find_rrset(c: &Client, zone: &str, name: &str, rtype: &str) -> Result<Option<Rrset>, Error> {
    Ok(c.rrsets(zone).await?.into_iter().find(|r| r.name == name && r.rtype.eq_ignore_ascii_case(rtype)))
}

/// Sets an RRSet's records, creating it when missing, and its TTL when one is
/// given. Returns what was there before.
pub(crate) async fn set_rrset(
    c: &Client,
    zone: &str,
    name: &str,
    rtype: &str,
    values: &[String],
    ttl: Option<u32>,
    poll: Duration,
) -> Result<Option<Rrset>, Error> {
    let before = find_rrset(c, zone, name, rtype).await?;
    let ops = match &before {
        Some(r) => {
            let mut ops = vec![HzOp::SetRecords { zone: zone.into(), name: name.into(), rtype: rtype.into(), values: values.to_vec() }];
            if ttl.is_some() && ttl != r.ttl {
                ops.push(HzOp::RrsetTtl { zone: zone.into(), name: name.into(), rtype: rtype.into(), ttl });
            }
            ops
        }
        None => vec![HzOp::CreateRrset { zone: zone.into(), name: name.into(), rtype: rtype.into(), ttl, values: values.to_vec() }],
    };
    run_all(c, &ops, poll, |_| {}).await?;
    Ok(before)
}

/// Changes an RRSet's TTL; returns the TTL resolvers may still hold (the old
/// one, or the zone's default when the RRSet had none).
pub(crate) async fn rrset_ttl(c: &Client, zone: &str, name: &str, rtype: &str, ttl: u32, poll: Duration) -> Result<Option<u32>, Error> {
    let old = find_rrset(c, zone, name, rtype).await?.ok_or_else(|| Error::NotFound(format!("no {name} {rtype} record in {zone}")))?.ttl;
    let zone_default = match old {
        Some(_) => None,
        None => c.zones().await?.into_iter().find(|z| z.name == zone).map(|z| z.ttl),
    };
    run(c, &HzOp::RrsetTtl { zone: zone.into(), name: name.into(), rtype: rtype.into(), ttl: Some(ttl) }, poll, |_| {}).await?;
    Ok(old.or(zone_default))
}

/// Deletes an RRSet; returns it, or `None` when it was already gone.
pub(crate) async fn delete_rrset(c: &Client, zone: &str, name: &str, rtype: &str, poll: Duration) -> Result<Option<Rrset>, Error> {
    let Some(r) = find_rrset(c, zone, name, rtype).await? else { return Ok(None) };
    run(c, &HzOp::DeleteRrset { zone: zone.into(), name: name.into(), rtype: rtype.into() }, poll, |_| {}).await?;
    Ok(Some(r))
}

/// Snapshots the server named `name` and follows it to the end: the image id.
pub(crate) async fn snapshot(c: &Client, name: &str, description: &str, poll: Duration) -> Result<i64, Error> {
    let found: Vec<crate::hetzner::Server> = c.list_all("/servers", "servers", &[("name", name.to_string())]).await?;
    let Some(s) = found.into_iter().find(|s| s.name == name) else {
        return Err(Error::NotFound(format!("no server named {name}")));
    };
    let (image, action) = c.create_snapshot(s.id, description).await?;
    follow(c, &[action], poll, |_| {}).await?;
    Ok(image)
}

pub(crate) async fn firewall_by_name(c: &Client, name: &str) -> Result<Firewall, Error> {
    c.firewalls().await?.into_iter().find(|f| f.name == name).ok_or_else(|| Error::NotFound(format!("no firewall named {name}")))
}

/// Two rules that let the same traffic in or out.
pub(crate) fn same_rule(a: &Rule, b: &Rule) -> bool {
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    a.direction == b.direction
        && a.protocol == b.protocol
        && a.port == b.port
        && sorted(&a.source_ips) == sorted(&b.source_ips)
        && sorted(&a.destination_ips) == sorted(&b.destination_ips)
}

/// Adds one rule to a firewall, keeping every other rule; false when an
/// equal rule was already there (nothing sent).
pub(crate) async fn add_rule(c: &Client, firewall: &str, rule: &Rule, poll: Duration) -> Result<bool, Error> {
    let fw = firewall_by_name(c, firewall).await?;
    if fw.rules.iter().any(|r| same_rule(r, rule)) {
        return Ok(false);
    }
    for src in rule.source_ips.iter().chain(&rule.destination_ips) {
        crate::hetzner::validate::check_cidr(src).map_err(|e| Error::Refused(format!("firewall rule: {e}")))?;
    }
    let mut rules = fw.rules.clone();
    rules.push(rule.clone());
    run(c, &HzOp::SetRules { firewall: fw.id, rules }, poll, |_| {}).await?;
    Ok(true)
}

/// Removes the rules equal to `rule`, keeping every other rule; false when
/// there was none (nothing sent).
pub(crate) async fn remove_rule(c: &Client, firewall: &str, rule: &Rule, poll: Duration) -> Result<bool, Error> {
    let fw = firewall_by_name(c, firewall).await?;
    let rules: Vec<Rule> = fw.rules.iter().filter(|r| !same_rule(r, rule)).cloned().collect();
    if rules.len() == fw.rules.len() {
        return Ok(false);
    }
    run(c, &HzOp::SetRules { firewall: fw.id, rules }, poll, |_| {}).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(port: &str, ips: &[&str]) -> Rule {
        Rule {
            description: None,
            direction: "in".into(),
            source_ips: ips.iter().map(|s| s.to_string()).collect(),
            destination_ips: vec![],
            protocol: "tcp".into(),
            port: Some(port.into()),
        }
    }

    #[test]
    fn rules_are_the_same_whatever_the_order_of_their_addresses() {
        assert!(same_rule(&rule("5432", &["10.0.0.1/32", "2001:db8::1/128"]), &rule("5432", &["2001:db8::1/128", "10.0.0.1/32"])));
        assert!(!same_rule(&rule("5432", &["10.0.0.1/32"]), &rule("22", &["10.0.0.1/32"])));
        let mut described = rule("5432", &["10.0.0.1/32"]);
        described.description = Some("web-1 (cutover)".into());
        assert!(same_rule(&described, &rule("5432", &["10.0.0.1/32"])), "descriptions do not make a rule different");
    }
}
