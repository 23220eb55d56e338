//! Drawing only: reads State, never changes it. One file per pane plus the chrome.

pub mod checklist;
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
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::Block;

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
        Pane::Checklist => checklist::draw(f, body, state, g),
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
