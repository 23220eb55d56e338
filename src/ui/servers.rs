//! The Servers pane: the list and the detail view of one server.

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::servers::fmt_gb;
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
    match state.panes.servers.detail {
        None => list(f, area, state, g),
        Some(_) => detail(f, area, state, g),
    }
}

fn money(state: &State, m: crate::hetzner::cost::Money) -> String {
    // `--ascii` has no currency signs: the ISO code instead.
    let cur = state
        .world
        .costs
        .as_ref()
        .map(|c| if state.ascii { format!("{} ", c.currency) } else { crate::hetzner::cost::symbol(&c.currency) })
        .unwrap_or_default();
    format!("{cur}{}", crate::hetzner::cost::fmt(m.gross))
}

fn list(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let p = &state.panes.servers;
    let t = &p.table;
    let load = &state.world.load;
    let mut title = vec![Span::styled(" Servers ", st.get(Slot::Title))];
    let count = if t.len() == t.total() { format!("({}) ", t.total()) } else { format!("({}/{}) ", t.len(), t.total()) };
    title.push(Span::styled(count, st.get(Slot::Muted)));
    if let Some(sel) = &t.scope_label {
        title.push(Span::styled(format!("[{sel}] "), st.get(Slot::Info)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ", flt.source), st.get(Slot::Prompt)));
    }
    if load.loading {
        let of = load.last_page.map(|l| format!("/{l}")).unwrap_or_default();
        title.push(Span::styled(format!("loading page {}{of} ", load.pages_done + 1), st.get(Slot::Pending)));
    }
    if let Some(w) = state.world.wait_text("Hetzner") {
        title.push(Span::styled(format!("{w} "), st.get(Slot::Warn)));
    }
    if let Some(c) = &state.world.costs {
        // The total of the rows listed: a selector or a filter narrows it too.
        let mut total = crate::hetzner::cost::Money::default();
        let mut incomplete = 0;
        for s in (0..t.len()).filter_map(|pos| t.row(pos)) {
            if let Some(b) = c.per_server.get(&s.id) {
                total = total + b.total();
                incomplete += usize::from(!b.missing.is_empty());
            }
        }
        let partial = if incomplete > 0 { format!(", {incomplete} without a full price") } else { String::new() };
        let of = if t.len() == t.total() { String::new() } else { format!(" for the {} listed", t.len()) };
        title.push(Span::styled(
            format!("{}/month gross ({} net){of}{partial} ", money(state, total), crate::hetzner::cost::fmt(total.net)),
            st.get(Slot::Info),
        ));
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
        let msg = if let Some(e) = &load.error {
            Line::from(Span::styled(format!("Could not load servers: {e}"), st.get(Slot::Error)))
        } else if state.world.contexts.hetzner.is_none() {
            Line::from(Span::styled(
                "No Hetzner context: set HCLOUD_TOKEN, add a context with `hcloud context create`, or run `cutover demo`.",
                st.get(Slot::Warn),
            ))
        } else if let Some(w) = state.world.wait_text("Hetzner") {
            Line::from(Span::styled(format!("Loading servers... {w}"), st.get(Slot::Warn)))
        } else if load.loading {
            Line::from(Span::styled("Loading servers...", st.get(Slot::Pending)))
        } else {
            Line::from(Span::styled("This project has no servers.", st.get(Slot::Muted)))
        };
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), inner);
        return;
    }
    let extra = [
        super::table::Extra {
            title: "",
            width: 1,
            cell: Box::new(|s: &std::sync::Arc<Server>| {
                if s.server_type.deprecation_in(&s.location.name).is_some() {
                    (g.warn.to_string(), Slot::Warn)
                } else {
                    (String::new(), Slot::Text)
                }
            }),
        },
        super::table::Extra {
            title: "/MONTH",
            width: 9,
            cell: Box::new(|s: &std::sync::Arc<Server>| match state.world.costs.as_ref().and_then(|c| c.per_server.get(&s.id)) {
                Some(b) => (crate::hetzner::cost::fmt(b.total().gross), if b.missing.is_empty() { Slot::Text } else { Slot::Warn }),
                None => ("-".into(), Slot::Muted),
            }),
        },
    ];
    super::table::draw_with(
        f,
        inner,
        state,
        g,
        t,
        |s: &std::sync::Arc<Server>, col| match col {
            1 => Some(status_slot(&s.status)),
            2 if s.server_type.deprecation_in(&s.location.name).is_some() => Some(Slot::Warn),
            _ => None,
        },
        &extra,
    );
}

fn kv<'a>(state: &State, k: &'a str, v: String) -> Line<'a> {
    let st = &state.styles;
    Line::from(vec![Span::styled(format!("{k:>14}  "), st.get(Slot::Muted)), Span::styled(v, st.get(Slot::Text))])
}

fn detail(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let p = &state.panes.servers;
    let Some(s) = p.detail.and_then(|id| state.world.server(id)) else { return };
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
            "private",
            if s.private_net.is_empty() {
                "no private network".into()
            } else {
                // A network's name when `:networks` has loaded them, else its id.
                let name = |id: i64| {
                    state.world.networks.as_ref().and_then(|ns| ns.iter().find(|n| n.id == id)).map(|n| n.name.clone()).unwrap_or_else(|| id.to_string())
                };
                s.private_net.iter().map(|p| format!("{} on {}", p.ip, name(p.network))).collect::<Vec<_>>().join(", ")
            },
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
    let mut cost_lines = Vec::new();
    match state.world.costs.as_ref().and_then(|c| c.per_server.get(&s.id)) {
        Some(b) => {
            let parts: Vec<String> =
                [("server", b.server), ("IPv4", b.ipv4), ("IPv6", b.ipv6), ("backups", b.backups), ("volumes", b.volumes)]
                    .iter()
                    .filter(|(_, m)| !m.gross.is_zero())
                    .map(|(n, m)| format!("{n} {}", crate::hetzner::cost::fmt(m.gross)))
                    .collect();
            cost_lines.push(kv(
                state,
                "per month",
                format!("{} gross, {} net = {}", money(state, b.total()), crate::hetzner::cost::fmt(b.total().net), parts.join(" + ")),
            ));
            if !b.missing.is_empty() {
                cost_lines.push(Line::from(Span::styled(format!("{:>14}  no price for {}", "", b.missing.join(", ")), st.get(Slot::Warn))));
            }
        }
        None => cost_lines.push(kv(state, "per month", "prices not loaded".into())),
    }
    // The cost right under the type, where it matters when choosing.
    let at = lines.iter().position(|l| l.spans.first().is_some_and(|s| s.content.contains("location"))).unwrap_or(lines.len());
    for (i, l) in cost_lines.into_iter().enumerate() {
        lines.insert(at + i, l);
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let spark_h = if p.metrics.as_ref().is_some_and(|(id, _)| *id == s.id) { 3 } else { 1 };
    let [text_area, chart_area] =
        ratatui::layout::Layout::vertical([ratatui::layout::Constraint::Min(3), ratatui::layout::Constraint::Length(spark_h)]).areas(inner);
    f.render_widget(Paragraph::new(lines).scroll((p.detail_scroll, 0)), text_area);
    metrics(f, chart_area, state, p, s.id, g);
}

/// CPU and network over the last 24 hours as sparklines.
fn metrics(f: &mut Frame, area: Rect, state: &State, p: &crate::app::panes::servers::ServersPane, id: i64, g: &Glyphs) {
    use ratatui::widgets::Sparkline;
    let st = &state.styles;
    let Some((_, m)) = p.metrics.as_ref().filter(|(mid, _)| *mid == id) else {
        f.render_widget(Paragraph::new(Span::styled("  loading metrics...", st.get(Slot::Pending))), area);
        return;
    };
    let series = |k: &str| -> Vec<u64> {
        m.time_series
            .get(k)
            .map(|s| s.values.iter().map(|(_, v)| v.parse::<f64>().unwrap_or(0.0).max(0.0) as u64).collect())
            .unwrap_or_default()
    };
    let rows = ratatui::layout::Layout::vertical([ratatui::layout::Constraint::Length(1); 3]).split(area);
    let specs = [("cpu %", "cpu", 1.0), ("net in kB/s", "network.0.bandwidth.in", 1000.0), ("net out kB/s", "network.0.bandwidth.out", 1000.0)];
    // The labels first, as wide as the widest needs: a label never runs into its graph.
    let labelled: Vec<(String, Vec<u64>)> = specs
        .iter()
        .map(|(label, key, unit)| {
            let data = series(key);
            let last = data.last().copied().unwrap_or(0) as f64 / unit;
            let max = data.iter().copied().max().unwrap_or(0) as f64 / unit;
            (format!("{label:>12} {last:>5.0} ({max:.0}) "), data)
        })
        .collect();
    let label_w = labelled.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0) as u16;
    let width = area.width.saturating_sub(label_w).max(1) as usize;
    for (i, (label, data)) in labelled.into_iter().enumerate() {
        // The whole day whatever the width, on the day's scale: each column the
        // highest of the samples it covers.
        let day_max = data.iter().copied().max().unwrap_or(0);
        let shown = squeeze(&data, width);
        let [l, r] = ratatui::layout::Layout::horizontal([ratatui::layout::Constraint::Length(label_w), ratatui::layout::Constraint::Min(1)])
            .areas(rows[i]);
        f.render_widget(Paragraph::new(Span::styled(label, st.get(Slot::Muted))), l);
        f.render_widget(Sparkline::default().data(&shown).max(day_max.max(1)).bar_set(g.bars.clone()).style(st.get(Slot::Info)), r);
    }
}

/// `data` in at most `width` columns, each the highest of the samples it covers.
pub fn squeeze(data: &[u64], width: usize) -> Vec<u64> {
    if data.len() <= width || width == 0 {
        return data.to_vec();
    }
    (0..width)
        .map(|c| {
            let (from, to) = (c * data.len() / width, ((c + 1) * data.len() / width).max(c * data.len() / width + 1));
            data[from..to.min(data.len())].iter().copied().max().unwrap_or(0)
        })
        .collect()
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

#[cfg(test)]
mod squeeze_tests {
    use super::squeeze;

    /// The day's peak shows whatever the width; a narrow graph still covers the day.
    #[test]
    fn the_graph_keeps_the_days_peak_at_any_width() {
        let mut day: Vec<u64> = (0..288).map(|i| i % 7).collect();
        day[3] = 90;
        day[280] = 60;
        for w in [10, 50, 100, 287] {
            let s = squeeze(&day, w);
            assert_eq!(s.len(), w);
            assert_eq!(s.iter().max(), Some(&90), "width {w}");
            assert!(s[..w / 10 + 1].contains(&90), "the early peak stays early (width {w})");
            assert!(s[w - w / 10 - 1..].contains(&60), "the late one late (width {w})");
        }
        assert_eq!(squeeze(&day, 300), day, "room for every sample: all of them");
    }
}
