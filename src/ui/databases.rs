//! The Databases pane: the list with backup health, and one database's
//! schedules and recent executions.

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::databases::DbRow;
use crate::coolify::redact::redact;
use crate::coolify::schedule::{self, age, bytes, parse_time};
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    match &state.panes.databases.detail {
        None => list(f, area, state, g),
        Some(_) => detail(f, area, state, g),
    }
}

fn list(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let p = &state.panes.databases;
    let t = &p.table;
    let attention = t.items().iter().filter(|r| r.warn).count();
    let mut title = vec![Span::styled(" Databases ", st.get(Slot::Title)), Span::styled(format!("({}) ", t.total()), st.get(Slot::Muted))];
    if attention > 0 {
        title.push(Span::styled(format!("{} {attention} without a recent good backup ", g.warn), st.get(Slot::Warn)));
    }
    let local = t.items().iter().filter(|r| r.local_only).count();
    if local > 0 {
        title.push(Span::styled(format!("{local} local only "), st.get(Slot::Warn)));
    }
    let never = t.items().iter().filter(|r| r.never_drilled).count();
    if never > 0 {
        title.push(Span::styled(format!("{never} never restored "), st.get(Slot::Warn)));
    }
    let failed = t.items().iter().filter(|r| r.drill_failed).count();
    if failed > 0 {
        title.push(Span::styled(format!("{} {failed} drill failed ", g.warn), st.get(Slot::Error)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    let b = Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(hints(
        state,
        &[
            (Command::Open, "backups"),
            (Command::BackupNow, "backup now"),
            (Command::DbMenu, "start/stop"),
            (Command::Filter, "filter"),
            (Command::Help, "help"),
        ],
    ));
    let inner = b.inner(area);
    f.render_widget(b, area);
    if t.total() == 0 {
        let msg = match (&state.world.contexts.coolify, &state.world.coolify) {
            (None, _) => Span::styled("No Coolify instance: set COOLIFY_URL and COOLIFY_TOKEN (see README).", st.get(Slot::Warn)),
            (Some(_), None) => match (&state.world.coolify_load_error, state.world.wait_text("Coolify")) {
                (Some(e), _) => Span::styled(format!("Could not load from Coolify: {e}"), st.get(Slot::Error)),
                (None, Some(w)) => Span::styled(w, st.get(Slot::Warn)),
                (None, None) => Span::styled("Loading Coolify resources...", st.get(Slot::Muted)),
            },
            (Some(_), Some(_)) => Span::styled("This Coolify instance has no databases.", st.get(Slot::Muted)),
        };
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), inner);
        return;
    }
    super::table::draw(f, inner, state, g, t, |r: &DbRow, col| match col {
        1 => Some(super::deployments::status_slot(&r.status)),
        2 if r.error => Some(Slot::Error),
        2 if r.warn => Some(Slot::Warn),
        2 if r.backup == "…" => Some(Slot::Muted),
        2 => Some(Slot::Ok),
        7 if r.drill_failed => Some(Slot::Error),
        7 if r.never_drilled => Some(Slot::Warn),
        7 if r.drill.starts_with("unfinished") => Some(Slot::Muted),
        7 => Some(Slot::Ok),
        _ => None,
    });
}

fn kv<'a>(state: &State, k: &'a str, v: String, slot: Slot) -> Line<'a> {
    let st = &state.styles;
    Line::from(vec![Span::styled(format!("{k:>14}  "), st.get(Slot::Muted)), Span::styled(v, st.get(slot))])
}

fn detail(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let p = &state.panes.databases;
    let Some(row) = p.selected() else { return };
    let db = state.world.coolify.as_ref().and_then(|i| i.databases.iter().find(|d| d.uuid == row.uuid));
    let server = db
        .and_then(|d| d.server_uuid.as_deref())
        .and_then(|u| state.world.coolify.as_ref().and_then(|i| i.server(u)))
        .map(|s| format!("{} ({})", s.name, s.ip))
        .unwrap_or_else(|| "?".into());
    let mut lines = vec![
        kv(state, "status", row.status.clone(), super::deployments::status_slot(&row.status)),
        kv(state, "type", format!("{} ({})", row.kind, row.image), Slot::Text),
        kv(state, "project/env", row.group.clone(), Slot::Text),
        kv(state, "server", server, Slot::Text),
        kv(state, "public port", if row.port.is_empty() { "not exposed".into() } else { row.port.clone() }, Slot::Text),
    ];
    if let Some(url) = db.and_then(|d| d.internal_db_url.as_deref()) {
        // The password never reaches the screen.
        lines.push(kv(state, "internal URL", redact(url, &[]), Slot::Text));
    }
    let now = state.world.backups.as_of;
    // A backup is trusted once it has been restored.
    match state.world.drills.get(&row.name).or_else(|| state.world.drills.get(&row.uuid)) {
        None => lines.push(kv(state, "restore drill", "never: no backup of it has been restored (runbook restore-drill)".into(), Slot::Warn)),
        Some(d) => {
            let slot = match d.result {
                crate::checklist::drill::Result::Passed => Slot::Ok,
                crate::checklist::drill::Result::Failed(_) => Slot::Error,
                crate::checklist::drill::Result::Unfinished => Slot::Muted,
            };
            lines.push(kv(state, "restore drill", format!("{} (run {})", d.summary(now.max(d.started)), d.run), slot));
            if let crate::checklist::drill::Result::Failed(m) = &d.result {
                lines.push(kv(state, "", redact(m, &[]), Slot::Error));
            }
            if let Some(t) = d.backup_taken {
                lines.push(kv(state, "", format!("the backup it restored was taken {}", t.format("%Y-%m-%d %H:%M UTC")), Slot::Muted));
            }
        }
    }
    lines.push(Line::raw(""));
    match state.world.backups.by_db.get(&row.uuid) {
        None => lines.push(Line::from(Span::styled("Backups not loaded yet.", st.get(Slot::Muted)))),
        Some(list) if list.is_empty() => lines.push(Line::from(Span::styled(
            format!("{} No backup schedule: add one in Coolify (Backups tab of the database), then back up now from here.", g.warn),
            st.get(Slot::Warn),
        ))),
        Some(list) => {
            for b in list {
                let h = schedule::of_schedule(b, now);
                let slot = if h.is_error() {
                    Slot::Error
                } else if h.is_warning() {
                    Slot::Warn
                } else {
                    Slot::Ok
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("Schedule {} ", b.frequency), st.get(Slot::Title)),
                    Span::styled(
                        format!(
                            "{}{}  keep {}{}  ",
                            if b.enabled { "" } else { "(disabled) " },
                            match (b.save_s3, b.disable_local_backup) {
                                (true, true) => "S3 only (a restore fetches it first)",
                                (true, false) => "local + S3",
                                _ => "local only",
                            },
                            if b.save_s3 && b.disable_local_backup {
                                "none locally".to_string()
                            } else {
                                format!(
                                    "{} locally",
                                    b.database_backup_retention_amount_locally.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
                                )
                            },
                            if b.save_s3 {
                                format!(
                                    ", {} on S3",
                                    b.database_backup_retention_amount_s3.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
                                )
                            } else {
                                String::new()
                            },
                        ),
                        st.get(Slot::Muted),
                    ),
                    Span::styled(h.summary(now), st.get(slot)),
                ]));
                if let schedule::Health::Failed { message, .. } = &h {
                    lines.push(Line::from(Span::styled(format!("  {}", redact(message, &[])), st.get(Slot::Error))));
                }
                let mut execs = b.executions.clone();
                execs.sort_by(|a, b| b.created_at.cmp(&a.created_at));
                for e in execs.iter().take(8) {
                    let at = parse_time(&e.created_at)
                        .map(|t| format!("{} ({} ago)", t.format("%Y-%m-%d %H:%M"), age(now - t)))
                        .unwrap_or_default();
                    let slot = match e.status.as_str() {
                        "success" => Slot::Ok,
                        "failed" => Slot::Error,
                        _ => Slot::Pending,
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {:<8}", e.status), st.get(slot)),
                        Span::styled(format!("{at:<28} {:>10}  ", e.size.map(bytes).unwrap_or_default()), st.get(Slot::Text)),
                        Span::styled(e.filename.clone().unwrap_or_default(), st.get(Slot::Muted)),
                    ]));
                }
                lines.push(Line::raw(""));
            }
        }
    }
    let b = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(format!(" {} ", row.name), st.get(Slot::Title)))
        .title_bottom(hints(state, &[(Command::BackupNow, "backup now"), (Command::DbMenu, "start/stop"), (Command::Back, "back")]));
    f.render_widget(Paragraph::new(lines).block(b).scroll((p.detail_scroll, 0)), area);
}
