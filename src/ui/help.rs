//! `?`: the keys of the current view, read from the active keymap (the same table
//! that dispatches them), and the command-mode commands.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::update::view_scopes;
use crate::input::Scope;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn lines(state: &State, view_scopes: &[Scope]) -> Vec<Line<'static>> {
    let st = &state.styles;
    let mut out = Vec::new();
    for scope in view_scopes.iter().copied() {
        out.push(Line::from(Span::styled(format!("{} keys", scope.name()), st.get(Slot::Title))));
        for (cmd, keys) in state.keymap.scope_bindings(scope).into_iter().filter(|(c, _)| !(state.readonly && c.writes())) {
            let keys_text =
                if keys.is_empty() { "(unbound)".to_string() } else { keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ") };
            out.push(Line::from(vec![
                Span::styled(format!("  {keys_text:<18}  "), st.get(Slot::Key)),
                Span::styled(cmd.description().to_string(), st.get(Slot::Text)),
            ]));
        }
        out.push(Line::from(""));
    }
    out.push(Line::from(Span::styled("commands (:)", st.get(Slot::Title))));
    for (c, d) in crate::app::commands::help_lines() {
        out.push(Line::from(vec![Span::styled(format!("  {c:<44}"), st.get(Slot::Key)), Span::styled(d.to_string(), st.get(Slot::Text))]));
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        format!("keymap {}, theme {}, colours {}", state.keymap.name, state.styles.theme, state.depth.name()),
        st.get(Slot::Muted),
    )));
    out
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs, scroll: u16) {
    let st = &state.styles;
    // Help describes the view beneath it.
    let body = lines(state, &view_scopes(state));
    let w = area.width.saturating_sub(4).min(100);
    let h = area.height.saturating_sub(2);
    let [popup] = Layout::horizontal([Constraint::Length(w)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(h)]).flex(Flex::Center).areas(popup);
    f.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(" Help ", st.get(Slot::Title)))
        .title_bottom(Line::from(Span::styled(" j/k scroll  <Esc> close ", st.get(Slot::Muted))));
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
