//! Background jobs: each effect runs against the services and reports back as
//! actions. The effects are pushed to this edge; `app` never does I/O.

use super::Event;
use crate::app::{Action, Effect};
use crate::{coolify, hetzner};
use tokio::sync::mpsc::UnboundedSender;

/// The API clients of the active contexts.
#[derive(Clone, Debug, Default)]
pub struct Services {
    pub hetzner: Option<hetzner::Client>,
    pub hetzner_context: String,
    pub coolify: Option<coolify::Client>,
}

pub async fn run(effect: Effect, sv: Services, tx: UnboundedSender<Event>) {
    let label = effect.label();
    let send = |action: Action, done: bool| {
        // The receiver is gone only when the app is exiting.
        let _ = tx.send(Event::Job { action, done, label });
    };
    match effect {
        Effect::LoadServers { generation } => {
            let Some(c) = sv.hetzner else {
                send(Action::ServersDone { generation, result: Err(hetzner::Error::NoToken(sv.hetzner_context)), rate: None }, true);
                return;
            };
            let result = c
                .servers_paged(|servers, meta| {
                    send(
                        Action::ServersPage {
                            generation,
                            servers,
                            page: meta.page,
                            last_page: meta.last_page,
                            total: meta.total_entries,
                            rate: c.rate_limit(),
                        },
                        false,
                    )
                })
                .await;
            send(Action::ServersDone { generation, result, rate: c.rate_limit() }, true);
        }
        Effect::LoadCoolifyVersion => {
            let r = match sv.coolify {
                Some(c) => c.version().await.map_err(|e| e.to_string()),
                None => Err("no Coolify instance configured".into()),
            };
            send(Action::CoolifyVersion(r), true);
        }
        Effect::Suspend => {}
    }
}
