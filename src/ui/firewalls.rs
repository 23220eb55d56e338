//! The Firewalls view of the Servers pane: firewalls, then one firewall's rules
//! (staged edits marked until written).

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::firewalls::rule_line;
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let fw = &state.panes.firewalls;
    let (title, body, cmds): (String, Vec<Line>, Vec<(Command, &str)>) = match fw.open {
        None => {
            let mut lines = Vec::new();
            if fw.table.is_empty() {
                lines.push(Line::from(Span::styled(
                    if fw.loaded { "No firewalls in this project." } else { "Loading firewalls..." },
                    st.get(Slot::Muted),
                )));
            }
            let h = area.height.saturating_sub(2) as usize;
            for (i, x) in fw.table.visible(h) {
                let applied: Vec<String> = x
                    .applied_to
                    .iter()
                    .map(|a| match (&a.server, &a.label_selector) {
                        (Some(s), _) => state.world.server(s.id).map(|v| v.name.clone()).unwrap_or_else(|| format!("server {}", s.id)),
                        (_, Some(l)) => format!("{} ({} servers)", l.selector, a.applied_to_resources.len()),
                        _ => a.kind.clone(),
                    })
                    .collect();
                let sel = i == fw.table.cursor;
                let marker = if sel { g.cursor } else { " " };
                let staged = if fw.staged.as_ref().is_some_and(|(id, _)| *id == x.id) { " (staged changes)" } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(marker, st.get(Slot::Selection)),
                    Span::styled(format!(" {:<20}", x.name), if sel { st.get(Slot::Selection) } else { st.get(Slot::Text) }),
                    Span::styled(format!(" {:>2} rules  ", x.rules.len()), st.get(Slot::Muted)),
                    Span::styled(
                        if applied.is_empty() { "not applied".to_string() } else { format!("on {}", applied.join(", ")) },
                        st.get(Slot::Text),
                    ),
                    Span::styled(staged, st.get(Slot::Warn)),
                ]));
            }
            (
                " Firewalls ".into(),
                lines,
                vec![(Command::Open, "rules"), (Command::NewFirewall, "new"), (Command::Back, "servers"), (Command::Refresh, "reload"), (Command::Help, "help")],
            )
        }
        Some(_) => {
            let Some(x) = fw.selected() else { return };
            let rules = fw.rules();
            let staged = fw.staged.as_ref().is_some_and(|(id, _)| *id == x.id);
            let mut lines = vec![Line::from(Span::styled(
                format!("  {:<3} {:<4} {:<11} {}", "DIR", "PROT", "PORT", "ADDRESSES"),
                st.get(Slot::TableHeader),
            ))];
            let h = area.height.saturating_sub(3) as usize;
            for (i, r) in rules.iter().enumerate().skip(fw.rules_cursor.offset).take(h) {
                let sel = i == fw.rules_cursor.pos;
                let changed = staged && !x.rules.contains(r);
                let mark = if changed { "+" } else { " " };
                lines.push(Line::from(vec![
                    Span::styled(if sel { g.cursor } else { " " }, st.get(Slot::Selection)),
                    Span::styled(mark, st.get(Slot::Warn)),
                    Span::styled(
                        rule_line(r),
                        if sel {
                            st.get(Slot::Selection)
                        } else if changed {
                            st.get(Slot::Warn)
                        } else {
                            st.get(Slot::Text)
                        },
                    ),
                ]));
            }
            if rules.is_empty() {
                lines.push(Line::from(Span::styled("  no rules: all inbound traffic is dropped", st.get(Slot::Warn))));
            }
            if staged {
                lines.push(Line::from(""));
                lines.push(Line::from(Span::styled(
                    "  Staged, not written: W shows the full rule set and writes it; u drops the changes.",
                    st.get(Slot::Warn),
                )));
            }
            (
                format!(" Firewall {} ", x.name),
                lines,
                vec![
                    (Command::AddRule, "add"),
                    (Command::EditRule, "edit"),
                    (Command::RemoveRule, "remove"),
                    (Command::AllowMyIp, "my IP only"),
                    (Command::DbFromServer, "db from server"),
                    (Command::WriteRules, "write"),
                    (Command::Back, "back"),
                ],
            )
        }
    };
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(title, st.get(Slot::Title)))
        .title_bottom(hints(state, &cmds));
    f.render_widget(Paragraph::new(body).block(block), area);
}
