//! Everything a key can be bound to. The keymap, the dispatcher and the `?` help
//! all read this one table, so help can never disagree with what a key does.

use std::fmt;

/// Where a binding applies. Lookups go from the most specific scope to `Global`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    List,
    Detail,
    Prompt,
    Servers,
    Logs,
    Firewalls,
    Dns,
    Deployments,
    Versions,
    Databases,
    Checklist,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[
        Scope::Global,
        Scope::List,
        Scope::Detail,
        Scope::Prompt,
        Scope::Servers,
        Scope::Logs,
        Scope::Firewalls,
        Scope::Dns,
        Scope::Deployments,
        Scope::Versions,
        Scope::Databases,
        Scope::Checklist,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::List => "list",
            Scope::Detail => "detail",
            Scope::Prompt => "prompt",
            Scope::Servers => "servers",
            Scope::Logs => "logs",
            Scope::Firewalls => "firewalls",
            Scope::Dns => "dns",
            Scope::Deployments => "deployments",
            Scope::Versions => "versions",
            Scope::Databases => "databases",
            Scope::Checklist => "checklist",
        }
    }

    pub fn from_name(s: &str) -> Option<Scope> {
        Scope::ALL.iter().copied().find(|sc| sc.name() == s)
    }
}

macro_rules! commands {
    ($($variant:ident => $scope:ident, $name:literal, $desc:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Command { $($variant),* }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc),* }
            }

            pub fn scope(self) -> Scope {
                match self { $(Command::$variant => Scope::$scope),* }
            }
        }
    };
}

commands! {
    Quit => Global, "quit", "Quit cutover";
    Help => Global, "help", "Show the keys of this view";
    CommandMode => Global, "command", "Enter a command (:servers, :theme light, :q)";
    Back => Global, "back", "Go back / close";
    Refresh => Global, "refresh", "Reload the current pane";
    PaneServers => Global, "pane_servers", "Servers pane";
    PaneDeployments => Global, "pane_deployments", "Deployments pane";
    PaneDns => Global, "pane_dns", "DNS pane";
    PaneDatabases => Global, "pane_databases", "Databases pane";
    PaneLogs => Global, "pane_logs", "Logs pane";
    PaneChecklist => Global, "pane_checklist", "Checklist pane";
    NextPane => Global, "next_pane", "Next pane";
    PrevPane => Global, "prev_pane", "Previous pane";
    LastPane => Global, "last_pane", "Toggle to the last pane";
    Suspend => Global, "suspend", "Suspend to the shell (fg to return)";
    Filter => List, "filter", "Filter rows (regex or text, ! inverts)";
    ClearFilter => List, "clear_filter", "Clear the filter";
    Down => List, "down", "Move down";
    Up => List, "up", "Move up";
    Top => List, "top", "Go to the first row";
    Bottom => List, "bottom", "Go to the last row";
    PageDown => List, "page_down", "Page down";
    PageUp => List, "page_up", "Page up";
    Open => List, "open", "Open the detail view";
    SortNext => List, "sort_next", "Sort by the next column";
    SortReverse => List, "sort_reverse", "Reverse the sort order";
    ScrollDown => Detail, "scroll_down", "Scroll down";
    ScrollUp => Detail, "scroll_up", "Scroll up";
    Submit => Prompt, "submit", "Run / accept";
    Cancel => Prompt, "cancel", "Cancel";
    HistoryPrev => Prompt, "history_prev", "Previous entry in history";
    HistoryNext => Prompt, "history_next", "Next entry in history";
    Complete => Prompt, "complete", "Complete the command";
    Pick => Prompt, "pick", "Pick the field's value from a list (servers, apps, zones, hosts)";
    CopyIp => Servers, "copy_ip", "Show the selected server's IPv4 to copy";
    TailServer => Servers, "tail_server", "Tail a log on the selected server (:tail ... on SERVER)";
    ExecServer => Servers, "exec_server", "Run a command on the selected server (:exec SERVER ...)";
    Follow => Logs, "follow", "Follow new lines on/off (scrolling up pauses)";
    Highlight => Logs, "highlight", "Highlight matches (regex or text) without hiding lines";
    NextMatch => Logs, "next_match", "Jump to the next highlighted line";
    PrevMatch => Logs, "prev_match", "Jump to the previous highlighted line";
    ToggleCase => Logs, "toggle_case", "Case-sensitive matching on/off";
    ToggleWrap => Logs, "toggle_wrap", "Wrap long lines on/off";
    ScrollLeft => Logs, "scroll_left", "Scroll long lines left (when not wrapping)";
    ScrollRight => Logs, "scroll_right", "Scroll long lines right (when not wrapping)";
    ToggleTimestamps => Logs, "toggle_timestamps", "Show timestamps on/off";
    SaveLog => Logs, "save", "Save the buffer (or the filtered view) to a file";
    ClearLog => Logs, "clear", "Clear the buffer";
    CloseTab => Logs, "close_tab", "Close the tab (stops the tail)";
    NextTab => Logs, "next_tab", "Next tab";
    PrevTab => Logs, "prev_tab", "Previous tab";
    CancelRun => Logs, "cancel_run", "Cancel the running command";
    PowerMenu => Servers, "power", "Power on, shut down, reboot, power off or reset the server";
    DeleteServer => Servers, "delete", "Delete the server (type its name to confirm)";
    ServerMenu => Servers, "change", "Change the server: rename, labels, protection, backups, reverse DNS";
    NewServer => Servers, "new_server", "Create a server: type (with its price), image, location, keys, firewalls, cloud-init";
    SshKeys => Servers, "ssh_keys", "The project's SSH keys (for new servers); add one";
    ShowFirewalls => Servers, "firewalls", "Firewalls of the project";
    AddRule => Firewalls, "add_rule", "Add a rule (staged until written)";
    EditRule => Firewalls, "edit_rule", "Edit the selected rule (staged)";
    RemoveRule => Firewalls, "remove_rule", "Remove the selected rule (staged)";
    AllowMyIp => Firewalls, "allow_my_ip", "Recipe: allow a port only from my IP (staged)";
    DbFromServer => Firewalls, "db_from_server", "Recipe: allow the database port only from a server (staged)";
    ApplyFirewall => Firewalls, "apply", "Apply the firewall to a server or label selector";
    WriteRules => Firewalls, "write_rules", "Preview the full new rule set and replace the rules";
    UndoRules => Firewalls, "undo_rules", "Drop the staged changes";
    NewFirewall => Firewalls, "new_firewall", "Create a firewall (no rules, applied to nothing)";
    RenameFirewall => Firewalls, "rename_firewall", "Rename the firewall";
    DeleteFirewall => Firewalls, "delete_firewall", "Delete the firewall (type its name; it must apply to nothing)";
    AddRecord => Dns, "add_record", "Add an RRSet";
    EditRecord => Dns, "edit_record", "Edit the RRSet's values";
    RecordTtl => Dns, "record_ttl", "Change the RRSet's TTL";
    DeleteRecord => Dns, "delete_record", "Delete the RRSet";
    PointName => Dns, "point", "Point names (@, www, uat) at a server's addresses";
    ExportZone => Dns, "export_zone", "Export the zone to a BIND zone file";
    ImportZone => Dns, "import_zone", "Import a zone file (preview of what it replaces first)";
    NewZone => Dns, "new_zone", "Create a zone (then delegate it at the registrar)";
    DeleteZone => Dns, "delete_zone", "Delete the zone (type its name; protected zones are refused)";
    ZoneProtection => Dns, "protect_zone", "Turn the zone's delete protection on or off";
    Deploy => Deployments, "deploy", "Deploy the application and follow the deployment";
    ForceDeploy => Deployments, "force_deploy", "Rebuild without the build cache and deploy";
    CancelDeployment => Deployments, "cancel_deployment", "Cancel the deployment being followed";
    AppMenu => Deployments, "app_power", "Start, stop or restart the application";
    EditDomains => Deployments, "domains", "Edit the application's domains (a redeploy is offered)";
    ShowOverview => Deployments, "overview", "The application's overview and followed deployment";
    ShowEnvs => Deployments, "variables", "The application's environment variables";
    ShowHistory => Deployments, "history", "Recent deployments (Enter follows one)";
    ShowTasks => Deployments, "tasks", "The application's scheduled tasks";
    AddTask => Deployments, "add_task", "Add a scheduled task (or change the one of that name)";
    ShowInventory => Deployments, "inventory", "Python/Django versions of every application";
    ShowFleet => Deployments, "fleet", "Check every site: HTTP, TLS, DNS, database, backups, last drill";
    ShowAppLogs => Deployments, "app_logs", "The application's last log lines, through the API (no SSH needed)";
    ShowStorages => Deployments, "storages", "The application's volumes (uploads and media live there)";
    ShowPreviews => Deployments, "previews", "The application's preview deployments, one per pull request, with their URLs";
    DeletePreview => Deployments, "delete_preview", "Delete the selected preview deployment (typed)";
    NewApp => Deployments, "new_app", "Create an application from a Git repository (build pack, port, domain)";
    NewCampaign => Deployments, "new_campaign", "Draft a campaign from the applications shown (filter first)";
    WrapLog => Deployments, "wrap_log", "Wrap the deployment log's long lines on/off";
    LogLeft => Deployments, "log_left", "Scroll the deployment log's long lines left";
    LogRight => Deployments, "log_right", "Scroll the deployment log's long lines right";
    RevealValues => Deployments, "reveal", "Show or hide the values (secrets and URL passwords stay masked)";
    AddEnv => Deployments, "add_variable", "Add an environment variable";
    EditEnv => Deployments, "edit_variable", "Change the selected variable's value";
    DeleteEnv => Deployments, "delete_variable", "Delete the selected variable";
    BulkEnv => Deployments, "bulk_variables", "Edit all variables at once (diff before sending)";
    ExportInventory => Versions, "export", "Export the inventory as JSON or CSV";
    BackupNow => Databases, "backup_now", "Run the database's scheduled backup now and follow it";
    DbMenu => Databases, "db_power", "Start, stop or restart the database";
    DbLogs => Databases, "db_logs", "The database's last log lines, through the API (no SSH needed)";
    NewDatabase => Databases, "new_database", "Create a PostgreSQL database in a project's environment on a server";
    BackupSchedule => Databases, "backup_schedule", "Add a backup schedule to the database: local or to S3";
    RunStep => Checklist, "run_step", "Run (or confirm) the next step";
    SkipStep => Checklist, "skip_step", "Skip the next step";
    VerifyStep => Checklist, "verify_step", "Check a step whose outcome is unknown";
    MarkStep => Checklist, "mark_step", "Mark an unknown or failed step done or failed yourself";
    CancelStep => Checklist, "cancel_step", "Cancel the running step";
    ExportReport => Checklist, "export_report", "Export the run as a markdown report";
    AbandonRun => Checklist, "abandon_run", "Abandon the run (its journal stays)";
    CellLeft => Checklist, "cell_left", "Campaign board: the stage to the left";
    CellRight => Checklist, "cell_right", "Campaign board: the stage to the right";
}

impl Command {
    /// Commands that change something: hidden and refused in read-only mode.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Command::PowerMenu
                | Command::DeleteServer
                | Command::ServerMenu
                | Command::NewServer
                | Command::NewDatabase
                | Command::NewApp
                | Command::BackupSchedule
                | Command::ExecServer
                | Command::AddRule
                | Command::EditRule
                | Command::RemoveRule
                | Command::AllowMyIp
                | Command::DbFromServer
                | Command::ApplyFirewall
                | Command::WriteRules
                | Command::NewFirewall
                | Command::RenameFirewall
                | Command::DeleteFirewall
                | Command::AddRecord
                | Command::EditRecord
                | Command::RecordTtl
                | Command::DeleteRecord
                | Command::PointName
                | Command::ImportZone
                | Command::NewZone
                | Command::DeleteZone
                | Command::ZoneProtection
                | Command::Deploy
                | Command::ForceDeploy
                | Command::CancelDeployment
                | Command::AppMenu
                | Command::EditDomains
                | Command::AddEnv
                | Command::EditEnv
                | Command::DeleteEnv
                | Command::BulkEnv
                | Command::AddTask
                | Command::DeletePreview
                | Command::BackupNow
                | Command::DbMenu
                | Command::RunStep
                | Command::SkipStep
                | Command::MarkStep
                | Command::AbandonRun
        )
    }
}

impl Command {
    /// What read-only mode says when it refuses this command.
    pub fn refused(self) -> &'static str {
        use Command::*;
        match self {
            PowerMenu => "power actions are disabled",
            DeleteServer => "deleting is disabled",
            ServerMenu => "changing servers is disabled",
            NewServer => "creating servers is disabled",
            NewDatabase | BackupSchedule => "database changes are disabled",
            NewApp => "creating applications is disabled",
            ExecServer => "running commands is disabled (start without --readonly)",
            AddRule | EditRule | RemoveRule | AllowMyIp | DbFromServer | ApplyFirewall | WriteRules | NewFirewall | RenameFirewall
            | DeleteFirewall => "firewall changes are disabled",
            AddRecord | EditRecord | RecordTtl | DeleteRecord | PointName | ImportZone | NewZone | DeleteZone | ZoneProtection => {
                "DNS changes are disabled"
            }
            Deploy | ForceDeploy => "deploying is disabled",
            CancelDeployment => "cancelling is disabled",
            AppMenu => "starting and stopping is disabled",
            EditDomains => "editing domains is disabled",
            AddEnv | EditEnv | DeleteEnv | BulkEnv => "changing environment variables is disabled",
            AddTask => "changing scheduled tasks is disabled",
            DeletePreview => "deleting previews is disabled",
            BackupNow | DbMenu => "database actions are disabled",
            RunStep | SkipStep | MarkStep | AbandonRun => "checklist runs are disabled (viewing and reports work)",
            _ => "changes are disabled",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Command {
    pub fn from_name(scope: Scope, name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.scope() == scope && c.name() == name)
    }
}
