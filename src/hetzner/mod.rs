//! Hetzner Cloud API client. Every call goes through [`http::Client`].

pub mod cost;
pub mod error;
pub mod http;
pub mod label_selector;
pub mod model;
pub mod resources;
pub mod validate;

pub use error::{ApiError, Error};
pub use http::{Client, RateLimit};
pub use model::Server;

impl Client {
    /// Every server of the project, page by page (`per_page` 50).
    pub async fn servers_paged(&self, on_page: impl FnMut(Vec<Server>, &http::Pagination)) -> Result<(), Error> {
        self.list_pages("/servers", "servers", &[("sort", "name:asc".into())], http::PER_PAGE, on_page).await
    }

    pub async fn server(&self, id: i64) -> Result<Server, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            server: Server,
        }
        let one: One = self.get(&format!("/servers/{id}"), &[]).await?;
        Ok(one.server)
    }
}
