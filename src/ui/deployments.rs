//! The Deployments pane: resources by project/environment, one application
//! (overview with the followed deployment, variables, history), and the version
//! inventory.

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::deployments::{Follow, ResRow, Tab};
use crate::coolify::model::Application;
use crate::coolify::model::DeployStatus;
use crate::coolify::schedule::{age, parse_time};
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// Coolify's resource status (`running:healthy`, `exited`, ...).
pub fn status_slot(status: &str) -> Slot {
    match status {
        s if s.starts_with("running:healthy") || s == "running" => Slot::Ok,
        s if s.starts_with("running") => Slot::Warn,
        s if s.starts_with("restarting") || s.starts_with("starting") => Slot::Pending,
        s if s.starts_with("exited") => Slot::Muted,
        _ => Slot::Warn,
    }
}

/// A deployment's status.
pub fn deploy_slot(status: &DeployStatus) -> Slot {
    match status {
        DeployStatus::Finished => Slot::Ok,
        DeployStatus::Failed => Slot::Error,
        DeployStatus::CancelledByUser => Slot::Warn,
        DeployStatus::Queued | DeployStatus::InProgress => Slot::Pending,
        DeployStatus::Other(_) => Slot::Muted,
    }
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    match &state.panes.deployments.app {
        None => list(f, area, state, g),
        Some(_) => app(f, area, state, g),
    }
}

pub fn block<'a>(state: &State, g: &Glyphs, title: Vec<Span<'a>>, keys: &[(Command, &str)]) -> Block<'a> {
    let st = &state.styles;
    Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(hints(state, keys))
}

fn list(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let t = &state.panes.deployments.table;
    let mut title =
        vec![Span::styled(" Coolify resources ", st.get(Slot::Title)), Span::styled(format!("({}) ", t.total()), st.get(Slot::Muted))];
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    if let Some(w) = state.world.wait_text("Coolify") {
        title.push(Span::styled(format!("{w} "), st.get(Slot::Warn)));
    }
    let b = block(
        state,
        g,
        title,
        &[
            (Command::Open, "open"),
            (Command::Deploy, "deploy"),
            (Command::ShowEnvs, "variables"),
            (Command::ShowHistory, "history"),
            (Command::ShowInventory, "versions"),
            (Command::ShowFleet, "fleet"),
            (Command::Help, "help"),
        ],
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    if t.total() == 0 {
        let c = &state.world.contexts;
        let msg = match (&c.coolify, c.coolify_error.as_ref().or(state.world.coolify_load_error.as_ref()), &state.world.coolify) {
            (None, _, _) => Span::styled(
                "No Coolify instance: set COOLIFY_URL and COOLIFY_TOKEN, use the coolify CLI's config, or add [coolify.NAME] to config.toml.",
                st.get(Slot::Warn),
            ),
            (Some(_), Some(e), _) => Span::styled(format!("Could not load from Coolify: {e}"), st.get(Slot::Error)),
            (Some(_), None, None) => match state.world.wait_text("Coolify") {
                Some(w) => Span::styled(w, st.get(Slot::Warn)),
                None => Span::styled("Loading Coolify resources...", st.get(Slot::Muted)),
            },
            (Some(_), None, Some(_)) => Span::styled("This Coolify instance has no applications or databases.", st.get(Slot::Muted)),
        };
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), inner);
        return;
    }
    super::table::draw(f, inner, state, g, t, |r: &ResRow, col| match col {
        2 => Some(status_slot(&r.status)),
        4 => Some(deploy_slot(&DeployStatus::from(r.last.clone()))),
        0 => Some(Slot::Muted),
        _ => None,
    });
}

fn kv<'a>(state: &State, k: &'a str, v: Span<'a>) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{k:>12}  "), state.styles.get(Slot::Muted)), v])
}

fn app(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let d = &state.panes.deployments;
    let Some(a) = d.app.as_deref().and_then(|u| state.world.app(u)) else {
        f.render_widget(Paragraph::new("The application is gone (refresh with C-r)."), area);
        return;
    };
    let group = state.world.coolify.as_ref().and_then(|i| i.env_of(a.environment_id)).map(|(p, e)| format!("{p}/{e}")).unwrap_or_default();
    let keys: &[(Command, &str)] = match d.tab {
        Tab::Overview => &[
            (Command::Deploy, "deploy"),
            (Command::CancelDeployment, "cancel"),
            (Command::EditDomains, "domains"),
            (Command::AppMenu, "start/stop"),
            (Command::WrapLog, "wrap"),
        ],
        Tab::Envs => &[
            (Command::AddEnv, "add"),
            (Command::EditEnv, "edit"),
            (Command::DeleteEnv, "delete"),
            (Command::BulkEnv, "bulk"),
            (Command::RevealValues, "reveal"),
        ],
        Tab::History => &[(Command::Open, "follow"), (Command::Deploy, "deploy")],
        Tab::Tasks => &[(Command::AddTask, "add or change"), (Command::Deploy, "deploy")],
        Tab::Storages => &[(Command::Deploy, "deploy")],
        Tab::Logs => &[(Command::Refresh, "read again")],
        Tab::Previews => &[(Command::DeletePreview, "delete preview"), (Command::Refresh, "reload")],
    };
    let b = block(
        state,
        g,
        vec![Span::styled(format!(" {} ", a.name), st.get(Slot::Title)), Span::styled(format!("{group} "), st.get(Slot::Muted))],
        keys,
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [info, tabs, body] = Layout::vertical([Constraint::Length(4), Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    f.render_widget(Paragraph::new(info_lines(state, a)), info);
    // Short labels on a narrow screen (80 columns), so every tab shows.
    let narrow = tabs.width < 100;
    let tab = |t: Tab, label: &str, short: &str, cmd: Command| {
        let key = state.keymap.hint(cmd).unwrap_or_default();
        let text = format!(" {} ({key}) ", if narrow { short } else { label });
        if d.tab == t { Span::styled(text, st.get(Slot::TabActive)) } else { Span::styled(text, st.get(Slot::Tab)) }
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            tab(Tab::Overview, "Deployment", "Deploy", Command::ShowOverview),
            Span::raw(" "),
            tab(Tab::Envs, "Variables", "Vars", Command::ShowEnvs),
            Span::raw(" "),
            tab(Tab::History, "History", "Hist", Command::ShowHistory),
            Span::raw(" "),
            tab(Tab::Tasks, "Tasks", "Tasks", Command::ShowTasks),
            Span::raw(" "),
            tab(Tab::Storages, "Volumes", "Vols", Command::ShowStorages),
            Span::raw(" "),
            tab(Tab::Logs, "Log", "Log", Command::ShowAppLogs),
            Span::raw(" "),
            tab(Tab::Previews, "Previews", "PRs", Command::ShowPreviews),
        ])),
        tabs,
    );
    match d.tab {
        Tab::Overview => overview(f, body, state, a, g),
        Tab::Envs => envs(f, body, state, a, g),
        Tab::History => history(f, body, state, a, g),
        Tab::Tasks => tasks(f, body, state, a, g),
        Tab::Storages => storages(f, body, state, a),
        Tab::Logs => app_logs(f, body, state, a),
        Tab::Previews => previews(f, body, state, a, g),
    }
}

/// The previews that exist, one per pull request: where each is served and
/// how its newest deployment went.
fn previews(f: &mut Frame, area: Rect, state: &State, a: &Application, g: &Glyphs) {
    let st = &state.styles;
    let d = &state.panes.deployments;
    let Some((_, list)) = d.previews.as_ref().filter(|(x, _)| *x == a.uuid) else {
        f.render_widget(Paragraph::new(Span::styled("Loading previews...", st.get(Slot::Muted))), area);
        return;
    };
    if list.is_empty() {
        let why = if a.is_preview_deployments_enabled {
            "No preview deployment: none of its pull requests is deployed."
        } else {
            "No preview deployment: previews are off for this application (Coolify: Preview Deployments)."
        };
        f.render_widget(Paragraph::new(Span::styled(why, st.get(Slot::Muted))), area);
        return;
    }
    let now = state.now;
    let h = area.height as usize;
    let off = d.preview_cursor.pos.saturating_sub(h.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, r) in list.iter().enumerate().skip(off).take(h) {
        let sel = i == d.preview_cursor.pos;
        let style = if sel { st.get(Slot::Selection) } else { st.get(Slot::Text) };
        let when = r
            .last
            .as_ref()
            .and_then(|dep| dep.created_at.as_deref().and_then(parse_time))
            .map(|c| format!("{} ago", age(now - c)))
            .unwrap_or_default();
        let last = r.last.as_ref().map(|dep| dep.status.to_string()).unwrap_or_else(|| "-".into());
        let slot = r.last.as_ref().map(|dep| deploy_slot(&dep.status)).unwrap_or(Slot::Muted);
        let commit = r.last.as_ref().and_then(|x| x.commit.as_deref()).map(|c| c[..c.len().min(7)].to_string()).unwrap_or_default();
        let url = crate::logs::sanitize::sanitize(r.preview.fqdn.clone().unwrap_or_default().as_bytes());
        lines.push(Line::from(vec![
            Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, style),
            Span::styled(format!("#{:<6}", r.preview.pull_request_id), style),
            Span::styled(format!("{:<17}", last), if sel { style } else { st.get(slot) }),
            Span::styled(format!("{when:<9} {commit:<8} "), style),
            Span::styled(url, st.get(Slot::Info)),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The application's last log lines as Coolify gives them (its first container).
fn app_logs(f: &mut Frame, area: Rect, state: &State, a: &Application) {
    let st = &state.styles;
    let Some((_, lines)) = state.panes.deployments.app_logs.as_ref().filter(|(x, _)| *x == a.uuid) else {
        f.render_widget(Paragraph::new(Span::styled("Reading the log...", st.get(Slot::Muted))), area);
        return;
    };
    if lines.is_empty() {
        f.render_widget(Paragraph::new(Span::styled("No log: it is not running (or Coolify did not give one).", st.get(Slot::Muted))), area);
        return;
    }
    let h = area.height as usize;
    let shown: Vec<Line> = lines.iter().skip(lines.len().saturating_sub(h)).map(|l| Line::from(Span::styled(l.clone(), st.get(Slot::Text)))).collect();
    f.render_widget(Paragraph::new(shown), area);
}

/// The application's volumes: where its uploads live, to copy when it moves.
fn storages(f: &mut Frame, area: Rect, state: &State, a: &Application) {
    let st = &state.styles;
    let Some((_, list)) = state.panes.deployments.storages.as_ref().filter(|(x, _)| *x == a.uuid) else {
        f.render_widget(Paragraph::new(Span::styled("Loading volumes...", st.get(Slot::Muted))), area);
        return;
    };
    if list.is_empty() {
        f.render_widget(Paragraph::new(Span::styled("No persistent volume: what it writes is lost with its container.", st.get(Slot::Muted))), area);
        return;
    }
    let mut lines: Vec<Line> = list
        .iter()
        .map(|s| {
            Line::from(vec![
                Span::styled(format!("  {:<28}", s.name), st.get(Slot::Text)),
                Span::styled(format!("{:<20}", s.mount_path), st.get(Slot::Info)),
                Span::styled(s.host_path.clone().map(|h| format!("host {h}")).unwrap_or_else(|| "a Docker volume".into()), st.get(Slot::Muted)),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "A move copies these too: they are not in the Git repository nor in a database backup.",
        st.get(Slot::Warn),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn info_lines<'a>(state: &State, a: &'a Application) -> Vec<Line<'a>> {
    let st = &state.styles;
    let server = a.server_uuid.as_deref().and_then(|u| state.world.coolify.as_ref().and_then(|i| i.server(u))).map(|s| s.name.clone());
    let domains = if a.build_pack == "dockercompose" {
        a.compose_domains().into_iter().map(|(s, d)| format!("{s}: {}", if d.is_empty() { "-" } else { &d })).collect::<Vec<_>>().join("  ")
    } else {
        a.domains().join("  ")
    };
    let commit = a.git_commit_sha.as_deref().map(|c| &c[..c.len().min(7)]).unwrap_or("?");
    vec![
        kv(
            state,
            "status",
            Span::styled(
                format!("{}   last deployment: {}", a.status, a.last_deployment_status.as_deref().unwrap_or("-")),
                st.get(status_slot(&a.status)),
            ),
        ),
        kv(
            state,
            "build",
            Span::styled(
                format!(
                    "{}  {}  {}@{commit}",
                    a.build_pack,
                    a.git_repository.as_deref().unwrap_or(""),
                    a.git_branch.as_deref().unwrap_or("?")
                ),
                st.get(Slot::Text),
            ),
        ),
        kv(state, "domains", Span::styled(if domains.is_empty() { "-".into() } else { domains }, st.get(Slot::Text))),
        kv(state, "server", Span::styled(server.unwrap_or_else(|| "?".into()), st.get(Slot::Text))),
    ]
}

fn elapsed(f: &Follow, now: chrono::DateTime<chrono::Utc>) -> String {
    let Some(start) = f.created.as_deref().and_then(parse_time) else { return String::new() };
    let end = f.finished.as_deref().and_then(parse_time).unwrap_or(now);
    let s = (end - start).num_seconds().max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

fn overview(f: &mut Frame, area: Rect, state: &State, a: &Application, g: &Glyphs) {
    let st = &state.styles;
    let Some(fl) = state.panes.deployments.follow.as_ref().filter(|fl| fl.app == a.uuid) else {
        let d = state.keymap.hint(Command::Deploy).unwrap_or_default();
        let h = state.keymap.hint(Command::ShowHistory).unwrap_or_default();
        f.render_widget(
            Paragraph::new(Span::styled(
                format!("No deployment followed. {d} deploys; {h} lists recent deployments to follow one."),
                st.get(Slot::Muted),
            ))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    // The uuid is long: at 80 columns it gives way to what the view says.
    let id = if area.width < 100 { String::new() } else { format!("{} ", fl.deployment) };
    let mut head = vec![
        Span::styled(format!("deployment {id}"), st.get(Slot::Muted)),
        Span::styled(
            fl.status.to_string(),
            st.get(deploy_slot(&fl.status)).patch(ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::BOLD)),
        ),
        Span::styled(format!("  {}", elapsed(fl, state.now)), st.get(Slot::Muted)),
    ];
    if fl.is_running() {
        head.push(Span::styled(format!(" {}", g.spinner[state.jobs.spinner % g.spinner.len()]), st.get(Slot::Pending)));
    }
    let d = &state.panes.deployments;
    if d.log_hscroll > 0 && !d.log_wrap {
        head.push(Span::styled(format!("  from column {}", d.log_hscroll + 1), st.get(Slot::Warn)));
    }
    if fl.scroll > 0 {
        head.push(Span::styled(format!("  (scrolled up {} lines)", fl.scroll), st.get(Slot::Warn)));
    }
    let [h, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(Paragraph::new(Line::from(head)), h);
    if let Some(i) = d.log_line
        && let Some((text, err)) = fl.lines.get(i)
    {
        let up = state.keymap.hint(Command::Up).unwrap_or_default();
        let down = state.keymap.hint(Command::Down).unwrap_or_default();
        let back = state.keymap.hint(Command::Back).unwrap_or_default();
        let mut lines = vec![
            Line::from(Span::styled(
                format!("line {} of {} ({up}/{down} the one before/after, {back} back to the log)", i + 1, fl.lines.len()),
                st.get(Slot::Muted),
            )),
            Line::from(""),
        ];
        lines.extend(super::dialog::hard_wrap(
            Line::from(Span::styled(text.clone(), st.get(if *err { Slot::Warn } else { Slot::Text }))),
            body.width.max(1) as usize,
        ));
        f.render_widget(Paragraph::new(lines), body);
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(n) = &fl.note {
        lines.push(Line::from(Span::styled(n.clone(), st.get(Slot::Info))));
    }
    if fl.logs_hidden {
        lines.push(Line::from(Span::styled(
            "Coolify withholds deployment logs from this token: it lacks the read:sensitive permission (Keys & Tokens). The status above still follows the deployment.",
            st.get(Slot::Warn),
        )));
    }
    let room = (body.height as usize).saturating_sub(lines.len());
    let end = fl.lines.len().saturating_sub(fl.scroll);
    let styled = |text: &str, err: bool| Line::from(Span::styled(text.to_string(), st.get(if err { Slot::Warn } else { Slot::Text })));
    if state.panes.deployments.log_wrap {
        // The last lines that fit once wrapped, each whole.
        let mut rows: Vec<Line> = Vec::new();
        for (text, err) in fl.lines[..end].iter().rev() {
            let wrapped = super::dialog::hard_wrap(styled(text, *err), body.width.max(1) as usize);
            if rows.len() + wrapped.len() > room && !rows.is_empty() {
                break;
            }
            rows.splice(0..0, wrapped);
        }
        let skip = rows.len().saturating_sub(room);
        lines.extend(rows.into_iter().skip(skip));
    } else {
        let start = end.saturating_sub(room);
        let notes = lines.len();
        for (text, err) in &fl.lines[start..end] {
            lines.push(styled(text, *err));
        }
        if d.log_hscroll > 0 {
            // Sideways: the notes above the log stay; the log lines move.
            let [top, rest] = Layout::vertical([Constraint::Length(notes as u16), Constraint::Min(0)]).areas(body);
            let log = lines.split_off(notes);
            f.render_widget(Paragraph::new(lines), top);
            f.render_widget(Paragraph::new(log).scroll((0, d.log_hscroll)), rest);
            return;
        }
    }
    f.render_widget(Paragraph::new(lines), body);
}

fn envs(f: &mut Frame, area: Rect, state: &State, a: &Application, g: &Glyphs) {
    let st = &state.styles;
    let d = &state.panes.deployments;
    let Some((_, vars)) = d.envs.as_ref().filter(|(x, _)| *x == a.uuid) else {
        f.render_widget(Paragraph::new(Span::styled("Loading variables...", st.get(Slot::Muted))), area);
        return;
    };
    if vars.is_empty() {
        f.render_widget(Paragraph::new(Span::styled("No environment variables.", st.get(Slot::Muted))), area);
        return;
    }
    if d.env_detail
        && let Some(e) = vars.get(d.env_cursor.pos)
    {
        env_detail(f, area, state, e);
        return;
    }
    let kw = vars.iter().map(|e| e.key.len()).max().unwrap_or(8).clamp(8, 32);
    let h = area.height as usize;
    let off = d.env_cursor.pos.saturating_sub(h.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, e) in vars.iter().enumerate().skip(off).take(h) {
        let sel = i == d.env_cursor.pos;
        let value = shown_value(e, d.reveal).unwrap_or_else(|| "****".into());
        let mut flags = Vec::new();
        if e.is_buildtime {
            flags.push("build");
        }
        if e.is_runtime {
            flags.push("runtime");
        }
        if e.is_preview {
            flags.push("preview");
        }
        if e.is_literal {
            flags.push("literal");
        }
        if e.is_multiline {
            flags.push("multiline");
        }
        let style = if sel { st.get(Slot::Selection) } else { st.get(Slot::Text) };
        lines.push(Line::from(vec![
            Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, style),
            Span::styled(format!("{:<kw$}  ", e.key), style),
            Span::styled(format!("{:<14}  ", flags.join(",")), if sel { style } else { st.get(Slot::Muted) }),
            Span::styled(crate::logs::sanitize::sanitize(value.as_bytes()), style),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The application's scheduled tasks: name, when, on or off, what.
fn tasks(f: &mut Frame, area: Rect, state: &State, a: &Application, g: &Glyphs) {
    let st = &state.styles;
    let d = &state.panes.deployments;
    let Some((_, list)) = d.tasks.as_ref().filter(|(x, _)| *x == a.uuid) else {
        f.render_widget(Paragraph::new(Span::styled("Loading scheduled tasks...", st.get(Slot::Muted))), area);
        return;
    };
    if list.is_empty() {
        let k = state.keymap.hint(Command::AddTask).unwrap_or_default();
        f.render_widget(Paragraph::new(Span::styled(format!("No scheduled tasks. {k} adds one."), st.get(Slot::Muted))), area);
        return;
    }
    let nw = list.iter().map(|t| t.name.chars().count()).max().unwrap_or(8).clamp(8, 30);
    let h = area.height as usize;
    let off = d.task_cursor.pos.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(off)
        .take(h)
        .map(|(i, t)| {
            let sel = i == d.task_cursor.pos;
            let style = if sel { st.get(Slot::Selection) } else { st.get(Slot::Text) };
            Line::from(vec![
                Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, style),
                Span::styled(format!("{:<nw$}  ", t.name), style),
                Span::styled(format!("{:<14}", t.frequency), st.get(Slot::Info)),
                Span::styled(if t.enabled { "on   " } else { "off  " }, st.get(if t.enabled { Slot::Ok } else { Slot::Warn })),
                Span::styled(crate::logs::sanitize::sanitize(t.command.as_bytes()), st.get(Slot::Muted)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}

fn history(f: &mut Frame, area: Rect, state: &State, a: &Application, g: &Glyphs) {
    let st = &state.styles;
    let d = &state.panes.deployments;
    let Some((_, list)) = d.history.as_ref().filter(|(x, _)| *x == a.uuid) else {
        f.render_widget(Paragraph::new(Span::styled("Loading deployments...", st.get(Slot::Muted))), area);
        return;
    };
    if list.is_empty() {
        f.render_widget(Paragraph::new(Span::styled("No deployments yet.", st.get(Slot::Muted))), area);
        return;
    }
    let now = state.now;
    let h = area.height as usize;
    let off = d.hist_cursor.pos.saturating_sub(h.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, dep) in list.iter().enumerate().skip(off).take(h) {
        let sel = i == d.hist_cursor.pos;
        let created = dep.created_at.as_deref().and_then(parse_time);
        let when = created.map(|c| format!("{} ago", age(now - c))).unwrap_or_default();
        let took = match (created, dep.finished_at.as_deref().and_then(parse_time)) {
            (Some(c), Some(e)) => {
                let s = (e - c).num_seconds().max(0);
                format!("{}:{:02}", s / 60, s % 60)
            }
            _ => String::new(),
        };
        let commit = dep.commit.as_deref().map(|c| &c[..c.len().min(7)]).unwrap_or("");
        let mut kind: Vec<String> = Vec::new();
        if dep.pull_request_id > 0 {
            kind.push(format!("PR #{}", dep.pull_request_id));
        }
        if dep.force_rebuild {
            kind.push("force".into());
        }
        if dep.restart_only {
            kind.push("restart".into());
        }
        let style = if sel { st.get(Slot::Selection) } else { st.get(Slot::Text) };
        lines.push(Line::from(vec![
            Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, style),
            Span::styled(format!("{:<18}", dep.status), if sel { style } else { st.get(deploy_slot(&dep.status)) }),
            Span::styled(format!("{when:<9} {took:>6}  {commit:<8} {:<14} {}", kind.join(","), dep.deployment_uuid), style),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// A variable's value as shown: `None` when hidden until revealed.
fn shown_value(e: &crate::coolify::model::EnvVar, reveal: bool) -> Option<String> {
    Some(match (&e.value, reveal) {
        (_, _) if e.is_shown_once => "(shown once: not readable)".to_string(),
        (None, _) => "(withheld: token lacks read:sensitive)".to_string(),
        (Some(v), true) => crate::coolify::redact::mask_value(&e.key, v),
        (Some(v), false) if v.is_empty() => "(empty)".into(),
        (Some(_), false) => return None,
    })
}

/// One variable whole: its value wrapped (masked as in the list: revealed,
/// secrets and URL passwords still masked), its flags spelt out.
fn env_detail(f: &mut Frame, area: Rect, state: &State, e: &crate::coolify::model::EnvVar) {
    let st = &state.styles;
    let d = &state.panes.deployments;
    let reveal = state.keymap.hint(Command::RevealValues).unwrap_or_default();
    let back = state.keymap.hint(Command::Back).unwrap_or_default();
    let value =
        shown_value(e, d.reveal).unwrap_or_else(|| format!("**** ({reveal} reveals; secrets and URL passwords stay masked)"));
    let flag = |on: bool, what: &str| if on { Some(what.to_string()) } else { None };
    let flags: Vec<String> = [
        flag(e.is_buildtime, "available at build time"),
        flag(e.is_runtime, "available at run time"),
        flag(e.is_preview, "preview deployments only"),
        flag(e.is_literal, "literal (no $VAR interpolation)"),
        flag(e.is_multiline, "multi-line"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let width = area.width.max(1) as usize;
    let mut lines = vec![
        Line::from(vec![Span::styled(e.key.clone(), st.get(Slot::Title)), Span::styled(format!("  ({back} back)"), st.get(Slot::Muted))]),
        Line::from(""),
    ];
    for l in crate::logs::sanitize::sanitize(value.as_bytes()).lines() {
        lines.extend(super::dialog::hard_wrap(Line::from(Span::styled(l.to_string(), st.get(Slot::Text))), width));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(if flags.is_empty() { "no flags".to_string() } else { flags.join(", ") }, st.get(Slot::Muted))));
    f.render_widget(Paragraph::new(lines), area);
}
