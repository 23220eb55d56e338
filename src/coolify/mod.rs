//! Coolify API client. Every call goes through [`http::Client`].

pub mod env;
pub mod http;
pub mod model;
pub mod redact;
pub mod resources;
pub mod schedule;

pub use http::{Client, Error};
pub use model::{Application, Database, Inventory, Server};

impl Client {
    /// The instance's version (`4.3.10`), also the token check the coolify CLI uses.
    pub async fn version(&self) -> Result<String, Error> {
        let text = self.request_text(reqwest::Method::GET, "/version", &[], None).await?;
        let v = text.trim();
        // `4.3.10`, `4.0.0-beta.420`: anything else is not an answer to show.
        let plausible = v.len() <= 40
            && v.starts_with(|c: char| c.is_ascii_digit())
            && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
        if !plausible {
            return Err(Error::Decode(format!("/version did not answer a version ({} bytes of something else)", text.len())));
        }
        Ok(v.to_string())
    }

    /// Servers, applications and databases, each resource tagged with the server
    /// it runs on (the API does not say; `/servers/{uuid}/resources` does).
    pub async fn inventory(&self) -> Result<Inventory, Error> {
        self.inventory_from(None).await
    }

    /// As `inventory`, reusing from `known` what cannot have changed unseen:
    /// the projects while they name every environment in use, and where each
    /// resource runs while the servers are the same and every resource is
    /// placed. A reload after an operation then costs 3 requests instead of
    /// one per project and per server (Coolify allows 200 a minute).
    pub async fn inventory_from(&self, known: Option<&Inventory>) -> Result<Inventory, Error> {
        let servers: Vec<Server> = self.get("/servers").await?;
        let mut applications: Vec<Application> = self.get("/applications").await?;
        let mut databases: Vec<Database> = self.get("/databases").await?;
        let envs = applications.iter().map(|a| a.environment_id).chain(databases.iter().map(|d| d.environment_id));
        let projects = match known {
            Some(k) if envs.clone().all(|id| id.is_none() || k.env_of(id).is_some()) => k.projects.clone(),
            _ => {
                let listed: Vec<model::Project> = self.get("/projects").await?;
                let mut projects = Vec::new();
                for p in listed {
                    // `/projects` has no environments (#7702): ask each project.
                    projects.push(self.get::<model::Project>(&format!("/projects/{}", p.uuid)).await?);
                }
                projects
            }
        };
        let placed: std::collections::HashMap<&str, &str> = known
            .filter(|k| k.servers.iter().map(|s| &s.uuid).eq(servers.iter().map(|s| &s.uuid)))
            .map(|k| {
                let apps = k.applications.iter().filter_map(|a| Some((a.uuid.as_str(), a.server_uuid.as_deref()?)));
                apps.chain(k.databases.iter().filter_map(|d| Some((d.uuid.as_str(), d.server_uuid.as_deref()?)))).collect()
            })
            .unwrap_or_default();
        let all_placed = applications.iter().all(|a| placed.contains_key(a.uuid.as_str()))
            && databases.iter().all(|d| placed.contains_key(d.uuid.as_str()));
        if all_placed && !placed.is_empty() {
            for a in &mut applications {
                a.server_uuid = placed.get(a.uuid.as_str()).map(|s| s.to_string());
            }
            for d in &mut databases {
                d.server_uuid = placed.get(d.uuid.as_str()).map(|s| s.to_string());
            }
        } else {
            for s in &servers {
                let res: Vec<model::Resource> = self.get(&format!("/servers/{}/resources", s.uuid)).await?;
                for r in res {
                    if let Some(a) = applications.iter_mut().find(|a| a.uuid == r.uuid) {
                        a.server_uuid = Some(s.uuid.clone());
                    } else if let Some(d) = databases.iter_mut().find(|d| d.uuid == r.uuid) {
                        d.server_uuid = Some(s.uuid.clone());
                    }
                }
            }
        }
        Ok(Inventory { projects, servers, applications, databases })
    }
}
