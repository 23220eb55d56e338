//! `?`: what the help overlay says, laid out for the screen's width here (not
//! in the drawing) so scrolling knows where the end is. Keys and commands come
//! from the same tables that dispatch them.

use super::state::State;
use crate::input::Scope;

/// One screen row of help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelpLine {
    Title(String),
    /// A key (or command) and the start of what it does.
    Entry {
        key: String,
        what: String,
    },
    /// The rest of a description that did not fit beside its key.
    More(String),
    Blank,
    Footer(String),
}

/// The popup's inner width and height for a screen of `size` (the popup is the
/// body, less a margin, at most 100 columns wide).
pub fn inner(size: (u16, u16)) -> (usize, usize) {
    let w = (size.0 as usize).saturating_sub(4).min(100).saturating_sub(2);
    // Header, tabs and status (3), the popup's margin (2) and border (2).
    let h = (size.1 as usize).saturating_sub(7);
    (w.max(10), h.max(1))
}

/// Splits `text` into pieces of at most `width` characters, at spaces when it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let wl = word.chars().count();
        let ll = line.chars().count();
        if ll > 0 && ll + 1 + wl > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        // A single word longer than the line is cut.
        while line.chars().count() > width {
            let cut: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            out.push(cut);
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// One entry: the key in a column of `col`, the description beside it, or
/// below it (indented) when the key is wider than the column; descriptions
/// wrap rather than being cut.
fn entry(out: &mut Vec<HelpLine>, key: String, what: &str, col: usize, width: usize) {
    let indent = 4;
    // On a narrow screen the key column gives way to the description.
    let col = col.min(width / 2);
    if key.chars().count() + 2 <= col {
        let mut parts = wrap(what, width.saturating_sub(col)).into_iter();
        out.push(HelpLine::Entry { key: format!("{key:<col$}"), what: parts.next().unwrap_or_default() });
        out.extend(parts.map(|p| HelpLine::More(format!("{:col$}{p}", ""))));
    } else {
        out.push(HelpLine::Entry { key, what: String::new() });
        out.extend(wrap(what, width.saturating_sub(indent)).into_iter().map(|p| HelpLine::More(format!("{:indent$}{p}", ""))));
    }
}

/// The help for `scopes`, laid out `width` columns wide.
pub fn lines(state: &State, scopes: &[Scope], width: usize) -> Vec<HelpLine> {
    let mut out = Vec::new();
    for scope in scopes.iter().copied() {
        out.push(HelpLine::Title(format!("{} keys", scope.name())));
        for (cmd, keys) in state.keymap.scope_bindings(scope).into_iter().filter(|(c, _)| !(state.readonly && c.writes())) {
            let keys_text =
                if keys.is_empty() { "(unbound)".to_string() } else { keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ") };
            entry(&mut out, format!("  {keys_text}"), cmd.description(), 22, width);
        }
        out.push(HelpLine::Blank);
    }
    out.push(HelpLine::Title("commands (:)".into()));
    let col = if width >= 90 { 46 } else { 30 };
    for (c, d) in super::commands::help_lines() {
        entry(&mut out, format!("  {c}"), d, col, width);
    }
    out.push(HelpLine::Blank);
    let footer = format!("keymap {}, theme {}, colours {}", state.keymap.name, state.styles.theme, state.depth.name());
    out.extend(wrap(&footer, width).into_iter().map(HelpLine::Footer));
    out
}

/// How far the help scrolls: its last row at the bottom of the popup.
pub fn max_scroll(state: &State) -> u16 {
    let (w, h) = inner(state.size);
    let n = lines(state, &super::update::view_scopes(state), w).len();
    n.saturating_sub(h).min(u16::MAX as usize) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_descriptions_wrap_and_wide_keys_put_them_below() {
        let mut out = Vec::new();
        entry(&mut out, "  j".into(), "Move down one row in the list of things shown here, and then some more words", 22, 50);
        assert_eq!(out[0], HelpLine::Entry { key: format!("{:<22}", "  j"), what: "Move down one row in the".into() });
        assert!(out[1..].iter().all(|l| matches!(l, HelpLine::More(t) if t.starts_with(&" ".repeat(22)) && t.len() <= 50)), "{out:?}");
        let mut out = Vec::new();
        entry(&mut out, "  :tail app|db NAME, journal|file|cmd X on HOST".into(), "Open a log tail", 30, 60);
        assert!(matches!(&out[0], HelpLine::Entry { what, .. } if what.is_empty()), "a wide command gets a line of its own");
        assert_eq!(out[1], HelpLine::More("    Open a log tail".into()));
    }

    #[test]
    fn nothing_is_wider_than_the_popup() {
        let themes = crate::theme::Theme::load_all(None).unwrap_or_else(|e| panic!("{e}"));
        let keymap = crate::input::Keymap::builtin("default").unwrap_or_else(|e| panic!("{e}"));
        let st = State::new(keymap, themes, "default", crate::theme::ColorDepth::TrueColor, false, false);
        for width in [20, 60, 76, 98] {
            for l in lines(&st, &[Scope::Global, Scope::List], width) {
                let n = match &l {
                    HelpLine::Title(t) | HelpLine::More(t) | HelpLine::Footer(t) => t.chars().count(),
                    HelpLine::Entry { key, what } => key.chars().count() + what.chars().count(),
                    HelpLine::Blank => 0,
                };
                let key_alone = matches!(&l, HelpLine::Entry { what, .. } if what.is_empty());
                assert!(n <= width || key_alone, "{width}: {l:?}");
            }
        }
    }
}
