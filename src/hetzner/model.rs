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
