//! Volumes: size, monthly cost, the server each is attached to.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::volumes::VolRow;
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let t = &state.panes.volumes.table;
    let detached = t.items().iter().filter(|v| v.server_id.is_none()).count();
    let mut title = vec![Span::styled(" Volumes ", st.get(Slot::Title)), Span::styled(format!("({}) ", t.total()), st.get(Slot::Muted))];
    if detached > 0 {
        title.push(Span::styled(format!("{detached} attached to nothing (still billed) "), st.get(Slot::Warn)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    let b = Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(super::chrome::hints(
        state,
        &[(Command::ServerMenu, "attach/detach/resize"), (Command::Refresh, "reload"), (Command::Back, "back")],
    ));
    let inner = b.inner(area);
    f.render_widget(b, area);
    if state.world.pricing.is_none() {
        f.render_widget(Paragraph::new(Span::styled("Loading volumes...", st.get(Slot::Muted))), inner);
        return;
    }
    super::table::draw(f, inner, state, g, t, |r: &VolRow, col| match col {
        2 if r.server_id.is_none() => Some(Slot::Warn),
        _ => None,
    });
}
