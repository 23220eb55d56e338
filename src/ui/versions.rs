//! The version inventory: Python, Django and packages of every application,
//! and the backup health of its database.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::versions::{Probe, VRow};
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let v = &state.panes.versions;
    let t = &v.table;
    let probing = v.probes.values().filter(|p| **p == Probe::Running).count();
    let mut title =
        vec![Span::styled(" Version inventory ", st.get(Slot::Title)), Span::styled(format!("({}) ", t.total()), st.get(Slot::Muted))];
    if probing > 0 {
        title.push(Span::styled(format!("probing {probing} container(s) over SSH {} ", g.ellipsis), st.get(Slot::Pending)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    let b = super::deployments::block(
        state,
        g,
        title,
        &[(Command::Refresh, "probe again"), (Command::ExportInventory, "export"), (Command::Open, "why ?"), (Command::Back, "back")],
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    super::table::draw(f, inner, state, g, t, |r: &VRow, col| match col {
        2 | 3 if !r.probe.is_empty() && r.probe != "probing" => Some(Slot::Warn),
        5 => Some(if r.backup.contains("FAILED") {
            Slot::Error
        } else if r.backup.contains("overdue") || r.backup.contains("no backup") || r.backup.contains("disabled") {
            Slot::Warn
        } else if r.backup == "-" {
            Slot::Muted
        } else {
            Slot::Ok
        }),
        _ => None,
    });
}
