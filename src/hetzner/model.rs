//! Hetzner Cloud API objects, as much of them as cutover reads. Unknown fields
//! are ignored so additions to the API do not break us.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Server {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub created: String,
    pub public_net: PublicNet,
    pub server_type: ServerType,
    pub location: Location,
    #[serde(default)]
    pub image: Option<Image>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub protection: Protection,
    #[serde(default)]
    pub backup_window: Option<String>,
    #[serde(default)]
    pub primary_disk_size: f64,
    #[serde(default)]
    pub volumes: Vec<i64>,
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub rescue_enabled: bool,
    #[serde(default)]
    pub private_net: Vec<PrivateNet>,
    #[serde(default)]
    pub outgoing_traffic: Option<i64>,
    #[serde(default)]
    pub ingoing_traffic: Option<i64>,
    #[serde(default)]
    pub included_traffic: Option<i64>,
}

impl Server {
    pub fn ipv4(&self) -> Option<&str> {
        self.public_net.ipv4.as_ref().map(|i| i.ip.as_str())
    }

    pub fn ipv6(&self) -> Option<&str> {
        self.public_net.ipv6.as_ref().map(|i| i.ip.as_str())
    }

    /// `k=v,k2=v2`, sorted by key.
    pub fn labels_text(&self) -> String {
        self.labels.iter().map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k}={v}") }).collect::<Vec<_>>().join(",")
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct PublicNet {
    pub ipv4: Option<Ipv4>,
    pub ipv6: Option<Ipv6>,
    #[serde(default)]
    pub floating_ips: Vec<i64>,
    #[serde(default)]
    pub firewalls: Vec<AppliedFirewall>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Ipv4 {
    #[serde(default)]
    pub id: Option<i64>,
    pub ip: String,
    #[serde(default)]
    pub blocked: bool,
    #[serde(default)]
    pub dns_ptr: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Ipv6 {
    #[serde(default)]
    pub id: Option<i64>,
    /// A /64 network, e.g. `2001:db8::/64`.
    pub ip: String,
    #[serde(default)]
    pub blocked: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct AppliedFirewall {
    pub id: i64,
    #[serde(default)]
    pub status: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct PrivateNet {
    #[serde(default)]
    pub network: i64,
    #[serde(default)]
    pub ip: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Protection {
    #[serde(default)]
    pub delete: bool,
    #[serde(default)]
    pub rebuild: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ServerType {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub cores: f64,
    /// GB.
    pub memory: f64,
    /// GB.
    pub disk: f64,
    #[serde(default)]
    pub cpu_type: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub storage_type: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub deprecated: Option<bool>,
    #[serde(default)]
    pub deprecation: Option<Deprecation>,
    #[serde(default)]
    pub prices: Vec<LocationPrice>,
    #[serde(default)]
    pub locations: Vec<TypeLocation>,
}

impl ServerType {
    /// Deprecation in `location` (the current field), else the type-wide one.
    pub fn deprecation_in(&self, location: &str) -> Option<&Deprecation> {
        self.locations.iter().find(|l| l.name == location).and_then(|l| l.deprecation.as_ref()).or(self.deprecation.as_ref())
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Deprecation {
    pub announced: String,
    pub unavailable_after: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct TypeLocation {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub deprecation: Option<Deprecation>,
    #[serde(default)]
    pub available: Option<bool>,
    #[serde(default)]
    pub recommended: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Price {
    pub net: String,
    pub gross: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct LocationPrice {
    pub location: String,
    pub price_hourly: Price,
    pub price_monthly: Price,
    #[serde(default)]
    pub included_traffic: Option<i64>,
    #[serde(default)]
    pub price_per_tb_traffic: Option<Price>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Location {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub network_zone: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Image {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub os_flavor: String,
    #[serde(default)]
    pub os_version: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Action {
    pub id: i64,
    pub command: String,
    pub status: String,
    pub progress: i64,
    #[serde(default)]
    pub started: String,
    #[serde(default)]
    pub finished: Option<String>,
    #[serde(default)]
    pub resources: Vec<ActionResource>,
    #[serde(default)]
    pub error: Option<ActionError>,
}

impl Action {
    pub fn done(&self) -> bool {
        self.status != "running"
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ActionResource {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ActionError {
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Pricing {
    pub currency: String,
    pub vat_rate: String,
    #[serde(default)]
    pub primary_ips: Vec<PrimaryIpPrice>,
    #[serde(default)]
    pub volume: Option<PerGb>,
    #[serde(default)]
    pub server_backup: Option<BackupPrice>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct PrimaryIpPrice {
    #[serde(rename = "type")]
    pub kind: String,
    pub prices: Vec<IpLocationPrice>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct IpLocationPrice {
    pub location: String,
    pub price_monthly: Price,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct PerGb {
    pub price_per_gb_month: Price,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct BackupPrice {
    pub percentage: String,
}

/// A private network: servers on it talk without the public interface (and
/// without the Cloud Firewalls, which filter only that one).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Network {
    pub id: i64,
    pub name: String,
    pub ip_range: String,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default)]
    pub servers: Vec<i64>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Subnet {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub ip_range: Option<String>,
    pub network_zone: String,
    #[serde(default)]
    pub gateway: Option<String>,
}

/// A Primary IP: a server's public address, which can outlive it and move
/// to another server in its location (both off).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct PrimaryIp {
    pub id: i64,
    pub name: String,
    pub ip: String,
    /// `ipv4` or `ipv6`.
    #[serde(rename = "type")]
    pub kind: String,
    pub assignee_id: Option<i64>,
    #[serde(default)]
    pub auto_delete: bool,
    #[serde(default)]
    pub protection: Protection,
    pub location: Location,
    #[serde(default)]
    pub dns_ptr: Vec<DnsPtr>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct DnsPtr {
    pub ip: String,
    pub dns_ptr: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Volume {
    pub id: i64,
    pub name: String,
    /// GB.
    pub size: f64,
    pub server: Option<i64>,
    pub location: Location,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Metrics {
    pub start: String,
    pub end: String,
    pub step: f64,
    pub time_series: BTreeMap<String, Series>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Series {
    /// `[unix_ts, "value"]`
    pub values: Vec<(f64, String)>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Rule {
    #[serde(default)]
    pub description: Option<String>,
    pub direction: String,
    #[serde(default)]
    pub source_ips: Vec<String>,
    #[serde(default)]
    pub destination_ips: Vec<String>,
    pub protocol: String,
    #[serde(default)]
    pub port: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Firewall {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub applied_to: Vec<AppliedTo>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct AppliedTo {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub server: Option<IdOnly>,
    #[serde(default)]
    pub label_selector: Option<SelectorOnly>,
    #[serde(default)]
    pub applied_to_resources: Vec<AppliedResource>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct IdOnly {
    pub id: i64,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SelectorOnly {
    pub selector: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct AppliedResource {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub server: Option<IdOnly>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Zone {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub mode: String,
    pub ttl: u32,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub record_count: i64,
    #[serde(default)]
    pub protection: Protection,
    #[serde(default)]
    pub authoritative_nameservers: Option<Nameservers>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Nameservers {
    #[serde(default)]
    pub assigned: Vec<String>,
    #[serde(default)]
    pub delegated: Vec<String>,
    #[serde(default)]
    pub delegation_status: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Rrset {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl: Option<u32>,
    pub records: Vec<RecordValue>,
    #[serde(default)]
    pub protection: RrsetProtection,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct RrsetProtection {
    #[serde(default)]
    pub change: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct RecordValue {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A public key the project holds (`GET /ssh_keys`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SshKey {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(default)]
    pub public_key: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// What `POST /servers` takes.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct NewServer {
    pub name: String,
    pub server_type: String,
    pub image: String,
    pub location: String,
    /// Names of the project's SSH keys.
    pub ssh_keys: Vec<String>,
    /// Firewall ids, applied to the public interface from the start.
    #[serde(serialize_with = "firewall_refs")]
    pub firewalls: Vec<i64>,
    pub labels: BTreeMap<String, String>,
    /// Network ids it is attached to from the start; omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<i64>,
    /// cloud-init; omitted when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    pub start_after_create: bool,
}

fn firewall_refs<S: serde::Serializer>(ids: &[i64], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(ids.len()))?;
    for id in ids {
        seq.serialize_element(&serde_json::json!({ "firewall": id }))?;
    }
    seq.end()
}
