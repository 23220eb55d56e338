//! The demo: the console wired to a running simulator on loopback (`cutover
//! demo`, `cutover play --demo`, the tests). The only place besides `main`
//! that knows the simulator exists.

use crate::app::State;
use crate::app::world::Contexts;
use crate::config::{self, Secret};
use crate::runtime::Services;
use crate::{coolify, hetzner};
use color_eyre::eyre::{Result, WrapErr};

/// Clients pointed at a running simulator (the demo).
pub fn services(state: &mut State, sim: &crate::sim::Sim) -> Result<Services> {
    let hz = hetzner::Client::new(&sim.hetzner_endpoint(), Secret::new(sim.shared.hetzner_token.clone()))?;
    let cf = coolify::Client::new(&sim.coolify_url(), Secret::new(sim.shared.coolify_token.clone()))?;
    state.world.contexts = Contexts {
        hetzner: Some("demo".into()),
        hetzner_endpoint: Some(sim.hetzner_endpoint()),
        coolify: Some("demo".into()),
        ..Contexts::default()
    };
    // Every simulated server is the simulated SSH host on loopback. Its key is
    // learnt into a known_hosts file of this run only, never the user's.
    let scratch = tempfile::Builder::new().prefix("cutover-demo-").tempdir().wrap_err("creating the demo's temporary directory")?;
    let dir = scratch.path().to_path_buf();
    let ssh_override = crate::ssh::SshOverride {
        host: Some("127.0.0.1".into()),
        port: Some(sim.ssh.addr.port()),
        user: Some("root".into()),
        jump: Some("none".into()),
        known_hosts: Some(dir.join("known_hosts")),
        keepalive: Some(5),
        identity_file: None,
    };
    Ok(Services {
        hetzner_context: "demo".into(),
        coolify: Some(cf),
        // The simulator answers on loopback: follow deployments closely.
        coolify_poll: Some(std::time::Duration::from_millis(400)),
        // Rehearsals are journaled apart from real runs: here in the temporary
        // directory (tests, `play --demo`); `cutover demo` keeps them under the
        // state directory so a crashed demo offers its run again.
        runs_dir: Some(dir.join("runs")),
        scratch: Some(std::sync::Arc::new(scratch)),
        runbooks_dir: config::config_dir().map(|d| d.join("runbooks")),
        campaigns_dir: config::config_dir().map(|d| d.join("campaigns")),
        // Every simulated server's address leads to its simulated proxy; the
        // simulated name server is authoritative for every zone.
        web: crate::verify::web::WebSettings {
            extra_roots: vec![sim.web.ca.clone()],
            connect_map: sim.web.servers.clone(),
            connect_default: Some(sim.web.elsewhere),
            dns: Some(sim.dns_addr),
        },
        // A public resolver that caches answers for their TTL, beside the authoritative view.
        dns: crate::dns::propagation::DnsSettings { authoritative: Some(vec![sim.dns_addr]), public: vec![sim.resolver_addr] },
        ssh: std::sync::Arc::new(crate::ssh::SshSettings::default()),
        ssh_override,
        ..Services::default()
    }
    .with_hetzner(Some(hz)))
}
