//! The DNS pane: zones with delegation status, then a zone's RRSets.

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::hetzner::model::{Rrset, Zone};
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

const LEGACY: &str = "A legacy DNS token (dns.hetzner.com) is configured. That API was shut down in May 2026: zones now live in the Hetzner Cloud API, shown here with your Cloud token. Migrate a zone that is not listed from the DNS Console (Zone > Migrate); afterwards remove legacy_dns_token from config.toml.";

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let d = &state.panes.dns;
    let (area, banner) = if state.world.contexts.legacy_dns {
        let [b, a] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
        (a, Some(b))
    } else {
        (area, None)
    };
    if let Some(b) = banner {
        f.render_widget(Paragraph::new(Span::styled(LEGACY, st.get(Slot::Warn))).wrap(Wrap { trim: true }), b);
    }
    match &d.zone {
        None => {
            let block = Block::bordered()
                .border_set(g.border)
                .border_style(st.get(Slot::Focus))
                .title(Line::from(vec![
                    Span::styled(" DNS zones ", st.get(Slot::Title)),
                    Span::styled(format!("({}) ", d.zones.total()), st.get(Slot::Muted)),
                ]))
                .title_bottom(hints(
                    state,
                    &[
                        (Command::Open, "records"),
                        (Command::Filter, "filter"),
                        (Command::ExportZone, "export"),
                        (Command::ImportZone, "import"),
                        (Command::Help, "help"),
                    ],
                ));
            let inner = block.inner(area);
            f.render_widget(block, area);
            if d.zones.total() == 0 {
                let msg = match (&state.world.zones.error, state.world.contexts.hetzner.is_some()) {
                    (Some(e), _) => Span::styled(format!("Could not load zones: {e}"), st.get(Slot::Error)),
                    (None, false) => Span::styled("No Hetzner context.", st.get(Slot::Warn)),
                    (None, true) => Span::styled("Loading zones (or this project has none)...", st.get(Slot::Muted)),
                };
                f.render_widget(Paragraph::new(msg), inner);
                return;
            }
            super::table::draw(f, inner, state, g, &d.zones, |z: &Zone, col| match col {
                1 if z.status != "ok" => Some(Slot::Warn),
                4 => Some(match z.authoritative_nameservers.as_ref().map(|n| n.delegation_status.as_str()) {
                    Some("valid") => Slot::Ok,
                    Some("partially-valid") => Slot::Warn,
                    _ => Slot::Error,
                }),
                _ => None,
            });
        }
        Some(zone) => {
            let zone = zone.clone();
            let z = d.zones.items().iter().find(|z| z.name == zone);
            let deleg = z.and_then(|z| z.authoritative_nameservers.as_ref()).map(|n| n.delegation_status.clone()).unwrap_or_default();
            let mut title = vec![
                Span::styled(format!(" {zone} "), st.get(Slot::Title)),
                Span::styled(format!("({} RRSets) ", d.rrsets.len()), st.get(Slot::Muted)),
            ];
            if let Some(z) = z {
                title.push(Span::styled(format!("default TTL {} ", z.ttl), st.get(Slot::Muted)));
            }
            title.push(Span::styled(format!("delegation {deleg} "), st.get(if deleg == "valid" { Slot::Ok } else { Slot::Warn })));
            if let Some(flt) = d.rrsets.filter() {
                title.push(Span::styled(format!("/{} ", flt.source), st.get(Slot::Prompt)));
            }
            let block =
                Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(hints(
                    state,
                    &[
                        (Command::AddRecord, "add"),
                        (Command::EditRecord, "edit"),
                        (Command::RecordTtl, "ttl"),
                        (Command::DeleteRecord, "delete"),
                        (Command::PointName, "point at server"),
                        (Command::ExportZone, "export"),
                        (Command::Back, "zones"),
                    ],
                ));
            let inner = block.inner(area);
            f.render_widget(block, area);
            super::table::draw(f, inner, state, g, &d.rrsets, |r: &Rrset, col| match col {
                4 if r.protection.change => Some(Slot::Warn),
                1 => Some(Slot::Info),
                _ => None,
            });
        }
    }
}
