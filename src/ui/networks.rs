//! Networks: the range, the servers on each with their private addresses.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let t = &state.panes.networks.table;
    let mut title = vec![Span::styled(" Networks ", st.get(Slot::Title)), Span::styled(format!("({}) ", t.total()), st.get(Slot::Muted))];
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    let b = Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(super::chrome::hints(
        state,
        &[(Command::ServerMenu, "attach/detach"), (Command::NewServer, "new network"), (Command::Refresh, "reload"), (Command::Back, "back")],
    ));
    let inner = b.inner(area);
    f.render_widget(b, area);
    if state.world.networks.is_none() {
        f.render_widget(Paragraph::new(Span::styled("Loading networks...", st.get(Slot::Muted))), inner);
        return;
    }
    super::table::draw(f, inner, state, g, t, |_, _| None);
}
