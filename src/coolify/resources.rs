//! Typed calls: deployments, application and database actions, env vars,
//! domains, backups. State changes are always POST/PATCH/DELETE.

use super::http::{Client, Error};
use super::model::*;
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Clone, Debug, serde::Deserialize)]
pub struct Queued {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub resource_uuid: String,
    #[serde(default)]
    pub deployment_uuid: Option<String>,
}

impl Client {
    /// `POST /deploy`. When the commit is already queued Coolify returns a
    /// made-up deployment uuid: the real one is looked up.
    pub async fn deploy(&self, app: &str, force: bool) -> Result<(String, String), Error> {
        #[derive(serde::Deserialize)]
        struct R {
            deployments: Vec<Queued>,
        }
        let q = [("uuid", app.to_string()), ("force", force.to_string())];
        let r: R = self.request(Method::POST, "/deploy", &q, None).await?;
        let d = r
            .deployments
            .into_iter()
            .find(|d| d.resource_uuid == app)
            .ok_or_else(|| Error::Decode("no deployment for this application".into()))?;
        if d.message.contains("already queued") {
            let list = self.app_deployments(app, 0, 10).await?;
            if let Some(real) = list.into_iter().find(|x| x.status.is_running()) {
                return Ok((real.deployment_uuid, "a deployment of this commit was already queued: following it".into()));
            }
        }
        let uuid = d.deployment_uuid.ok_or_else(|| Error::Decode(format!("no deployment uuid: {}", d.message)))?;
        Ok((uuid, d.message))
    }

    pub async fn deployment(&self, uuid: &str) -> Result<Deployment, Error> {
        self.get(&format!("/deployments/{uuid}")).await
    }

    /// Newest first.
    pub async fn app_deployments(&self, app: &str, skip: u32, take: u32) -> Result<Vec<Deployment>, Error> {
        #[derive(serde::Deserialize)]
        struct R {
            deployments: Vec<Deployment>,
        }
        let r: R = self
            .request(
                Method::GET,
                &format!("/deployments/applications/{app}"),
                &[("skip", skip.to_string()), ("take", take.to_string())],
                None,
            )
            .await?;
        Ok(r.deployments)
    }

    /// The preview of a pull request; `None` when it is gone (deleted, or never made).
    pub async fn preview(&self, app: &str, pr: i64) -> Result<Option<Preview>, Error> {
        match self.get::<Preview>(&format!("/applications/{app}/previews/{pr}")).await {
            Ok(p) => Ok(Some(p)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The previews that exist: the pull requests the last 100 deployments
    /// name (newest first, at most 20), each asked for.
    pub async fn previews(&self, app: &str) -> Result<Vec<PreviewRow>, Error> {
        let deps = self.app_deployments(app, 0, 100).await?;
        let mut prs: Vec<i64> = Vec::new();
        for d in deps.iter().filter(|d| d.pull_request_id > 0) {
            if !prs.contains(&d.pull_request_id) && prs.len() < 20 {
                prs.push(d.pull_request_id);
            }
        }
        let found = futures::future::join_all(prs.iter().map(|pr| self.preview(app, *pr))).await;
        let mut out = Vec::new();
        for (pr, f) in prs.iter().zip(found) {
            if let Some(preview) = f? {
                let last = deps.iter().find(|d| d.pull_request_id == *pr).cloned();
                out.push(PreviewRow { preview, last });
            }
        }
        Ok(out)
    }

    pub async fn delete_preview(&self, app: &str, pr: i64) -> Result<String, Error> {
        let v: Value = self.request(Method::DELETE, &format!("/applications/{app}/previews/{pr}"), &[], None).await?;
        Ok(v["message"].as_str().unwrap_or("deleted").to_string())
    }

    pub async fn cancel_deployment(&self, uuid: &str) -> Result<String, Error> {
        let v: Value = self.request(Method::POST, &format!("/deployments/{uuid}/cancel"), &[], None).await?;
        Ok(v["message"].as_str().unwrap_or("cancelled").to_string())
    }

    /// `start`, `stop` or `restart` an application; the deployment it queued, if any.
    /// One application as Coolify has it now (its status).
    pub async fn application(&self, app: &str) -> Result<super::model::Application, Error> {
        self.get(&format!("/applications/{app}")).await
    }

    pub async fn app_action(&self, app: &str, verb: &str) -> Result<(String, Option<String>), Error> {
        let v: Value = self.request(Method::POST, &format!("/applications/{app}/{verb}"), &[], None).await?;
        Ok((v["message"].as_str().unwrap_or("").to_string(), v["deployment_uuid"].as_str().filter(|s| !s.is_empty()).map(str::to_string)))
    }

    pub async fn db_action(&self, db: &str, verb: &str) -> Result<String, Error> {
        let v: Value = self.request(Method::POST, &format!("/databases/{db}/{verb}"), &[], None).await?;
        Ok(v["message"].as_str().unwrap_or("").to_string())
    }

    /// Every service with its applications and databases (one call for the
    /// list, one per service for its parts: the list has none).
    pub async fn services(&self) -> Result<Vec<Service>, Error> {
        let list: Vec<Service> = self.get("/services").await?;
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            out.push(self.get(&format!("/services/{}", s.uuid)).await?);
        }
        Ok(out)
    }

    /// `start`, `stop` or `restart` a service: Coolify's message.
    pub async fn service_action(&self, service: &str, verb: &str) -> Result<String, Error> {
        let v: Value = self.request(Method::POST, &format!("/services/{service}/{verb}"), &[], None).await?;
        Ok(v["message"].as_str().unwrap_or("").to_string())
    }

    pub async fn service_envs(&self, service: &str) -> Result<Vec<EnvVar>, Error> {
        self.get(&format!("/services/{service}/envs")).await
    }

    /// The last `lines` of one part's container log.
    pub async fn service_logs(&self, service: &str, part: &str, lines: usize) -> Result<String, Error> {
        let v: Value = self
            .request(
                Method::GET,
                &format!("/services/{service}/logs"),
                &[("sub_service_name", part.to_string()), ("lines", lines.to_string())],
                None,
            )
            .await?;
        Ok(v["logs"].as_str().unwrap_or("").to_string())
    }

    /// Where backups can go (never with their keys: Coolify does not give them).
    pub async fn s3_storages(&self) -> Result<Vec<S3Storage>, Error> {
        let v: Vec<Value> = self.get("/s3-storages").await?;
        Ok(v.iter()
            .map(|x| {
                let s = |k: &str| x[k].as_str().unwrap_or("").to_string();
                S3Storage {
                    id: x["id"].as_i64(),
                    uuid: s("uuid"),
                    name: s("name"),
                    endpoint: s("endpoint"),
                    bucket: s("bucket"),
                    region: s("region"),
                    usable: x["is_usable"].as_bool().unwrap_or(false),
                }
            })
            .collect())
    }

    /// The last `lines` of an application's log (its first container), through the API.
    pub async fn app_logs(&self, app: &str, lines: usize) -> Result<String, Error> {
        let v: Value = self.request(Method::GET, &format!("/applications/{app}/logs"), &[("lines", lines.to_string())], None).await?;
        Ok(v["logs"].as_str().unwrap_or("").to_string())
    }

    /// The last `lines` of a database's container log, through the API.
    pub async fn db_logs(&self, db: &str, lines: usize) -> Result<String, Error> {
        let v: Value = self.request(Method::GET, &format!("/databases/{db}/logs"), &[("lines", lines.to_string())], None).await?;
        Ok(v["logs"].as_str().unwrap_or("").to_string())
    }

    /// An application's persistent volumes (file mounts are not listed).
    pub async fn storages(&self, app: &str) -> Result<Vec<Storage>, Error> {
        #[derive(serde::Deserialize)]
        struct R {
            #[serde(default)]
            persistent_storages: Vec<Storage>,
        }
        let r: R = self.get(&format!("/applications/{app}/storages")).await?;
        Ok(r.persistent_storages)
    }

    /// An application from a public Git repository (`POST /applications/public`): its uuid.
    pub async fn create_public_app(&self, body: &Value) -> Result<String, Error> {
        let v: Value = self.request(Method::POST, "/applications/public", &[], Some(body)).await?;
        Ok(v["uuid"].as_str().unwrap_or("").to_string())
    }

    /// A standalone PostgreSQL (`body` as `POST /databases/postgresql` takes it): its uuid.
    pub async fn create_postgres(&self, body: &Value) -> Result<String, Error> {
        let v: Value = self.request(Method::POST, "/databases/postgresql", &[], Some(body)).await?;
        Ok(v["uuid"].as_str().unwrap_or("").to_string())
    }

    /// A backup schedule of a database (`body` as `POST /databases/{uuid}/backups` takes it).
    pub async fn create_backup(&self, db: &str, body: &Value) -> Result<String, Error> {
        let v: Value = self.request(Method::POST, &format!("/databases/{db}/backups"), &[], Some(body)).await?;
        Ok(v["uuid"].as_str().unwrap_or("").to_string())
    }

    pub async fn envs(&self, app: &str) -> Result<Vec<EnvVar>, Error> {
        self.get(&format!("/applications/{app}/envs")).await
    }

    pub async fn create_env(&self, app: &str, key: &str, value: &str, buildtime: bool) -> Result<(), Error> {
        let _: Value = self
            .request(
                Method::POST,
                &format!("/applications/{app}/envs"),
                &[],
                Some(&json!({"key": key, "value": value, "is_buildtime": buildtime, "is_runtime": true})),
            )
            .await?;
        Ok(())
    }

    pub async fn update_env(&self, app: &str, key: &str, value: &str) -> Result<(), Error> {
        let _: Value =
            self.request(Method::PATCH, &format!("/applications/{app}/envs"), &[], Some(&json!({"key": key, "value": value}))).await?;
        Ok(())
    }

    pub async fn delete_env(&self, app: &str, env_uuid: &str) -> Result<(), Error> {
        let _: Value = self.request(Method::DELETE, &format!("/applications/{app}/envs/{env_uuid}"), &[], None).await?;
        Ok(())
    }

    /// `PATCH /applications/{uuid}/envs/bulk`: adds and updates, never deletes.
    pub async fn bulk_envs(&self, app: &str, items: &[(String, String)]) -> Result<Vec<EnvVar>, Error> {
        let data: Vec<Value> = items.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
        self.request(Method::PATCH, &format!("/applications/{app}/envs/bulk"), &[], Some(&json!({"data": data}))).await
    }

    /// `GET /applications/{uuid}/scheduled-tasks`.
    pub async fn scheduled_tasks(&self, app: &str) -> Result<Vec<Value>, Error> {
        self.get(&format!("/applications/{app}/scheduled-tasks")).await
    }

    /// The application's scheduled tasks, typed.
    pub async fn tasks(&self, app: &str) -> Result<Vec<super::model::ScheduledTask>, Error> {
        self.get(&format!("/applications/{app}/scheduled-tasks")).await
    }

    /// Creates the scheduled task `name`, or updates it when the application
    /// has one by that name; returns whether it was created.
    pub async fn put_scheduled_task(&self, app: &str, name: &str, command: &str, frequency: &str) -> Result<bool, Error> {
        let existing = self.scheduled_tasks(app).await?.into_iter().find(|t| t["name"].as_str() == Some(name));
        match existing.and_then(|t| t["uuid"].as_str().map(str::to_string)) {
            Some(uuid) => {
                let _: Value = self
                    .request(
                        Method::PATCH,
                        &format!("/applications/{app}/scheduled-tasks/{uuid}"),
                        &[],
                        Some(&json!({"command": command, "frequency": frequency, "enabled": true})),
                    )
                    .await?;
                Ok(false)
            }
            None => {
                let _: Value = self
                    .request(
                        Method::POST,
                        &format!("/applications/{app}/scheduled-tasks"),
                        &[],
                        Some(&json!({"name": name, "command": command, "frequency": frequency})),
                    )
                    .await?;
                Ok(true)
            }
        }
    }

    pub async fn patch_app(&self, app: &str, body: &Value) -> Result<(), Error> {
        let _: Value = self.request(Method::PATCH, &format!("/applications/{app}"), &[], Some(body)).await?;
        Ok(())
    }

    pub async fn backups(&self, db: &str) -> Result<Vec<Backup>, Error> {
        self.get(&format!("/databases/{db}/backups")).await
    }

    pub async fn executions(&self, db: &str, backup: &str) -> Result<Vec<Execution>, Error> {
        #[derive(serde::Deserialize)]
        struct R {
            executions: Vec<Execution>,
        }
        let r: R = self.get(&format!("/databases/{db}/backups/{backup}/executions")).await?;
        Ok(r.executions)
    }

    /// Runs a scheduled backup now (`backup_now`, as `coolify database backup trigger`).
    pub async fn trigger_backup(&self, db: &str, backup: &str) -> Result<(), Error> {
        let _: Value =
            self.request(Method::PATCH, &format!("/databases/{db}/backups/{backup}"), &[], Some(&json!({"backup_now": true}))).await?;
        Ok(())
    }
}
