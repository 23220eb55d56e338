//! Drawing only: reads State, never changes it. One file per pane plus the chrome.

pub mod chrome;
pub mod databases;
pub mod deployments;
pub mod dialog;
pub mod dns;
pub mod firewalls;
pub mod glyphs;
pub mod help;
pub mod logs;
pub mod modal;
pub mod servers;
pub mod table;

use crate::app::state::Overlay;
use crate::app::{Pane, State};
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(f: &mut Frame, state: &State) {
    let g = glyphs::for_ascii(state.ascii);
    let area = f.area();
    // Paint the text style everywhere first, so a theme's background covers the screen.
    f.render_widget(Block::default().style(state.styles.get(Slot::Text)), area);
    let [header, tabs, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(area);
    chrome::header(f, header, state, g);
    chrome::tabs(f, tabs, state);
    match state.pane {
        Pane::Servers => servers::draw(f, body, state, g),
        Pane::Logs => logs::draw(f, body, state, g),
        Pane::Dns => dns::draw(f, body, state, g),
        Pane::Deployments => deployments::draw(f, body, state, g),
        Pane::Databases => databases::draw(f, body, state, g),
        other => placeholder(f, body, state, g, other),
    }
    match state.overlay {
        Some(Overlay::Help { scroll }) => help::draw(f, body, state, g, scroll),
        Some(Overlay::Messages { scroll }) => help::messages(f, body, state, g, scroll),
        None => {}
    }
    chrome::status(f, status, state, g);
    dialog::draw(f, body, state, g);
    modal::draw(f, body, state, g);
}

fn placeholder(f: &mut Frame, area: Rect, state: &State, g: &glyphs::Glyphs, pane: Pane) {
    let st = &state.styles;
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(format!(" {} ", pane.title()), st.get(Slot::Title)));
    let text = pane.not_built().unwrap_or("");
    f.render_widget(Paragraph::new(Line::from(Span::styled(text, st.get(Slot::Muted)))).wrap(Wrap { trim: true }).block(block), area);
}
