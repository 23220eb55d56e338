//! One key notation for keymaps and playbooks: `j`, `G`, `<Enter>`, `<C-r>`, `<A-x>`,
//! `<S-Tab>`, `<F5>`, `<lt>` (a literal `<`), `<Space>`.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::fmt;

/// A key press, normalised so that the same key typed, read from a keymap or
/// injected by a playbook compares equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        Key { code, mods }.normalised()
    }

    pub const fn plain(c: char) -> Self {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// Shift is folded into the character for printable keys (`G`, not `<S-g>`),
    /// and `<S-Tab>` is the same key as `<BackTab>`.
    const fn normalised(mut self) -> Self {
        match self.code {
            KeyCode::Char(c) if c.is_ascii_lowercase() && self.mods.contains(KeyModifiers::SHIFT) => {
                self.code = KeyCode::Char(c.to_ascii_uppercase());
                self.mods = self.mods.difference(KeyModifiers::SHIFT);
            }
            KeyCode::Char(_) => {
                self.mods = self.mods.difference(KeyModifiers::SHIFT);
            }
            KeyCode::BackTab => {
                self.mods = self.mods.difference(KeyModifiers::SHIFT);
            }
            KeyCode::Tab if self.mods.contains(KeyModifiers::SHIFT) => {
                self.code = KeyCode::BackTab;
                self.mods = self.mods.difference(KeyModifiers::SHIFT);
            }
            _ => {}
        }
        self
    }

    /// The key event a terminal would deliver for this key.
    pub fn to_event(self) -> KeyEvent {
        KeyEvent::new(self.code, self.mods)
    }

    /// Printable character this key inserts into a text field, if any.
    pub fn text_char(self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => Some(c),
            _ => None,
        }
    }
}

impl From<KeyEvent> for Key {
    fn from(ev: KeyEvent) -> Self {
        Key::new(ev.code, ev.modifiers)
    }
}

/// Whether a crossterm key event is a press we act on (kitty-protocol terminals
/// also report releases).
pub fn is_press(ev: &KeyEvent) -> bool {
    matches!(ev.kind, KeyEventKind::Press | KeyEventKind::Repeat)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParseError {
    /// Byte offset of the problem within the parsed text.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for KeyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KeyParseError {}

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("CR", KeyCode::Enter),
    ("Return", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Escape", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("BS", KeyCode::Backspace),
    ("Backspace", KeyCode::Backspace),
    ("Del", KeyCode::Delete),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Space", KeyCode::Char(' ')),
    ("lt", KeyCode::Char('<')),
    ("gt", KeyCode::Char('>')),
];

/// Parses one key in notation. `s` must hold exactly one key.
pub fn parse_key(s: &str) -> Result<Key, KeyParseError> {
    let keys = parse_keys(s)?;
    match keys.as_slice() {
        [k] => Ok(*k),
        [] => Err(KeyParseError { offset: 0, message: "empty key".into() }),
        _ => Err(KeyParseError { offset: 0, message: format!("`{s}` is {} keys; a binding takes one key", keys.len()) }),
    }
}

/// Parses a sequence of keys: `gg`, `<C-w>j`, `:q<Enter>`.
pub fn parse_keys(s: &str) -> Result<Vec<Key>, KeyParseError> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut offset = 0;
    while let Some(c) = rest.chars().next() {
        // `<` followed later by `>`: a named key, unless it is just `<>`.
        if c == '<'
            && let Some(end) = rest.find('>')
            && end > 1
        {
            out.push(parse_bracketed(&rest[1..end]).map_err(|m| KeyParseError { offset, message: m })?);
            offset += end + 1;
            rest = &rest[end + 1..];
            continue;
        }
        out.push(Key::plain(c));
        offset += c.len_utf8();
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

fn parse_bracketed(inner: &str) -> Result<Key, String> {
    let mut mods = KeyModifiers::NONE;
    let mut name = inner;
    // Modifier prefixes: C- A- M- S- (any order, any case).
    loop {
        let bytes = name.as_bytes();
        if bytes.len() > 2 && bytes[1] == b'-' {
            let m = match bytes[0].to_ascii_uppercase() {
                b'C' => KeyModifiers::CONTROL,
                b'A' | b'M' => KeyModifiers::ALT,
                b'S' => KeyModifiers::SHIFT,
                _ => break,
            };
            mods |= m;
            name = &name[2..];
        } else {
            break;
        }
    }
    let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        *code
    } else if let Some(num) = name.strip_prefix(['F', 'f']).and_then(|n| n.parse::<u8>().ok()) {
        if !(1..=24).contains(&num) {
            return Err(format!("function key <{inner}> out of range F1..F24"));
        }
        KeyCode::F(num)
    } else {
        let mut chars = name.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => {
                // <C-R> and <C-r> are the same chord (terminals cannot tell them apart).
                if mods.contains(KeyModifiers::CONTROL) { KeyCode::Char(c.to_ascii_lowercase()) } else { KeyCode::Char(c) }
            }
            _ => return Err(format!("unknown key <{inner}>")),
        }
    };
    Ok(Key::new(code, mods))
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut prefix = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            prefix.push_str("C-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            prefix.push_str("A-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            prefix.push_str("S-");
        }
        let name: String = match self.code {
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char('<') => "lt".into(),
            KeyCode::Char(c) if prefix.is_empty() => return write!(f, "{c}"),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            other => NAMED.iter().find(|(_, code)| *code == other).map(|(n, _)| (*n).to_string()).unwrap_or_else(|| format!("{other:?}")),
        };
        write!(f, "<{prefix}{name}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_named_keys() {
        assert_eq!(parse_key("j").unwrap(), Key::plain('j'));
        assert_eq!(parse_key("<Enter>").unwrap(), Key::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(parse_key("<C-r>").unwrap(), Key::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
        assert_eq!(parse_key("<C-R>").unwrap(), parse_key("<C-r>").unwrap());
        assert_eq!(parse_key("<A-x>").unwrap(), Key::new(KeyCode::Char('x'), KeyModifiers::ALT));
        assert_eq!(parse_key("<S-Tab>").unwrap(), Key::new(KeyCode::BackTab, KeyModifiers::NONE));
        assert_eq!(parse_key("<F5>").unwrap(), Key::new(KeyCode::F(5), KeyModifiers::NONE));
        assert_eq!(parse_key("<lt>").unwrap(), Key::plain('<'));
        assert_eq!(parse_key("<").unwrap(), Key::plain('<'));
    }

    #[test]
    fn shift_is_folded_into_characters() {
        let typed = Key::from(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
        assert_eq!(typed, parse_key("G").unwrap());
        let typed = Key::from(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::SHIFT));
        assert_eq!(typed, parse_key("G").unwrap());
    }

    #[test]
    fn sequences_and_round_trip() {
        let keys = parse_keys(":q<Enter>").unwrap();
        assert_eq!(keys.len(), 3);
        for s in ["j", "<Enter>", "<C-r>", "<A-x>", "<BackTab>", "<F12>", "<lt>", "<Space>", "G"] {
            assert_eq!(parse_key(s).unwrap().to_string(), s, "round trip of {s}");
        }
    }

    #[test]
    fn errors_name_the_offset() {
        let err = parse_keys("ab<Nope>").unwrap_err();
        assert_eq!(err.offset, 2);
        assert!(err.message.contains("unknown key <Nope>"));
        assert!(parse_key("<F99>").is_err());
        assert!(parse_key("jk").is_err());
    }
}
