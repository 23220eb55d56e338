//! Coolify API objects, as much as cutover reads; unknown fields ignored.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Server {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub ip: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Application {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub fqdn: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub build_pack: String,
    #[serde(default)]
    pub git_repository: Option<String>,
    #[serde(default)]
    pub git_branch: Option<String>,
    #[serde(default)]
    pub git_commit_sha: Option<String>,
    #[serde(default)]
    pub environment_id: Option<i64>,
    #[serde(default)]
    pub docker_compose_domains: Option<String>,
    /// Filled in by cutover from `/servers/{uuid}/resources`.
    #[serde(skip)]
    pub server_uuid: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Database {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub database_type: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub public_port: Option<u16>,
    #[serde(skip)]
    pub server_uuid: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Resource {
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// What is deployed where.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    pub servers: Vec<Server>,
    pub applications: Vec<Application>,
    pub databases: Vec<Database>,
}

impl Inventory {
    pub fn server(&self, uuid: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.uuid == uuid)
    }

    pub fn app_by_name(&self, name: &str) -> Option<&Application> {
        self.applications.iter().find(|a| a.name == name || a.uuid == name)
    }

    pub fn db_by_name(&self, name: &str) -> Option<&Database> {
        self.databases.iter().find(|d| d.name == name || d.uuid == name)
    }
}
