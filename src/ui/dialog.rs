//! Menus, forms (with an error under each bad field) and confirmations (the
//! preview as a diff, the context named, a typed name for destructive ones).

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::dialog::Dialog;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))]).flex(Flex::Center).areas(area);
    let [r] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(r);
    r
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let Some((_, d)) = &state.dialog else { return };
    let st = &state.styles;
    let w = area.width.saturating_sub(4).min(100);
    // The line that must stay in view when the popup is too small: the cursor
    // item, the focused field, or the confirmation prompt at the end.
    let mut anchor = usize::MAX;
    let (title, lines, foot, danger): (String, Vec<Line>, &str, bool) = match d {
        Dialog::Menu(m) => {
            anchor = m.cursor;
            let lines = m
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    let sel = i == m.cursor;
                    Line::from(vec![
                        Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, st.get(Slot::Selection)),
                        Span::styled(format!("{} {:<14}", i + 1, it.label), if sel { st.get(Slot::Selection) } else { st.get(Slot::Text) }),
                        Span::styled(format!(" {}", it.detail), st.get(Slot::Muted)),
                    ])
                })
                .collect();
            (m.title.clone(), lines, " <Enter> choose  1-9 pick  <Esc> cancel ", false)
        }
        Dialog::Form(form) => {
            let mut lines: Vec<Line> = form.note.iter().map(|n| Line::from(Span::styled(n.clone(), st.get(Slot::Muted)))).collect();
            if !lines.is_empty() {
                lines.push(Line::from(""));
            }
            for (i, fld) in form.fields.iter().enumerate() {
                let focus = i == form.focus;
                if focus {
                    anchor = lines.len() + usize::from(fld.error.is_some());
                }
                lines.push(Line::from(vec![
                    Span::styled(if focus { format!("{} ", g.cursor) } else { "  ".into() }, st.get(Slot::Prompt)),
                    Span::styled(format!("{:>12}: ", fld.label), if focus { st.get(Slot::Prompt) } else { st.get(Slot::Muted) }),
                    Span::styled(fld.input.text.clone(), st.get(Slot::Text)),
                    Span::styled(
                        if fld.input.text.is_empty() && !fld.hint.is_empty() { format!("  {}", fld.hint) } else { String::new() },
                        st.get(Slot::Muted),
                    ),
                ]));
                if let Some(e) = &fld.error {
                    lines.push(Line::from(Span::styled(format!("{:>16}{} {e}", "", g.warn), st.get(Slot::Error))));
                }
            }
            if let Some(e) = &form.error {
                lines.push(Line::from(Span::styled(format!("{} {e}", g.warn), st.get(Slot::Error))));
            }
            (form.title.clone(), lines, " <Enter> check & preview  <Tab>/<Up>/<Down> field  <Esc> cancel ", false)
        }
        Dialog::Confirm(c) => {
            let mut lines: Vec<Line> = c
                .lines
                .iter()
                .map(|l| {
                    let slot = match l.chars().next() {
                        Some('+') => Slot::Ok,
                        Some('-') => Slot::Error,
                        Some('~') => Slot::Warn,
                        _ => Slot::Text,
                    };
                    Line::from(Span::styled(l.clone(), st.get(slot)))
                })
                .collect();
            lines.push(Line::from(""));
            if let Some(wn) = &c.warning {
                lines.push(Line::from(Span::styled(format!("{} {wn}", g.warn), st.get(Slot::Warn))));
            }
            lines.push(Line::from(vec![
                Span::styled("Context: ", st.get(Slot::Muted)),
                Span::styled(c.context.clone(), st.get(Slot::Context)),
            ]));
            match &c.require {
                Some(name) => lines.push(Line::from(vec![
                    Span::styled("Type ", st.get(Slot::Text)),
                    Span::styled(name.clone(), st.get(Slot::Danger)),
                    Span::styled(" to confirm: ", st.get(Slot::Text)),
                    Span::styled(c.input.text.clone(), st.get(Slot::Prompt)),
                ])),
                None => lines.push(Line::from(Span::styled("y to go ahead, n or <Esc> to cancel", st.get(Slot::Text)))),
            }
            if let Some(e) = &c.error {
                lines.push(Line::from(Span::styled(e.clone(), st.get(Slot::Error))));
            }
            (c.title.clone(), lines, " <Enter> confirm  <Esc> cancel ", c.require.is_some())
        }
    };
    // Rows after wrapping, so nothing falls off the bottom of the popup.
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner_w).max(1)).sum();
    let h = (rows as u16 + 2).min(area.height);
    let visible = h.saturating_sub(2) as usize;
    let anchor_end: usize = lines.iter().take(anchor.saturating_add(1).min(lines.len())).map(|l| l.width().div_ceil(inner_w).max(1)).sum();
    let scroll = anchor_end.saturating_sub(visible) as u16;
    let r = popup(area, w, h.max(5));
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(if danger { Slot::Danger } else { Slot::Focus }))
        .title(Span::styled(format!(" {title} "), st.get(Slot::Title)))
        .title_bottom(Line::from(Span::styled(foot, st.get(Slot::Muted))));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)).block(block), r);
}
