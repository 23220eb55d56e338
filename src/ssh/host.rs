//! Where a command runs, as the console names it; turned into a connection
//! target with the user's ssh_config by the runtime.

#[derive(Clone, Debug, PartialEq)]
pub enum HostRef {
    /// A Hetzner server, by name (its ssh_config alias if there is one) or public IPv4.
    Server { name: String, ipv4: Option<String> },
    /// A Coolify server, from the Coolify API.
    Coolify { name: String, ip: String, user: Option<String>, port: Option<u16> },
    /// Anything else: an ssh_config alias or an address.
    Alias(String),
}

impl HostRef {
    pub fn label(&self) -> String {
        match self {
            HostRef::Server { name, .. } | HostRef::Coolify { name, .. } => name.clone(),
            HostRef::Alias(a) => a.clone(),
        }
    }
}
