//! Primary IPs: the server each is assigned to, its price; those assigned to
//! nothing are billed all the same.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::primary_ips::IpRow;
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let t = &state.panes.primary_ips.table;
    let free = t.items().iter().filter(|r| r.server_id.is_none()).count();
    let mut title = vec![Span::styled(" Primary IPs ", st.get(Slot::Title)), Span::styled(format!("({}) ", t.total()), st.get(Slot::Muted))];
    if free > 0 {
        title.push(Span::styled(format!("{free} assigned to nothing (still billed) "), st.get(Slot::Warn)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    let b = Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(super::chrome::hints(
        state,
        &[(Command::ServerMenu, "assign/unassign"), (Command::Refresh, "reload"), (Command::Back, "back")],
    ));
    let inner = b.inner(area);
    f.render_widget(b, area);
    if state.world.primary_ips.is_none() {
        f.render_widget(Paragraph::new(Span::styled("Loading primary IPs...", st.get(Slot::Muted))), inner);
        return;
    }
    super::table::draw(f, inner, state, g, t, |r: &IpRow, col| match col {
        1 if r.server_id.is_none() => Some(Slot::Warn),
        _ => None,
    });
}
