//! Typed calls over the HTTP layer: actions, servers, pricing, firewalls, DNS.

use super::error::Error;
use super::http::{Client, PER_PAGE};
use super::model::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(serde::Deserialize)]
struct OneAction {
    action: Action,
}

#[derive(serde::Deserialize)]
struct ManyActions {
    actions: Vec<Action>,
}

/// Percent-encodes one path segment (zone names, `@`, `*.uat`).
pub fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    /// `GET /actions?id=..&id=..`: many actions in one request (chunks of 25).
    pub async fn actions(&self, ids: &[i64]) -> Result<Vec<Action>, Error> {
        let mut out = Vec::new();
        for chunk in ids.chunks(25) {
            let q: Vec<(&str, String)> = chunk.iter().map(|i| ("id", i.to_string())).collect();
            let r: ManyActions = self.get("/actions", &q).await?;
            out.extend(r.actions);
        }
        Ok(out)
    }

    /// Polls until every action is done, reporting progress; slows down when
    /// the rate limit runs low instead of spending the whole quota.
    pub async fn wait_actions(
        &self,
        ids: &[i64],
        interval: Duration,
        mut on_progress: impl FnMut(&[Action]),
    ) -> Result<Vec<Action>, Error> {
        let mut pending: Vec<i64> = ids.to_vec();
        let mut done: Vec<Action> = Vec::new();
        loop {
            let now = self.actions(&pending).await?;
            if now.len() < pending.len() {
                return Err(Error::Decode(format!("actions {pending:?} asked for, {} returned", now.len())));
            }
            on_progress(&now);
            pending.clear();
            for a in now {
                if a.done() {
                    done.push(a);
                } else {
                    pending.push(a.id);
                }
            }
            if pending.is_empty() {
                return Ok(done);
            }
            let mut wait = interval;
            if let Some(r) = self.rate_limit()
                && r.remaining < r.limit / 10
            {
                // Under 10% of the quota left: one request per refill period.
                wait = wait.max(Duration::from_secs_f64(3600.0 / r.limit.max(1) as f64 * 2.0));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// `poweron`, `shutdown`, `reboot`, `poweroff` or `reset`.
    pub async fn server_action(&self, id: i64, verb: &str) -> Result<Action, Error> {
        let r: OneAction = self.request(reqwest::Method::POST, &format!("/servers/{id}/actions/{verb}"), &[], None).await?;
        Ok(r.action)
    }

    /// A new name and/or labels (labels replace the whole set).
    pub async fn update_server(&self, id: i64, name: Option<&str>, labels: Option<&BTreeMap<String, String>>) -> Result<(), Error> {
        let mut body = serde_json::Map::new();
        if let Some(n) = name {
            body.insert("name".into(), json!(n));
        }
        if let Some(l) = labels {
            body.insert("labels".into(), json!(l));
        }
        let _: Value = self.request(reqwest::Method::PUT, &format!("/servers/{id}"), &[], Some(&Value::Object(body))).await?;
        Ok(())
    }

    /// Delete and rebuild protection together (Hetzner wants them the same).
    pub async fn server_protection(&self, id: i64, on: bool) -> Result<Action, Error> {
        let r: OneAction = self.post(&format!("/servers/{id}/actions/change_protection"), &json!({"delete": on, "rebuild": on})).await?;
        Ok(r.action)
    }

    pub async fn server_backups(&self, id: i64, on: bool) -> Result<Action, Error> {
        let verb = if on { "enable_backup" } else { "disable_backup" };
        let r: OneAction = self.request(reqwest::Method::POST, &format!("/servers/{id}/actions/{verb}"), &[], None).await?;
        Ok(r.action)
    }

    /// Reverse DNS of one of the server's addresses; `None` puts Hetzner's default back.
    pub async fn server_dns_ptr(&self, id: i64, ip: &str, ptr: Option<&str>) -> Result<Action, Error> {
        let r: OneAction = self.post(&format!("/servers/{id}/actions/change_dns_ptr"), &json!({"ip": ip, "dns_ptr": ptr})).await?;
        Ok(r.action)
    }

    /// A snapshot of the server's disk: the new image's id, and the action that takes it.
    pub async fn create_snapshot(&self, id: i64, description: &str) -> Result<(i64, Action), Error> {
        #[derive(serde::Deserialize)]
        struct Img {
            id: i64,
        }
        #[derive(serde::Deserialize)]
        struct Created {
            image: Img,
            action: Action,
        }
        let body = json!({"type": "snapshot", "description": description});
        let r: Created = self.post(&format!("/servers/{id}/actions/create_image"), &body).await?;
        Ok((r.image.id, r.action))
    }

    pub async fn delete_server(&self, id: i64) -> Result<Action, Error> {
        let r: OneAction = self.request(reqwest::Method::DELETE, &format!("/servers/{id}"), &[], None).await?;
        Ok(r.action)
    }

    pub async fn metrics(
        &self,
        id: i64,
        types: &[&str],
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
    ) -> Result<Metrics, Error> {
        #[derive(serde::Deserialize)]
        struct R {
            metrics: Metrics,
        }
        let mut q: Vec<(&str, String)> = types.iter().map(|t| ("type", t.to_string())).collect();
        q.push(("start", start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        q.push(("end", end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        let r: R = self.get(&format!("/servers/{id}/metrics"), &q).await?;
        Ok(r.metrics)
    }

    pub async fn pricing(&self) -> Result<Pricing, Error> {
        #[derive(serde::Deserialize)]
        struct R {
            pricing: Pricing,
        }
        Ok(self.get::<R>("/pricing", &[]).await?.pricing)
    }

    pub async fn volumes(&self) -> Result<Vec<Volume>, Error> {
        self.list_all("/volumes", "volumes", &[]).await
    }

    pub async fn firewalls(&self) -> Result<Vec<Firewall>, Error> {
        self.list_all("/firewalls", "firewalls", &[]).await
    }

    pub async fn set_rules(&self, firewall: i64, rules: &[Rule]) -> Result<Vec<Action>, Error> {
        let body = json!({"rules": rules});
        let r: ManyActions = self.post(&format!("/firewalls/{firewall}/actions/set_rules"), &body).await?;
        Ok(r.actions)
    }

    /// A new type for a server that is off (`upgrade_disk` false keeps the disk, so the type can go back down).
    pub async fn change_type(&self, id: i64, server_type: &str, upgrade_disk: bool) -> Result<Action, Error> {
        let r: OneAction = self
            .post(&format!("/servers/{id}/actions/change_type"), &json!({"server_type": server_type, "upgrade_disk": upgrade_disk}))
            .await?;
        Ok(r.action)
    }

    /// Overwrites a server's disk with an image; the root password Hetzner sets when the server has no keys.
    pub async fn rebuild(&self, id: i64, image: &str) -> Result<(Action, Option<String>), Error> {
        #[derive(serde::Deserialize)]
        struct Rebuilt {
            action: Action,
            #[serde(default)]
            root_password: Option<String>,
        }
        let r: Rebuilt = self.post(&format!("/servers/{id}/actions/rebuild"), &json!({"image": image})).await?;
        Ok((r.action, r.root_password))
    }

    pub async fn networks(&self) -> Result<Vec<Network>, Error> {
        self.list_all("/networks", "networks", &[]).await
    }

    /// A network with one subnet of type `cloud` in `zone`.
    pub async fn create_network(&self, name: &str, ip_range: &str, subnet: &str, zone: &str) -> Result<Network, Error> {
        #[derive(serde::Deserialize)]
        struct Created {
            network: Network,
        }
        let body = json!({"name": name, "ip_range": ip_range, "subnets": [{"type": "cloud", "ip_range": subnet, "network_zone": zone}]});
        let r: Created = self.post("/networks", &body).await?;
        Ok(r.network)
    }

    /// Attaches a server to a network (an address from its zone's subnet), or detaches it.
    pub async fn server_network(&self, id: i64, network: i64, attach: bool) -> Result<Action, Error> {
        let verb = if attach { "attach_to_network" } else { "detach_from_network" };
        let r: OneAction = self.post(&format!("/servers/{id}/actions/{verb}"), &json!({"network": network})).await?;
        Ok(r.action)
    }

    pub async fn primary_ips(&self) -> Result<Vec<PrimaryIp>, Error> {
        self.list_all("/primary_ips", "primary_ips", &[]).await
    }

    /// `assign` (to `server`) or `unassign` a Primary IP; both want the server off.
    pub async fn primary_ip_action(&self, id: i64, verb: &str, server: Option<i64>) -> Result<Action, Error> {
        // `unassign` takes no body at all.
        let body = (verb == "assign").then(|| json!({"assignee_id": server, "assignee_type": "server"}));
        let r: OneAction = self.request(reqwest::Method::POST, &format!("/primary_ips/{id}/actions/{verb}"), &[], body.as_ref()).await?;
        Ok(r.action)
    }

    /// `attach` (to `server`), `detach`, or `resize` (to `size` GB) a volume.
    pub async fn volume_action(&self, id: i64, verb: &str, server: Option<i64>, size: Option<i64>) -> Result<Action, Error> {
        // `detach` takes no body at all.
        let body = match verb {
            "attach" => Some(json!({"server": server, "automount": false})),
            "resize" => Some(json!({"size": size})),
            _ => None,
        };
        let r: OneAction = self.request(reqwest::Method::POST, &format!("/volumes/{id}/actions/{verb}"), &[], body.as_ref()).await?;
        Ok(r.action)
    }

    pub async fn server_types(&self) -> Result<Vec<ServerType>, Error> {
        self.list_all("/server_types", "server_types", &[]).await
    }

    pub async fn locations(&self) -> Result<Vec<Location>, Error> {
        self.list_all("/locations", "locations", &[]).await
    }

    /// The operating systems a server can be created from.
    pub async fn system_images(&self) -> Result<Vec<Image>, Error> {
        self.list_all("/images", "images", &[("type", "system".to_string())]).await
    }

    pub async fn ssh_keys(&self) -> Result<Vec<SshKey>, Error> {
        self.list_all("/ssh_keys", "ssh_keys", &[]).await
    }

    pub async fn create_ssh_key(&self, name: &str, public_key: &str) -> Result<SshKey, Error> {
        #[derive(serde::Deserialize)]
        struct Created {
            ssh_key: SshKey,
        }
        let r: Created = self.post("/ssh_keys", &json!({"name": name, "public_key": public_key})).await?;
        Ok(r.ssh_key)
    }

    /// Creates a server: the server, the actions to follow (creation, then the
    /// power-on), and the root password Hetzner sets when no key was given.
    pub async fn create_server(&self, req: &NewServer) -> Result<(Server, Vec<Action>, Option<String>), Error> {
        #[derive(serde::Deserialize)]
        struct Created {
            server: Server,
            action: Action,
            #[serde(default)]
            next_actions: Vec<Action>,
            #[serde(default)]
            root_password: Option<String>,
        }
        let body = serde_json::to_value(req).map_err(|e| Error::Decode(e.to_string()))?;
        let r: Created = self.post("/servers", &body).await?;
        let mut actions = vec![r.action];
        actions.extend(r.next_actions);
        Ok((r.server, actions, r.root_password))
    }

    /// A new firewall with no rules, applied to nothing (its rules and where it
    /// applies are set after, each with its preview).
    pub async fn create_firewall(
        &self,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> Result<(Firewall, Vec<Action>), Error> {
        #[derive(serde::Deserialize)]
        struct Created {
            firewall: Firewall,
            #[serde(default)]
            actions: Vec<Action>,
        }
        let r: Created = self.post("/firewalls", &json!({"name": name, "labels": labels})).await?;
        Ok((r.firewall, r.actions))
    }

    /// Renames a firewall (its labels stay).
    pub async fn rename_firewall(&self, firewall: i64, name: &str) -> Result<(), Error> {
        let _: Value = self.request(reqwest::Method::PUT, &format!("/firewalls/{firewall}"), &[], Some(&json!({"name": name}))).await?;
        Ok(())
    }

    /// Deletes a firewall; Hetzner refuses (`resource_in_use`) while it applies to anything.
    pub async fn delete_firewall(&self, firewall: i64) -> Result<(), Error> {
        let _: Value = self.request(reqwest::Method::DELETE, &format!("/firewalls/{firewall}"), &[], None).await?;
        Ok(())
    }

    /// Applies a firewall to servers (`server` ids) or label selectors.
    pub async fn apply_firewall(&self, firewall: i64, servers: &[i64], selectors: &[String]) -> Result<Vec<Action>, Error> {
        let mut to: Vec<Value> = servers.iter().map(|id| json!({"type": "server", "server": {"id": id}})).collect();
        to.extend(selectors.iter().map(|s| json!({"type": "label_selector", "label_selector": {"selector": s}})));
        let r: ManyActions = self.post(&format!("/firewalls/{firewall}/actions/apply_to_resources"), &json!({"apply_to": to})).await?;
        Ok(r.actions)
    }

    pub async fn zones(&self) -> Result<Vec<Zone>, Error> {
        self.list_all("/zones", "zones", &[]).await
    }

    /// Every RRSet of a zone (100 per page, the limit of this endpoint).
    pub async fn rrsets(&self, zone: &str) -> Result<Vec<Rrset>, Error> {
        let mut all = Vec::new();
        self.list_pages(&format!("/zones/{}/rrsets", seg(zone)), "rrsets", &[], 100, |items, _| all.extend(items)).await?;
        Ok(all)
    }

    pub async fn create_rrset(&self, zone: &str, name: &str, rtype: &str, ttl: Option<u32>, values: &[String]) -> Result<Action, Error> {
        let recs: Vec<Value> = values.iter().map(|v| json!({"value": v})).collect();
        let mut body = json!({"name": name, "type": rtype, "records": recs});
        if let Some(t) = ttl {
            body["ttl"] = json!(t);
        }
        let r: OneAction = self.post(&format!("/zones/{}/rrsets", seg(zone)), &body).await?;
        Ok(r.action)
    }

    /// `set_records`, `add_records` or `remove_records`.
    pub async fn rrset_records(
        &self,
        zone: &str,
        name: &str,
        rtype: &str,
        op: &str,
        values: &[String],
        ttl: Option<u32>,
    ) -> Result<Action, Error> {
        let recs: Vec<Value> = values.iter().map(|v| json!({"value": v})).collect();
        let mut body = json!({"records": recs});
        if op == "add_records"
            && let Some(t) = ttl
        {
            body["ttl"] = json!(t);
        }
        let r: OneAction = self.post(&format!("/zones/{}/rrsets/{}/{}/actions/{op}", seg(zone), seg(name), seg(rtype)), &body).await?;
        Ok(r.action)
    }

    pub async fn rrset_ttl(&self, zone: &str, name: &str, rtype: &str, ttl: Option<u32>) -> Result<Action, Error> {
        let r: OneAction = self
            .post(&format!("/zones/{}/rrsets/{}/{}/actions/change_ttl", seg(zone), seg(name), seg(rtype)), &json!({"ttl": ttl}))
            .await?;
        Ok(r.action)
    }

    pub async fn delete_rrset(&self, zone: &str, name: &str, rtype: &str) -> Result<Action, Error> {
        let r: OneAction =
            self.request(reqwest::Method::DELETE, &format!("/zones/{}/rrsets/{}/{}", seg(zone), seg(name), seg(rtype)), &[], None).await?;
        Ok(r.action)
    }

    pub async fn zone_ttl(&self, zone: &str, ttl: u32) -> Result<Action, Error> {
        let r: OneAction = self.post(&format!("/zones/{}/actions/change_ttl", seg(zone)), &json!({"ttl": ttl})).await?;
        Ok(r.action)
    }

    /// A new primary zone; Hetzner adds its SOA and NS records.
    pub async fn create_zone(&self, name: &str, ttl: u32) -> Result<(Zone, Action), Error> {
        #[derive(serde::Deserialize)]
        struct Created {
            zone: Zone,
            action: Action,
        }
        let r: Created = self.post("/zones", &json!({"name": name, "mode": "primary", "ttl": ttl})).await?;
        Ok((r.zone, r.action))
    }

    pub async fn delete_zone(&self, zone: &str) -> Result<Action, Error> {
        let r: OneAction = self.request(reqwest::Method::DELETE, &format!("/zones/{}", seg(zone)), &[], None).await?;
        Ok(r.action)
    }

    /// Delete protection on or off.
    pub async fn zone_protection(&self, zone: &str, delete: bool) -> Result<Action, Error> {
        let r: OneAction = self.post(&format!("/zones/{}/actions/change_protection", seg(zone)), &json!({"delete": delete})).await?;
        Ok(r.action)
    }

    pub async fn export_zone(&self, zone: &str) -> Result<String, Error> {
        #[derive(serde::Deserialize)]
        struct R {
            zonefile: String,
        }
        Ok(self.get::<R>(&format!("/zones/{}/zonefile", seg(zone)), &[]).await?.zonefile)
    }

    pub async fn import_zone(&self, zone: &str, zonefile: &str) -> Result<Action, Error> {
        let r: OneAction = self.post(&format!("/zones/{}/actions/import_zonefile", seg(zone)), &json!({"zonefile": zonefile})).await?;
        Ok(r.action)
    }

    pub async fn servers_all(&self) -> Result<Vec<super::Server>, Error> {
        self.list_all("/servers", "servers", &[]).await
    }

    pub fn per_page() -> u32 {
        PER_PAGE
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_are_encoded() {
        assert_eq!(super::seg("@"), "%40");
        assert_eq!(super::seg("*.uat"), "%2A.uat");
        assert_eq!(super::seg("example.com"), "example.com");
    }
}
