//! A question from a background job (host key, passphrase, password).

use super::glyphs::Glyphs;
use crate::app::State;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let Some(m) = state.modals.first() else { return };
    let st = &state.styles;
    let w = area.width.saturating_sub(4).min(90);
    let [popup] = Layout::horizontal([Constraint::Length(w)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(9)]).flex(Flex::Center).areas(popup);
    f.render_widget(Clear, popup);
    let more = if state.modals.len() > 1 { format!(" (+{} more)", state.modals.len() - 1) } else { String::new() };
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Danger))
        .title(Span::styled(format!(" SSH needs an answer{more} "), st.get(Slot::Title)))
        .title_bottom(Line::from(Span::styled(" <Enter> answer  <Esc> refuse ", st.get(Slot::Muted))));
    let shown: String =
        if m.masked() { m.input.text.chars().map(|_| if state.ascii { '*' } else { '•' }).collect() } else { m.input.text.clone() };
    let lines = vec![
        Line::from(Span::styled(m.question.text(), st.get(Slot::Text))),
        Line::from(""),
        Line::from(vec![Span::styled("> ", st.get(Slot::Prompt)), Span::styled(shown, st.get(Slot::Text))]),
    ];
    let inner = block.inner(popup);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), popup);
    // The cursor sits after the answer (the last line of the wrapped text).
    let _ = inner;
}
