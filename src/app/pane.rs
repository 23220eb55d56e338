//! The panes and the names command mode knows them by.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Servers,
    Deployments,
    Dns,
    Databases,
    Logs,
    Checklist,
}

impl Pane {
    pub const ALL: [Pane; 6] = [Pane::Servers, Pane::Deployments, Pane::Dns, Pane::Databases, Pane::Logs, Pane::Checklist];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Servers => "Servers",
            Pane::Deployments => "Deployments",
            Pane::Dns => "DNS",
            Pane::Databases => "Databases",
            Pane::Logs => "Logs",
            Pane::Checklist => "Checklist",
        }
    }

    /// The canonical command name first, then aliases.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Pane::Servers => &["servers", "server", "srv", "sv", "hz"],
            Pane::Deployments => &["deployments", "deployment", "deploy", "dp", "apps", "applications", "app"],
            Pane::Dns => &["dns", "zones", "zone", "rrsets"],
            Pane::Databases => &["databases", "database", "db", "dbs", "backups"],
            Pane::Logs => &["logs", "log"],
            Pane::Checklist => &["checklist", "cl", "runbooks", "runbook", "rb"],
        }
    }

    pub fn from_name(s: &str) -> Option<Pane> {
        Pane::ALL.into_iter().find(|p| p.names().contains(&s))
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}
