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

/// A preview deployment of a pull request (`GET .../previews/{pull_request_id}`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Preview {
    pub pull_request_id: i64,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub fqdn: Option<String>,
    #[serde(default)]
    pub pull_request_html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A preview as the console lists it: the preview, and its newest deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct PreviewRow {
    pub preview: Preview,
    pub last: Option<Deployment>,
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
    #[serde(default)]
    pub last_deployment_status: Option<String>,
    #[serde(default)]
    pub is_preview_deployments_enabled: bool,
    /// `{{pr_id}}.{{domain}}` by default.
    #[serde(default)]
    pub preview_url_template: Option<String>,
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
    #[serde(default)]
    pub environment_id: Option<i64>,
    #[serde(default)]
    pub internal_db_url: Option<String>,
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

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Project {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub environments: Vec<Environment>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Environment {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub uuid: String,
}

/// What is deployed where.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    pub projects: Vec<Project>,
    pub servers: Vec<Server>,
    pub applications: Vec<Application>,
    pub databases: Vec<Database>,
}

impl Application {
    pub fn domains(&self) -> Vec<String> {
        self.fqdn.as_deref().unwrap_or("").split(',').map(str::trim).filter(|d| !d.is_empty()).map(str::to_string).collect()
    }

    /// `docker_compose_domains` (a JSON string) as (service, domain) pairs.
    pub fn compose_domains(&self) -> Vec<(String, String)> {
        let Some(v) = self.docker_compose_domains.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) else {
            return vec![];
        };
        v.as_object()
            .map(|m| m.iter().map(|(k, x)| (k.clone(), x["domain"].as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default()
    }
}

impl Inventory {
    /// (project, environment) names of an environment id.
    pub fn env_of(&self, id: Option<i64>) -> Option<(&str, &str)> {
        let id = id?;
        self.projects.iter().find_map(|p| p.environments.iter().find(|e| e.id == id).map(|e| (p.name.as_str(), e.name.as_str())))
    }

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

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Deployment {
    pub deployment_uuid: String,
    #[serde(default)]
    pub status: DeployStatus,
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub force_rebuild: bool,
    #[serde(default)]
    pub restart_only: bool,
    #[serde(default)]
    pub application_name: Option<String>,
    #[serde(default)]
    pub server_name: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    /// A JSON-encoded array of entries; absent without `read:sensitive`.
    #[serde(default)]
    pub logs: Option<String>,
    /// The pull request a preview deployment is of; 0 for the application itself.
    #[serde(default)]
    pub pull_request_id: i64,
}

impl Deployment {
    pub fn is_done(&self) -> bool {
        self.status.is_done()
    }
}

/// Where a deployment is, as Coolify's `ApplicationDeploymentStatus` names it.
#[derive(Clone, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(from = "String", into = "String")]
pub enum DeployStatus {
    #[default]
    Queued,
    InProgress,
    Finished,
    Failed,
    CancelledByUser,
    /// A status this version of cutover does not know; shown as it came.
    Other(String),
}

impl DeployStatus {
    pub fn as_str(&self) -> &str {
        match self {
            DeployStatus::Queued => "queued",
            DeployStatus::InProgress => "in_progress",
            DeployStatus::Finished => "finished",
            DeployStatus::Failed => "failed",
            DeployStatus::CancelledByUser => "cancelled-by-user",
            DeployStatus::Other(s) => s,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, DeployStatus::Finished | DeployStatus::Failed | DeployStatus::CancelledByUser)
    }

    /// Still going: queued or building.
    pub fn is_running(&self) -> bool {
        matches!(self, DeployStatus::Queued | DeployStatus::InProgress)
    }
}

impl From<String> for DeployStatus {
    fn from(s: String) -> Self {
        match s.as_str() {
            "queued" => DeployStatus::Queued,
            "in_progress" => DeployStatus::InProgress,
            "finished" => DeployStatus::Finished,
            "failed" => DeployStatus::Failed,
            "cancelled-by-user" => DeployStatus::CancelledByUser,
            _ => DeployStatus::Other(s),
        }
    }
}

impl From<DeployStatus> for String {
    fn from(s: DeployStatus) -> String {
        s.as_str().to_string()
    }
}

impl std::fmt::Display for DeployStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so `{:<18}` lines columns up.
        f.pad(self.as_str())
    }
}

/// One entry of a deployment log.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct LogEntry {
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub output: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub timestamp: String,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub order: Option<i64>,
}

/// Decodes the `logs` string (a second JSON decode), in `order`; the first entry
/// Coolify writes may lack an order and goes first.
pub fn decode_logs(logs: &str) -> Result<Vec<LogEntry>, String> {
    let mut v: Vec<LogEntry> = serde_json::from_str(logs).map_err(|e| format!("deployment log: {e}"))?;
    v.sort_by_key(|e| e.order.unwrap_or(0));
    Ok(v)
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct EnvVar {
    #[serde(default)]
    pub uuid: String,
    pub key: String,
    /// Absent without `read:sensitive`, and for shown-once variables.
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub is_preview: bool,
    #[serde(default)]
    pub is_buildtime: bool,
    #[serde(default)]
    pub is_runtime: bool,
    #[serde(default)]
    pub is_shown_once: bool,
    #[serde(default)]
    pub is_literal: bool,
    #[serde(default)]
    pub is_multiline: bool,
}

/// One of Coolify's S3 destinations for backups.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct S3Storage {
    /// Not in Coolify's document; used when the answer has it.
    pub id: Option<i64>,
    pub uuid: String,
    pub name: String,
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub usable: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Backup {
    pub uuid: String,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub save_s3: bool,
    #[serde(default)]
    pub s3_storage_id: Option<i64>,
    /// Only the S3 copy is kept: the file is not on the server.
    #[serde(default)]
    pub disable_local_backup: bool,
    #[serde(default)]
    pub database_backup_retention_amount_locally: Option<i64>,
    #[serde(default)]
    pub database_backup_retention_amount_s3: Option<i64>,
    #[serde(default)]
    pub executions: Vec<Execution>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct Execution {
    pub uuid: String,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub created_at: String,
}

/// A command Coolify runs in an application's container on a schedule.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
pub struct ScheduledTask {
    #[serde(default)]
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub container: Option<String>,
}

/// A Coolify service: a compose stack of applications and databases.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Service {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub environment_id: Option<i64>,
    #[serde(default)]
    pub service_type: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub applications: Vec<ServicePart>,
    #[serde(default)]
    pub databases: Vec<ServicePart>,
}

/// An application or database inside a service.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ServicePart {
    pub name: String,
    #[serde(default)]
    pub fqdn: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub status: String,
}

/// A persistent volume of an application (uploads, media).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Storage {
    pub name: String,
    pub mount_path: String,
    #[serde(default)]
    pub host_path: Option<String>,
}
