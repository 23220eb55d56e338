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
                        (Command::NewZone, "new"),
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
            // A zone not (yet) delegated says what the registrar must be told.
            let delegation = d.zones.selected().and_then(|z| {
                let ns = z.authoritative_nameservers.as_ref()?;
                (ns.delegation_status != "valid" && !ns.assigned.is_empty()).then(|| {
                    let now = if ns.delegated.is_empty() { String::new() } else { format!(" (it names {})", ns.delegated.join(", ")) };
                    format!(
                        "{} delegation {}: at its registrar, set the nameservers to {}{now}",
                        z.name,
                        if ns.delegation_status.is_empty() { "unknown" } else { ns.delegation_status.as_str() },
                        ns.assigned.join(", ")
                    )
                })
            });
            // The note takes two rows of the list: only while the cursor's row
            // stays in what is left (the table's scroll knows the full height).
            let cursor_fits = d.zones.cursor < d.zones.offset + (inner.height as usize).saturating_sub(3);
            let inner = match delegation {
                Some(text) if inner.height > 3 && cursor_fits => {
                    let [list, note] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
                    f.render_widget(Paragraph::new(Span::styled(text, st.get(Slot::Warn))).wrap(Wrap { trim: true }), note);
                    list
                }
                _ => inner,
            };
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
        Some(zone) if d.record.is_some() => record(f, area, state, g, zone),
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

/// One RRSet whole: every value on its own lines, wrapped, TXT also as the text
/// it stands for, with its TTL, protection and comments.
fn record(f: &mut Frame, area: Rect, state: &State, g: &Glyphs, zone: &str) {
    let st = &state.styles;
    let d = &state.panes.dns;
    let Some(r) = d.rrsets.selected() else { return };
    let zone_ttl = d.zones.items().iter().find(|z| z.name == zone).map(|z| z.ttl);
    let fqdn = if r.name == "@" { zone.to_string() } else { format!("{}.{zone}", r.name) };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("TTL         ", st.get(Slot::Muted)),
            Span::styled(
                match (r.ttl, zone_ttl) {
                    (Some(t), _) => format!("{t} s"),
                    (None, Some(z)) => format!("zone default ({z} s)"),
                    (None, None) => "zone default".into(),
                },
                st.get(Slot::Text),
            ),
        ]),
        Line::from(vec![
            Span::styled("protection  ", st.get(Slot::Muted)),
            Span::styled(
                if r.protection.change { "change-protected (lift it in the Hetzner console to edit)" } else { "none" },
                st.get(if r.protection.change { Slot::Warn } else { Slot::Text }),
            ),
        ]),
        Line::from(Span::styled(format!("{} value(s):", r.records.len()), st.get(Slot::Muted))),
    ];
    for (i, v) in r.records.iter().enumerate() {
        lines.push(Line::from(vec![Span::styled(format!("{:>3}. ", i + 1), st.get(Slot::Muted)), Span::styled(v.value.clone(), st.get(Slot::Text))]));
        if r.rtype == "TXT" && v.value.contains('"') {
            let text = crate::dns::records::txt_text(&v.value);
            lines.push(Line::from(vec![
                Span::styled("     text: ", st.get(Slot::Muted)),
                Span::styled(format!("{text} ({} characters)", text.chars().count()), st.get(Slot::Info)),
            ]));
        }
        if let Some(c) = &v.comment {
            lines.push(Line::from(vec![Span::styled("     comment: ", st.get(Slot::Muted)), Span::styled(c.clone(), st.get(Slot::Text))]));
        }
    }
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Line::from(vec![Span::styled(format!(" {fqdn} {} ", r.rtype), st.get(Slot::Title))]))
        .title_bottom(hints(
            state,
            &[(Command::EditRecord, "edit"), (Command::RecordTtl, "ttl"), (Command::DeleteRecord, "delete"), (Command::Back, "back")],
        ));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}
