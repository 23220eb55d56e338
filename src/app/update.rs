//! `update(state, action) -> effects`: the only place State changes.

use super::action::After;
use super::action::{Action, Effect};
use super::command;
use super::dialog::{self, Dialog, Outcome, Then};
use super::logs::{RunState, TabKind};
use super::logs_cmd;
use super::modal::Modal;
use super::pane::Pane;
use super::prompt::{Prompt, PromptKind, remember};
use super::servers::View;
use super::state::{Level, Overlay, State};
use super::table::Filter;
use crate::input::{Command, Key, Scope};

/// Effects to run when the console starts.
pub fn init(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.contexts.hetzner.is_some() {
        effects.push(reload_servers(state));
        effects.push(Effect::LoadPricing);
    }
    if state.contexts.coolify.is_some() {
        effects.push(Effect::LoadCoolifyVersion);
        effects.push(Effect::LoadCoolify);
    }
    // Unfinished runs are offered for resuming as soon as the console starts.
    effects.extend(super::checklist::load(state));
    effects
}

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => on_key(state, key),
        Action::Paste(text) => {
            if let Some(p) = &mut state.prompt {
                p.insert(&text.replace(['\n', '\r'], " "));
                live_filter(state);
            }
            vec![]
        }
        Action::Resize(w, h) => {
            state.size = (w, h);
            let height = state.list_height();
            state.servers.table.scroll_to_cursor(height);
            vec![]
        }
        Action::Tick => {
            state.spinner = state.spinner.wrapping_add(1);
            vec![]
        }
        Action::ServersPage { generation, servers, page, last_page, total, rate } => {
            let load = &mut state.servers.load;
            if generation == load.generation {
                if page == 1 {
                    state.servers.table.clear();
                }
                load.pages_done = page;
                load.last_page = last_page;
                load.total = total;
                state.servers.table.extend(servers);
                let h = state.list_height();
                state.servers.table.scroll_to_cursor(h);
            }
            if rate.is_some() {
                state.rate = rate;
            }
            vec![]
        }
        Action::ServersDone { generation, result, rate } => {
            if rate.is_some() {
                state.rate = rate;
            }
            if generation != state.servers.load.generation {
                return vec![];
            }
            state.recompute_costs();
            let load = &mut state.servers.load;
            load.loading = false;
            match result {
                Ok(()) => {
                    load.error = None;
                    load.loaded_once = true;
                    if !std::mem::take(&mut load.quiet) {
                        let n = state.servers.table.total();
                        state.set_message(Level::Ok, format!("{n} servers loaded"));
                    }
                }
                Err(e) => {
                    let text = e.to_string();
                    load.error = Some(text.clone());
                    state.set_message(Level::Error, text);
                }
            }
            vec![]
        }
        Action::Pricing(r) => {
            match r {
                Ok(p) => {
                    state.pricing = Some(p);
                    state.recompute_costs();
                }
                Err(e) => state.set_message(Level::Error, format!("prices: {e}")),
            }
            vec![]
        }
        Action::Metrics { id, result } => {
            match result {
                Ok(m) => state.metrics = Some((id, m)),
                Err(e) => state.set_message(Level::Error, format!("metrics: {e}")),
            }
            vec![]
        }
        Action::Firewalls(r) => {
            match r {
                Ok(list) => {
                    state.firewalls.list = list;
                    state.firewalls.loaded = true;
                    state.firewalls.cursor = state.firewalls.cursor.min(state.firewalls.list.len().saturating_sub(1));
                }
                Err(e) => state.set_message(Level::Error, e),
            }
            vec![]
        }
        Action::Zones(r) => {
            match r {
                Ok(z) => {
                    state.dns.zones.set_items(z);
                    state.dns.zones_loaded = true;
                    state.dns.zones_error = None;
                }
                Err(e) => {
                    state.dns.zones_error = Some(e.clone());
                    state.set_message(Level::Error, e);
                }
            }
            vec![]
        }
        Action::Rrsets { zone, result } => {
            match result {
                Ok(r) if state.dns.zone.as_deref() == Some(zone.as_str()) => {
                    state.dns.rrsets.set_items(r);
                    let h = state.list_height();
                    state.dns.rrsets.scroll_to_cursor(h);
                }
                Ok(_) => {}
                Err(e) => state.set_message(Level::Error, e),
            }
            vec![]
        }
        Action::HzProgress { label, percent } => {
            state.progress = Some((label, percent));
            vec![]
        }
        Action::HzDone { label, result, after } => {
            state.progress = None;
            match &result {
                Ok(m) => state.set_message(Level::Ok, m.clone()),
                Err(e) => state.set_message(Level::Error, format!("{label}: {e}")),
            }
            match after {
                After::Servers | After::WaitOff { .. } => vec![reload_quietly(state)],
                After::Firewalls => {
                    state.firewalls.staged = None;
                    vec![Effect::LoadFirewalls, reload_quietly(state)]
                }
                After::Rrsets(zone) => vec![Effect::LoadRrsets { zone }, Effect::LoadZones],
                After::Zones => vec![Effect::LoadZones],
            }
        }
        Action::Exported(r) => {
            match r {
                Ok((zone, path)) => state.set_message(Level::Ok, format!("zone {zone} exported to {path}")),
                Err(e) => state.set_message(Level::Error, format!("export: {e}")),
            }
            vec![]
        }
        Action::FileRead { purpose, path, result } => {
            match (purpose, result) {
                (super::action::ReadPurpose::ImportZone(zone), Ok(text)) => {
                    if let Some(d) = super::dns::import_preview(state, &zone, &path, &text) {
                        state.dialog = Some(d);
                    }
                }
                (_, Err(e)) => state.set_message(Level::Error, e),
            }
            vec![]
        }
        Action::ContextSwitched(r) => match r {
            Ok((name, endpoint, readonly)) => {
                state.contexts.hetzner = Some(name.clone());
                state.contexts.hetzner_endpoint = Some(endpoint);
                state.readonly = state.readonly_base || readonly;
                state.servers.table.clear();
                state.servers.view = View::List;
                state.firewalls = super::firewalls::Firewalls { my_ip: state.firewalls.my_ip.clone(), ..Default::default() };
                state.dns = super::dns::DnsPane::default();
                state.pricing = None;
                state.metrics = None;
                state.rate = None;
                state.set_message(Level::Ok, format!("context {name}"));
                let mut e = vec![reload_servers(state), Effect::LoadPricing];
                if state.pane == Pane::Dns {
                    e.push(Effect::LoadZones);
                }
                e
            }
            Err(e) => {
                state.set_message(Level::Error, e);
                vec![]
            }
        },
        Action::CoolifyInventory(r) => {
            match r {
                Ok(inv) => {
                    state.coolify = Some(inv);
                    state.coolify_loaded();
                    if state.deployments.view == super::deployments::View::Versions {
                        state.rebuild_versions();
                    }
                }
                Err(e) => state.set_message(Level::Error, e),
            }
            vec![]
        }
        Action::Envs { app, result } => {
            match result {
                Ok(v) => {
                    let d = &mut state.deployments;
                    d.env_cursor = d.env_cursor.min(v.len().saturating_sub(1));
                    d.envs = Some((app, v));
                }
                Err(e) => state.set_message(Level::Error, format!("variables: {e}")),
            }
            vec![]
        }
        Action::History { app, result } => {
            match result {
                Ok(v) => {
                    let d = &mut state.deployments;
                    d.hist_cursor = d.hist_cursor.min(v.len().saturating_sub(1));
                    d.history = Some((app, v));
                }
                Err(e) => state.set_message(Level::Error, format!("deployments: {e}")),
            }
            vec![]
        }
        Action::DeployFollow { app, deployment, note } => {
            let already = state.deployments.follow.as_ref().is_some_and(|f| f.deployment == deployment);
            if already {
                // A second follower of the same deployment (it was already queued).
                if let Some(n) = note {
                    state.set_message(Level::Info, n);
                }
                return vec![];
            }
            state.deployments.follow = Some(super::deployments::Follow {
                app: app.clone(),
                deployment,
                status: crate::coolify::model::DeployStatus::Queued,
                created: None,
                finished: None,
                lines: Vec::new(),
                logs_hidden: false,
                note: note.clone(),
                scroll: 0,
                seen: 0,
            });
            if let Some(n) = note {
                state.set_message(Level::Info, n);
            }
            // Deployed from the list: show the deployment's log.
            let d = &mut state.deployments;
            if state.pane == Pane::Deployments && d.view != super::deployments::View::App {
                d.view = super::deployments::View::App;
                d.app = Some(app.clone());
            }
            if d.app.as_deref() == Some(app.as_str()) {
                d.tab = super::deployments::Tab::Overview;
            }
            vec![]
        }
        Action::DeployUpdate { deployment, status, entries, logs_hidden, created, finished } => {
            super::deployments::on_update(state, &deployment, status, entries, logs_hidden, created, finished);
            vec![]
        }
        Action::DeployDone { app, deployment, result } => {
            let name = state.app(&app).map(|a| a.name.clone()).unwrap_or_else(|| app.clone());
            match result {
                Ok(status) => {
                    let level = match status {
                        crate::coolify::model::DeployStatus::Finished => Level::Ok,
                        crate::coolify::model::DeployStatus::Failed => Level::Error,
                        _ => Level::Warn,
                    };
                    state.set_message(level, format!("deployment of {name}: {status}"));
                }
                Err(e) => {
                    if let Some(f) = state.deployments.follow.as_mut().filter(|f| f.deployment == deployment) {
                        f.note = Some(format!("stopped following: {e}"));
                    }
                    state.set_message(Level::Error, format!("deployment of {name}: {e}"));
                }
            }
            let mut e = vec![Effect::LoadCoolify];
            if state.deployments.app.as_deref() == Some(app.as_str()) {
                e.push(Effect::LoadHistory { app });
            }
            e
        }
        Action::CfDone { label, result, after } => {
            let ok = result.is_ok();
            match result {
                Ok(m) => state.set_message(Level::Ok, m),
                Err(e) => state.set_message(Level::Error, format!("{label}: {e}")),
            }
            match after {
                super::action::CfAfter::Envs(app) => vec![Effect::LoadEnvs { app }],
                super::action::CfAfter::OfferRedeploy { app, name } => {
                    if ok {
                        super::deployments::offer_redeploy(state, &app, &name);
                    }
                    vec![Effect::LoadCoolify]
                }
                super::action::CfAfter::Inventory => vec![Effect::LoadCoolify],
                super::action::CfAfter::Databases => vec![Effect::LoadCoolify, Effect::LoadBackups],
            }
        }
        Action::Backups { at, result } => {
            state.on_backups(at, result);
            vec![]
        }
        Action::BackupDone { db, result } => {
            let name = state.coolify.as_ref().and_then(|i| i.db_by_name(&db)).map(|d| d.name.clone()).unwrap_or(db);
            match result {
                Ok(m) => state.set_message(Level::Ok, format!("backup of {name}: {m}")),
                Err(e) => state.set_message(Level::Error, format!("backup of {name}: {e}")),
            }
            vec![Effect::LoadBackups]
        }
        Action::Probed { app, build_python, runtime } => {
            let v = &mut state.deployments.versions;
            if let Some(p) = build_python {
                v.build_python.insert(app.clone(), p);
            }
            v.probes.insert(
                app,
                match runtime {
                    Ok(kv) => super::versions::Probe::Done(kv),
                    Err(e) => super::versions::Probe::Failed(e),
                },
            );
            state.rebuild_versions();
            vec![]
        }
        Action::Checklist { runbooks, errors, runs } => {
            super::checklist::on_loaded(state, runbooks, errors, runs);
            vec![]
        }
        Action::RunCreated(r) => super::checklist::on_created(state, r),
        Action::RunEvent { journal, result } => super::checklist::on_event(state, journal, result),
        Action::StepOutput { journal, lines } => {
            super::checklist::on_output(state, journal, lines);
            vec![]
        }
        Action::StepWaiting { journal, deadline, status } => {
            super::checklist::on_waiting(state, journal, deadline, status);
            vec![]
        }
        Action::ProbesDone { ok, failed } => {
            if failed == 0 {
                state.set_message(Level::Ok, format!("versions read from {ok} containers"));
            } else {
                state.set_message(
                    Level::Warn,
                    format!("versions read from {ok} containers; {failed} could not be read (Enter on a row says why)"),
                );
            }
            vec![]
        }
        Action::TailStatus { tab, status } => {
            if let Some(t) = state.logs.tab_mut(tab)
                && let TabKind::Tail { status: s, .. } = &mut t.kind
            {
                *s = status;
            }
            vec![]
        }
        Action::LogLines { tab, batch } => {
            if let Some(t) = state.logs.tab_mut(tab) {
                t.push_batch(&batch);
            }
            vec![]
        }
        Action::RunStarted { tab, target } => {
            if let Some(t) = state.logs.tab_mut(tab)
                && let TabKind::Run { state: rs, .. } = &mut t.kind
                && *rs == RunState::Connecting
            {
                *rs = RunState::Running { target };
            }
            vec![]
        }
        Action::RunDone { tab, result } => {
            if let Some(t) = state.logs.tab_mut(tab) {
                let (rs, marker) = match result {
                    Ok(exit) => (RunState::Done(exit.clone()), format!("── {exit} ──")),
                    Err(e) => (RunState::Failed(e.clone()), format!("── failed: {e} ──")),
                };
                t.push_marker(&marker);
                let title = t.title.clone();
                if let TabKind::Run { state: s, .. } = &mut t.kind {
                    *s = rs.clone();
                }
                let level = match &rs {
                    RunState::Done(e) if e == "exit status 0" => Level::Ok,
                    RunState::Done(_) => Level::Warn,
                    _ => Level::Error,
                };
                state.set_message(level, format!("{title}: {}", marker.trim_matches(|c| c == '─' || c == ' ')));
            }
            vec![]
        }
        Action::Ask { id, question } => {
            state.modals.push(Modal::new(id, question));
            vec![]
        }
        Action::Saved(r) => {
            match r {
                Ok((path, n)) => state.set_message(Level::Ok, format!("saved {n} lines to {path}")),
                Err(e) => state.set_message(Level::Error, e),
            }
            vec![]
        }
        Action::CoolifyVersion(r) => {
            match r {
                Ok(v) => {
                    state.contexts.coolify_version = Some(v);
                    state.contexts.coolify_error = None;
                }
                Err(e) => {
                    state.contexts.coolify_version = None;
                    state.contexts.coolify_error = Some(e.clone());
                    state.set_message(Level::Error, e);
                }
            }
            vec![]
        }
    }
}

/// A reload that leaves the status line to the operation that caused it.
fn reload_quietly(state: &mut State) -> Effect {
    let e = reload_servers(state);
    state.servers.load.quiet = true;
    e
}

fn reload_servers(state: &mut State) -> Effect {
    let load = &mut state.servers.load;
    load.generation += 1;
    load.loading = true;
    load.pages_done = 0;
    load.last_page = None;
    Effect::LoadServers { generation: load.generation }
}

/// The keymap scopes in force, most specific first.
pub fn scopes(state: &State) -> Vec<Scope> {
    if state.prompt.is_some() || !state.modals.is_empty() {
        return vec![Scope::Prompt];
    }
    if let Some(d) = &state.dialog {
        return match d {
            Dialog::Menu(_) => vec![Scope::Prompt, Scope::List],
            _ => vec![Scope::Prompt],
        };
    }
    if state.overlay.is_some() {
        return vec![Scope::Detail, Scope::Global];
    }
    view_scopes(state)
}

/// The scopes of the pane's view, ignoring any prompt or overlay on top (what `?` describes).
pub fn view_scopes(state: &State) -> Vec<Scope> {
    match state.pane {
        Pane::Servers => match state.servers.view {
            View::List => vec![Scope::Servers, Scope::List, Scope::Global],
            View::Detail => vec![Scope::Servers, Scope::Detail, Scope::Global],
            View::Firewalls => vec![Scope::Firewalls, Scope::List, Scope::Global],
        },
        Pane::Logs => vec![Scope::Logs, Scope::List, Scope::Global],
        Pane::Dns => vec![Scope::Dns, Scope::List, Scope::Global],
        Pane::Deployments => vec![Scope::Deployments, Scope::List, Scope::Global],
        Pane::Checklist => vec![Scope::Checklist, Scope::List, Scope::Global],
        Pane::Databases => match state.databases.view {
            super::databases::View::List => vec![Scope::Databases, Scope::List, Scope::Global],
            super::databases::View::Detail => vec![Scope::Databases, Scope::Detail, Scope::Global],
        },
    }
}

fn on_key(state: &mut State, key: Key) -> Vec<Effect> {
    let scopes = scopes(state);
    let cmd = state.keymap.lookup(&scopes, key);
    if !state.modals.is_empty() {
        return modal_key(state, key, cmd);
    }
    if state.dialog.is_some() {
        return dialog_key(state, key, cmd);
    }
    if state.prompt.is_some() {
        return prompt_key(state, key, cmd);
    }
    let Some(cmd) = cmd else {
        return vec![];
    };
    run(state, cmd)
}

/// Keys while a dialog is open.
fn dialog_key(state: &mut State, key: Key, cmd: Option<Command>) -> Vec<Effect> {
    let Some(d) = state.dialog.as_mut() else { return vec![] };
    match dialog::key(d, key, cmd) {
        Outcome::Stay => vec![],
        Outcome::Close => {
            state.dialog = None;
            vec![]
        }
        Outcome::Then(t) => {
            state.dialog = None;
            then(state, t)
        }
        Outcome::Submit(form) => {
            let r = match form.kind {
                dialog::FormKind::AddRrset { .. }
                | dialog::FormKind::EditRecords { .. }
                | dialog::FormKind::RrsetTtl { .. }
                | dialog::FormKind::PointName { .. }
                | dialog::FormKind::ExportZone { .. }
                | dialog::FormKind::ImportZone { .. } => super::dns::submit(state, form),
                dialog::FormKind::Domains { .. }
                | dialog::FormKind::EnvAdd { .. }
                | dialog::FormKind::EnvEdit { .. }
                | dialog::FormKind::EnvBulk { .. } => super::deployments::submit(state, form),
                dialog::FormKind::ExportInventory => super::versions::submit(state, form),
                dialog::FormKind::StartRun { .. } | dialog::FormKind::RunSecrets { .. } | dialog::FormKind::ExportReport { .. } => {
                    super::checklist::submit(state, form)
                }
                _ => super::firewalls::submit(state, form),
            };
            match r {
                Ok(t) => {
                    // A submit that opened the next dialog itself keeps it.
                    if matches!(t, Then::Effects(ref e) if e.is_empty())
                        && state.dialog.as_ref().is_some_and(|d| matches!(d, Dialog::Confirm(_)))
                    {
                        return vec![];
                    }
                    state.dialog = None;
                    then(state, t)
                }
                Err(form) => {
                    state.dialog = Some(Dialog::Form(*form));
                    vec![]
                }
            }
        }
    }
}

fn then(state: &mut State, t: Then) -> Vec<Effect> {
    match t {
        Then::Dialog(d) => {
            state.dialog = Some(*d);
            vec![]
        }
        Then::Effects(e) => e,
        Then::Command(c) => command::execute(state, &c),
    }
}

/// Keys while a question from a background job is shown.
fn modal_key(state: &mut State, key: Key, cmd: Option<Command>) -> Vec<Effect> {
    let Some(m) = state.modals.first_mut() else { return vec![] };
    match cmd {
        Some(Command::Submit) => {
            let m = state.modals.remove(0);
            vec![Effect::Answer { id: m.id, answer: Some(crate::config::Secret::new(m.input.text)) }]
        }
        Some(Command::Cancel) => {
            let m = state.modals.remove(0);
            vec![Effect::Answer { id: m.id, answer: None }]
        }
        _ => {
            m.input.edit(key);
            vec![]
        }
    }
}

fn prompt_key(state: &mut State, key: Key, cmd: Option<Command>) -> Vec<Effect> {
    let Some(mut prompt) = state.prompt.take() else { return vec![] };
    let history = match prompt.kind {
        PromptKind::Command => &state.command_history,
        _ => &state.filter_history,
    };
    match cmd {
        Some(Command::Submit) => {
            let line = prompt.text.clone();
            return match prompt.kind {
                PromptKind::Command => {
                    remember(&mut state.command_history, &line);
                    command::execute(state, &line)
                }
                PromptKind::Filter => {
                    remember(&mut state.filter_history, &line);
                    state.filter_before = None;
                    apply_filter(state, &line);
                    vec![]
                }
                PromptKind::Highlight => {
                    remember(&mut state.filter_history, &line);
                    logs_cmd::apply_highlight(state, &line);
                    vec![]
                }
                PromptKind::SavePath => logs_cmd::save(state, &line),
                PromptKind::Answer => vec![],
            };
        }
        Some(Command::Cancel) => {
            if prompt.kind == PromptKind::Filter {
                let before = state.filter_before.take().unwrap_or_default();
                apply_filter(state, &before);
            }
            return vec![];
        }
        Some(Command::HistoryPrev) => prompt.history_prev(history),
        Some(Command::HistoryNext) => prompt.history_next(history),
        Some(Command::Complete) if prompt.kind == PromptKind::Command => {
            if let Some(done) = command::complete(&prompt.text, &state.theme_names()) {
                prompt.set(&done);
            }
        }
        _ => {
            prompt.edit(key);
        }
    }
    let is_filter = prompt.kind == PromptKind::Filter;
    state.prompt = Some(prompt);
    if is_filter {
        live_filter(state);
    }
    vec![]
}

/// Filters as the user types, like k9s.
fn live_filter(state: &mut State) {
    if let Some(p) = &state.prompt
        && p.kind == PromptKind::Filter
    {
        let text = p.text.clone();
        apply_filter(state, &text);
    }
}

fn apply_filter(state: &mut State, text: &str) {
    let h = state.list_height();
    if state.pane == Pane::Logs {
        logs_cmd::apply_filter(state, text);
        return;
    }
    if state.pane == Pane::Dns {
        let d = &mut state.dns;
        match d.view {
            super::dns::View::Zones => d.zones.set_filter(Filter::parse(text)),
            super::dns::View::Records => d.rrsets.set_filter(Filter::parse(text)),
        }
        return;
    }
    if state.pane == Pane::Servers {
        let t = &mut state.servers.table;
        t.set_filter(Filter::parse(text));
        t.scroll_to_cursor(h);
    }
    if state.pane == Pane::Deployments {
        let d = &mut state.deployments;
        match d.view {
            super::deployments::View::Versions => d.versions.table.set_filter(Filter::parse(text)),
            _ => d.table.set_filter(Filter::parse(text)),
        }
    }
    if state.pane == Pane::Databases {
        state.databases.table.set_filter(Filter::parse(text));
    }
}

fn current_filter(state: &State) -> Option<String> {
    match state.pane {
        Pane::Servers => state.servers.table.filter().map(|f| f.source.clone()),
        Pane::Logs => state.logs.current().and_then(|t| t.filter.as_ref()).map(|f| f.source.clone()),
        Pane::Dns => match state.dns.view {
            super::dns::View::Zones => state.dns.zones.filter().map(|f| f.source.clone()),
            super::dns::View::Records => state.dns.rrsets.filter().map(|f| f.source.clone()),
        },
        Pane::Deployments => match state.deployments.view {
            super::deployments::View::Versions => state.deployments.versions.table.filter().map(|f| f.source.clone()),
            _ => state.deployments.table.filter().map(|f| f.source.clone()),
        },
        Pane::Databases => state.databases.table.filter().map(|f| f.source.clone()),
        _ => None,
    }
}

/// Shows a pane; returns what it needs loaded the first time.
pub fn switch_pane(state: &mut State, pane: Pane) -> Vec<Effect> {
    if pane != state.pane {
        state.last_pane = state.pane;
        state.pane = pane;
    }
    state.overlay = None;
    if pane == Pane::Dns && !state.dns.zones_loaded && state.contexts.hetzner.is_some() {
        state.dns.zones_loaded = true;
        return vec![Effect::LoadZones];
    }
    if pane == Pane::Databases {
        return super::databases::on_show(state);
    }
    if pane == Pane::Checklist {
        return super::checklist::load(state);
    }
    vec![]
}

/// Runs a bound command.
pub fn run(state: &mut State, cmd: Command) -> Vec<Effect> {
    let h = state.list_height();
    // The help overlay takes scrolling and closing; everything else closes it first.
    if let Some(ov) = state.overlay {
        let (scroll, make): (u16, fn(u16) -> Overlay) = match ov {
            Overlay::Help { scroll } => (scroll, |s| Overlay::Help { scroll: s }),
            Overlay::Messages { scroll } => (scroll, |s| Overlay::Messages { scroll: s }),
        };
        match cmd {
            Command::ScrollDown | Command::Down => {
                state.overlay = Some(make(scroll.saturating_add(1)));
                return vec![];
            }
            Command::ScrollUp | Command::Up => {
                state.overlay = Some(make(scroll.saturating_sub(1)));
                return vec![];
            }
            Command::Back | Command::Help => {
                state.overlay = None;
                return vec![];
            }
            Command::Quit => {}
            _ => state.overlay = None,
        }
    }
    let list_like = matches!(
        cmd,
        Command::Down
            | Command::Up
            | Command::Top
            | Command::Bottom
            | Command::PageDown
            | Command::PageUp
            | Command::Open
            | Command::Back
            | Command::Refresh
            | Command::SortNext
            | Command::SortReverse
    );
    if state.pane == Pane::Dns && (cmd.scope() == Scope::Dns || list_like) {
        return super::dns::run(state, cmd);
    }
    if state.pane == Pane::Deployments && (cmd.scope() == Scope::Deployments || list_like) {
        if state.coolify.is_none() && cmd != Command::Refresh {
            state.set_message(Level::Warn, coolify_missing(state));
            return vec![];
        }
        return super::deployments::run(state, cmd);
    }
    if state.pane == Pane::Checklist && (cmd.scope() == Scope::Checklist || list_like) {
        return super::checklist::run(state, cmd);
    }
    if state.pane == Pane::Databases
        && (cmd.scope() == Scope::Databases || list_like || matches!(cmd, Command::ScrollDown | Command::ScrollUp))
    {
        return super::databases::run(state, cmd);
    }
    if state.pane == Pane::Servers && state.servers.view == View::Firewalls && (cmd.scope() == Scope::Firewalls || list_like) {
        return super::firewalls::run(state, cmd);
    }
    if state.pane == Pane::Logs
        && (cmd.scope() == Scope::Logs
            || matches!(
                cmd,
                Command::Down
                    | Command::Up
                    | Command::Top
                    | Command::Bottom
                    | Command::PageDown
                    | Command::PageUp
                    | Command::Filter
                    | Command::ClearFilter
                    | Command::Back
            ))
    {
        return logs_cmd::run(state, cmd);
    }
    match cmd {
        Command::Quit => state.quit = true,
        Command::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Command::CommandMode => state.prompt = Some(Prompt::new(PromptKind::Command, "")),
        Command::Filter => {
            let cur = current_filter(state);
            state.filter_before = Some(cur.clone().unwrap_or_default());
            state.prompt = Some(Prompt::new(PromptKind::Filter, &cur.unwrap_or_default()));
        }
        Command::ClearFilter => apply_filter(state, ""),
        Command::Back => match state.pane {
            Pane::Servers if state.servers.view != View::List => state.servers.view = View::List,
            Pane::Servers if state.servers.table.filter().is_some() => apply_filter(state, ""),
            Pane::Servers if state.servers.table.scope_label.is_some() => {
                let _ = state.servers.set_selector("");
            }
            _ => {}
        },
        Command::Refresh => return refresh(state),
        Command::PaneServers => return switch_pane(state, Pane::Servers),
        Command::PaneDeployments => return switch_pane(state, Pane::Deployments),
        Command::PaneDns => return switch_pane(state, Pane::Dns),
        Command::PaneDatabases => return switch_pane(state, Pane::Databases),
        Command::PaneLogs => return switch_pane(state, Pane::Logs),
        Command::PaneChecklist => return switch_pane(state, Pane::Checklist),
        Command::NextPane | Command::PrevPane => {
            let n = Pane::ALL.len();
            let i = state.pane.index();
            let j = if cmd == Command::NextPane { (i + 1) % n } else { (i + n - 1) % n };
            return switch_pane(state, Pane::ALL[j]);
        }
        Command::LastPane => {
            let p = state.last_pane;
            return switch_pane(state, p);
        }
        Command::Suspend => return vec![Effect::Suspend],
        Command::Down | Command::Up | Command::Top | Command::Bottom | Command::PageDown | Command::PageUp => {
            if state.pane == Pane::Servers {
                let t = &mut state.servers.table;
                match cmd {
                    Command::Down => t.move_by(1),
                    Command::Up => t.move_by(-1),
                    Command::Top => t.top(),
                    Command::Bottom => t.bottom(),
                    Command::PageDown => t.move_by(h as isize),
                    _ => t.move_by(-(h as isize)),
                }
                t.scroll_to_cursor(h);
            }
        }
        Command::Open => {
            if state.pane == Pane::Servers
                && let Some(s) = state.servers.table.selected()
            {
                let id = s.id;
                state.servers.view = View::Detail;
                state.servers.detail_scroll = 0;
                if state.metrics.as_ref().is_none_or(|(m, _)| *m != id) {
                    state.metrics = None;
                    return vec![Effect::LoadMetrics { id }];
                }
            }
        }
        Command::ScrollDown => state.servers.detail_scroll = state.servers.detail_scroll.saturating_add(1),
        Command::ScrollUp => state.servers.detail_scroll = state.servers.detail_scroll.saturating_sub(1),
        Command::SortNext | Command::SortReverse => {
            if state.pane == Pane::Servers {
                let t = &mut state.servers.table;
                let ncols = <crate::hetzner::Server as super::table::Row>::columns().len();
                if cmd == Command::SortNext {
                    t.sort_by((t.sort_col + 1) % ncols, false);
                } else {
                    t.sort_by(t.sort_col, !t.sort_desc);
                }
                t.scroll_to_cursor(h);
                let (col, desc) = (t.sort_col, t.sort_desc);
                let title = <crate::hetzner::Server as super::table::Row>::columns()[col].title;
                state.set_message(Level::Info, format!("sorted by {title} {}", if desc { "descending" } else { "ascending" }));
            }
        }
        Command::CopyIp => {
            if let Some(s) = state.servers.table.selected() {
                let msg = match s.ipv4() {
                    Some(ip) => format!("{}: {ip}", s.name),
                    None => format!("{} has no public IPv4", s.name),
                };
                state.set_message(Level::Info, msg);
            }
        }
        Command::PowerMenu => super::servers::power_menu(state),
        Command::DeleteServer => super::servers::delete(state),
        Command::ShowFirewalls => return show_firewalls(state),
        Command::TailServer | Command::ExecServer => {
            if let Some(s) = state.servers.table.selected() {
                let text =
                    if cmd == Command::TailServer { format!("tail journal docker on {}", s.name) } else { format!("exec {} ", s.name) };
                state.prompt = Some(Prompt::new(PromptKind::Command, &text));
            }
        }
        // Handled by logs_cmd when the Logs pane is shown.
        Command::Follow
        | Command::Highlight
        | Command::NextMatch
        | Command::PrevMatch
        | Command::ToggleCase
        | Command::ToggleWrap
        | Command::ToggleTimestamps
        | Command::SaveLog
        | Command::ClearLog
        | Command::CloseTab
        | Command::NextTab
        | Command::PrevTab
        | Command::CancelRun
        | Command::AddRule
        | Command::EditRule
        | Command::RemoveRule
        | Command::AllowMyIp
        | Command::DbFromServer
        | Command::ApplyFirewall
        | Command::WriteRules
        | Command::UndoRules
        | Command::AddRecord
        | Command::EditRecord
        | Command::RecordTtl
        | Command::DeleteRecord
        | Command::PointName
        | Command::ExportZone
        | Command::ImportZone
        | Command::Deploy
        | Command::ForceDeploy
        | Command::CancelDeployment
        | Command::AppMenu
        | Command::EditDomains
        | Command::ShowOverview
        | Command::ShowEnvs
        | Command::ShowHistory
        | Command::ShowInventory
        | Command::RevealValues
        | Command::AddEnv
        | Command::EditEnv
        | Command::DeleteEnv
        | Command::BulkEnv
        | Command::ExportInventory
        | Command::BackupNow
        | Command::DbMenu
        | Command::RunStep
        | Command::SkipStep
        | Command::VerifyStep
        | Command::MarkStep
        | Command::CancelStep
        | Command::ExportReport
        | Command::AbandonRun => {}
        // Prompt-only commands do nothing outside a prompt.
        Command::Submit | Command::Cancel | Command::HistoryPrev | Command::HistoryNext | Command::Complete => {}
    }
    vec![]
}

/// The Firewalls view of the Servers pane.
pub fn show_firewalls(state: &mut State) -> Vec<Effect> {
    let mut e = switch_pane(state, Pane::Servers);
    state.servers.view = View::Firewalls;
    if !state.firewalls.loaded && state.contexts.hetzner.is_some() {
        state.firewalls.loaded = true;
        e.push(Effect::LoadFirewalls);
    }
    e
}

/// Why the Coolify panes are empty.
fn coolify_missing(state: &State) -> String {
    match (&state.contexts.coolify, &state.contexts.coolify_error) {
        (None, _) => "no Coolify instance: set COOLIFY_URL and COOLIFY_TOKEN, or configure one (see README)".into(),
        (Some(n), Some(e)) => format!("Coolify {n}: {e}"),
        (Some(n), None) => format!("Coolify {n}: still loading"),
    }
}

pub fn refresh(state: &mut State) -> Vec<Effect> {
    match state.pane {
        Pane::Servers if state.contexts.hetzner.is_some() => vec![reload_servers(state), Effect::LoadPricing],
        Pane::Servers => {
            state.set_message(Level::Warn, "no Hetzner context: set HCLOUD_TOKEN or configure hcloud contexts");
            vec![]
        }
        _ => vec![],
    }
}
