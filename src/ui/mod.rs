//! Drawing only: reads State, never changes it. One file per pane plus the chrome.

pub mod chrome;
pub mod dialog;
pub mod glyphs;
pub mod help;
pub mod modal;
pub mod table;

use crate::app::state::Overlay;
use crate::app::{PaneId, State};
use glyphs::Glyphs;
use ratatui::layout::Rect;

/// One module per pane, named as in the registry, each with a `draw`.
macro_rules! pane_views {
    ($($id:ident $module:ident $ty:ident;)*) => {
        $(pub mod $module;)*

        fn draw_pane(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
            match state.pane {
                $(PaneId::$id => $module::draw(f, area, state, g),)*
            }
        }
    };
}

crate::app::panes::for_each_pane!(pane_views);
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
    draw_pane(f, body, state, g);
    match state.overlay {
        Some(Overlay::Help { scroll }) => help::draw(f, body, state, g, scroll),
        Some(Overlay::Messages { scroll }) => help::messages(f, body, state, g, scroll),
        None => {}
    }
    chrome::status(f, status, state, g);
    dialog::draw(f, body, state, g);
    modal::draw(f, body, state, g);
}
