//! Coolify API client. Every call goes through [`http::Client`].

pub mod http;

pub use http::{Client, Error};

impl Client {
    /// The instance's version (`4.3.10`), also the token check the coolify CLI uses.
    pub async fn version(&self) -> Result<String, Error> {
        Ok(self.request_text(reqwest::Method::GET, "/version", &[], None).await?.trim().to_string())
    }
}
