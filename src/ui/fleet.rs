//! Fleet checks: every site's HTTP status, certificate, DNS, database,
//! backup health and last restore drill, problems first.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::fleet::{Check, FRow, TLS_WARN_DAYS};
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let p = &state.panes.fleet;
    let t = &p.table;
    let running = p.checks.values().filter(|c| **c == Check::Running).count();
    let bad = t.items().iter().filter(|r| r.bad).count();
    let mut title = vec![Span::styled(" Fleet checks ", st.get(Slot::Title)), Span::styled(format!("({} sites) ", t.total()), st.get(Slot::Muted))];
    if running > 0 {
        title.push(Span::styled(format!("checking {running} {} ", g.ellipsis), st.get(Slot::Pending)));
    } else if bad > 0 {
        title.push(Span::styled(format!("{} {bad} need a look ", g.warn), st.get(Slot::Warn)));
    } else if t.total() > 0 {
        title.push(Span::styled("all good ", st.get(Slot::Ok)));
    }
    if let Some(at) = p.checked_at {
        title.push(Span::styled(format!("at {} ", at.with_timezone(&chrono::Local).format("%H:%M:%S")), st.get(Slot::Muted)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    let b = super::deployments::block(state, g, title, &[(Command::Refresh, "check again"), (Command::Open, "why ?"), (Command::Back, "back")]);
    let inner = b.inner(area);
    f.render_widget(b, area);
    super::table::draw(f, inner, state, g, t, |r: &FRow, col| match col {
        0 if r.bad => Some(Slot::Warn),
        1 => Some(match r.http.parse::<u16>() {
            Ok(s) if s < 400 => Slot::Ok,
            Ok(_) => Slot::Error,
            Err(_) if r.http == "…" => Slot::Muted,
            Err(_) => Slot::Error,
        }),
        2 => Some(match r.tls.trim_end_matches('d').parse::<i64>() {
            Ok(d) if d < TLS_WARN_DAYS => Slot::Error,
            Ok(_) => Slot::Ok,
            Err(_) => Slot::Muted,
        }),
        3 if r.dns.contains("resolvers:") || r.dns == "ERR" => Some(Slot::Warn),
        5 if r.backup.contains("FAILED") => Some(Slot::Error),
        5 if r.backup.contains("overdue") || r.backup.contains("no backup") => Some(Slot::Warn),
        6 if r.drill.starts_with("FAILED") => Some(Slot::Error),
        6 if r.drill == "never" => Some(Slot::Warn),
        6 if r.drill.starts_with("passed") => Some(Slot::Ok),
        _ => None,
    });
}
