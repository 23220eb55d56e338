//! `?`: the keys of the current view, read from the active keymap (the same table
//! that dispatches them), and the command-mode commands.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::help::{self, HelpLine};
use crate::app::update::view_scopes;
use crate::input::Scope;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// The help of `scopes`, styled, laid out `width` columns wide (the layout is
/// the app's: `app::help`).
pub fn lines(state: &State, scopes: &[Scope], width: usize) -> Vec<Line<'static>> {
    let st = &state.styles;
    help::lines(state, scopes, width)
        .into_iter()
        .map(|l| match l {
            HelpLine::Title(t) => Line::from(Span::styled(t, st.get(Slot::Title))),
            HelpLine::Entry { key, what } => Line::from(vec![Span::styled(key, st.get(Slot::Key)), Span::styled(what, st.get(Slot::Text))]),
            HelpLine::More(t) => Line::from(Span::styled(t, st.get(Slot::Text))),
            HelpLine::Blank => Line::from(""),
            HelpLine::Footer(t) => Line::from(Span::styled(t, st.get(Slot::Muted))),
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs, scroll: u16) {
    let st = &state.styles;
    // Help describes the view beneath it.
    let (inner_w, _) = help::inner(state.size);
    let body = lines(state, &view_scopes(state), inner_w);
    let w = area.width.saturating_sub(4).min(100);
    let h = area.height.saturating_sub(2);
    let [popup] = Layout::horizontal([Constraint::Length(w)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(h)]).flex(Flex::Center).areas(popup);
    f.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(" Help ", st.get(Slot::Title)))
        .title_bottom(Line::from(Span::styled(" j/k scroll  g/G top/end  <Esc> close ", st.get(Slot::Muted))));
    f.render_widget(Paragraph::new(body).block(block).scroll((scroll, 0)), popup);
}

/// `:messages`: the status messages of this run, newest first, in full.
pub fn messages(f: &mut Frame, area: Rect, state: &State, g: &Glyphs, scroll: u16) {
    let st = &state.styles;
    let body: Vec<Line> = state
        .message_log
        .iter()
        .rev()
        .map(|(t, m)| {
            let (tag, slot) = match m.level {
                crate::app::Level::Error => ("error", Slot::Error),
                crate::app::Level::Warn => ("warning", Slot::Warn),
                crate::app::Level::Ok => ("ok", Slot::Ok),
                crate::app::Level::Info => ("info", Slot::Info),
            };
            Line::from(vec![
                Span::styled(format!("{t} "), st.get(Slot::Muted)),
                Span::styled(format!("{tag:<8}"), st.get(slot)),
                Span::styled(m.text.clone(), st.get(Slot::Text)),
            ])
        })
        .collect();
    let w = area.width.saturating_sub(4).min(140);
    let h = area.height.saturating_sub(2);
    let [popup] = Layout::horizontal([Constraint::Length(w)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(h)]).flex(Flex::Center).areas(popup);
    f.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(" Messages ", st.get(Slot::Title)))
        .title_bottom(Line::from(Span::styled(" j/k scroll  <Esc> close ", st.get(Slot::Muted))));
    f.render_widget(Paragraph::new(body).wrap(ratatui::widgets::Wrap { trim: false }).block(block).scroll((scroll, 0)), popup);
}
