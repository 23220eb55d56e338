//! The Servers pane: the list and the detail view of one server.

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::servers::{View, fmt_gb};
use crate::hetzner::Server;
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn status_slot(status: &str) -> Slot {
    match status {
        "running" => Slot::Ok,
        "off" => Slot::Muted,
        "initializing" | "starting" | "stopping" | "migrating" | "rebuilding" | "deleting" => Slot::Pending,
        _ => Slot::Warn,
    }
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    match state.servers.view {
        View::List => list(f, area, state, g),
        View::Detail => detail(f, area, state, g),
    }
}

fn list(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let p = &state.servers;
    let t = &p.table;
    let mut title = vec![Span::styled(" Servers ", st.get(Slot::Title))];
    let count = if t.len() == t.total() { format!("({}) ", t.total()) } else { format!("({}/{}) ", t.len(), t.total()) };
    title.push(Span::styled(count, st.get(Slot::Muted)));
    if let Some(sel) = &t.scope_label {
        title.push(Span::styled(format!("[{sel}] "), st.get(Slot::Info)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ", flt.source), st.get(Slot::Prompt)));
    }
    if p.load.loading {
        let of = p.load.last_page.map(|l| format!("/{l}")).unwrap_or_default();
        title.push(Span::styled(format!("loading page {}{of} ", p.load.pages_done + 1), st.get(Slot::Pending)));
    }
    let block = Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(hints(
        state,
        &[
            (Command::Open, "detail"),
            (Command::Filter, "filter"),
            (Command::SortNext, "sort"),
            (Command::CommandMode, "command"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if t.total() == 0 {
        let msg = if let Some(e) = &p.load.error {
            Line::from(Span::styled(format!("Could not load servers: {e}"), st.get(Slot::Error)))
        } else if state.contexts.hetzner.is_none() {
            Line::from(Span::styled(
                "No Hetzner context: set HCLOUD_TOKEN, add a context with `hcloud context create`, or run `cutover demo`.",
                st.get(Slot::Warn),
            ))
        } else if p.load.loading {
            Line::from(Span::styled("Loading servers...", st.get(Slot::Pending)))
        } else {
            Line::from(Span::styled("This project has no servers.", st.get(Slot::Muted)))
        };
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), inner);
        return;
    }
    super::table::draw(f, inner, state, g, t, |s: &Server, col| match col {
        1 => Some(status_slot(&s.status)),
        2 if s.server_type.deprecation_in(&s.location.name).is_some() => Some(Slot::Warn),
        _ => None,
    });
}

fn kv<'a>(state: &State, k: &'a str, v: String) -> Line<'a> {
    let st = &state.styles;
    Line::from(vec![Span::styled(format!("{k:>14}  "), st.get(Slot::Muted)), Span::styled(v, st.get(Slot::Text))])
}

fn detail(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let Some(s) = state.servers.table.selected() else { return };
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Line::from(vec![Span::styled(format!(" Server {} ", s.name), st.get(Slot::Title))]))
        .title_bottom(hints(
            state,
            &[(Command::Back, "back"), (Command::ScrollDown, "scroll"), (Command::CopyIp, "ip"), (Command::Help, "help")],
        ));
    let t = &s.server_type;
    let mut lines = vec![
        kv(state, "name", s.name.clone()),
        kv(state, "id", s.id.to_string()),
        Line::from(vec![
            Span::styled(format!("{:>14}  ", "status"), st.get(Slot::Muted)),
            Span::styled(s.status.clone(), st.get(status_slot(&s.status))),
        ]),
        kv(state, "created", s.created.clone()),
        kv(
            state,
            "type",
            format!(
                "{} ({}): {} {} cores, {} RAM, {} disk, {}",
                t.name,
                t.description,
                t.cpu_type,
                t.cores,
                fmt_gb(t.memory),
                fmt_gb(t.disk),
                t.architecture
            ),
        ),
    ];
    if let Some(d) = t.deprecation_in(&s.location.name) {
        lines.push(Line::from(vec![
            Span::styled(format!("{:>14}  ", "deprecated"), st.get(Slot::Muted)),
            Span::styled(
                format!("{} type {} announced {}, unavailable after {}", g.warn, t.name, d.announced, d.unavailable_after),
                st.get(Slot::Warn),
            ),
        ]));
    }
    lines.extend([
        kv(state, "location", format!("{} ({}, {}) {}", s.location.name, s.location.city, s.location.country, s.location.network_zone)),
        kv(state, "ipv4", s.ipv4().unwrap_or("none").to_string()),
        kv(state, "ipv6", s.ipv6().unwrap_or("none").to_string()),
        kv(state, "labels", if s.labels.is_empty() { "none".into() } else { s.labels_text() }),
        kv(state, "protection", format!("delete {}, rebuild {}", onoff(s.protection.delete), onoff(s.protection.rebuild))),
        kv(state, "backups", s.backup_window.clone().map(|w| format!("on, window {w} UTC")).unwrap_or_else(|| "off".into())),
        kv(
            state,
            "image",
            s.image
                .as_ref()
                .map(|i| format!("{} ({})", i.description, i.name.clone().unwrap_or_default()))
                .unwrap_or_else(|| "none".into()),
        ),
        kv(state, "disk", fmt_gb(s.primary_disk_size)),
        kv(
            state,
            "volumes",
            if s.volumes.is_empty() { "none".into() } else { s.volumes.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ") },
        ),
        kv(
            state,
            "firewalls",
            if s.public_net.firewalls.is_empty() {
                "none".into()
            } else {
                s.public_net.firewalls.iter().map(|f| format!("{} ({})", f.id, f.status)).collect::<Vec<_>>().join(", ")
            },
        ),
        kv(
            state,
            "traffic",
            format!("out {} / in {} / included {}", bytes(s.outgoing_traffic), bytes(s.ingoing_traffic), bytes(s.included_traffic)),
        ),
        kv(state, "rescue", onoff(s.rescue_enabled).into()),
        kv(state, "locked", if s.locked { "yes (an action is running)".into() } else { "no".into() }),
    ]);
    f.render_widget(Paragraph::new(lines).block(block).scroll((state.servers.detail_scroll, 0)), area);
}

fn onoff(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn bytes(b: Option<i64>) -> String {
    match b {
        None => "-".into(),
        Some(b) if b >= 1 << 40 => format!("{:.1} TB", b as f64 / (1u64 << 40) as f64),
        Some(b) if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        Some(b) => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
    }
}
