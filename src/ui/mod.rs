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
    let g = glyphs::pick(state.ascii, state.square_corners);
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
    chrome::candidates(f, body, state);
    chrome::status(f, status, state, g);
    dialog::draw(f, body, state, g);
    modal::draw(f, body, state, g);
    if state.ascii {
        ascii_only(f.buffer_mut());
    }
}

/// With `--ascii` (or a locale that is not UTF-8) not one byte of the frame is
/// outside ASCII: what cutover draws has ASCII glyphs already; what is left
/// (remote text, names) is mapped here, a wide character to `?` and a space.
fn ascii_only(buf: &mut ratatui::buffer::Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let sym = buf[(x, y)].symbol();
            if sym.is_ascii() {
                x += 1;
                continue;
            }
            let wide = unicode_width::UnicodeWidthStr::width(sym) > 1;
            let mapped: String = sym
                .chars()
                .filter(|c| unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0) > 0)
                .map(|c| match c {
                    '…' => '.',
                    '─' | '━' | '–' | '—' => '-',
                    '│' | '┃' => '|',
                    '‘' | '’' => '\'',
                    '“' | '”' => '"',
                    c if c.is_ascii() => c,
                    _ => '?',
                })
                .take(1)
                .collect();
            buf[(x, y)].set_symbol(if mapped.is_empty() { " " } else { &mapped });
            if wide && x + 1 < area.right() {
                buf[(x + 1, y)].set_symbol(" ");
                x += 1;
            }
            x += 1;
        }
    }
}
