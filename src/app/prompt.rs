//! A one-line editor for command mode and filters, with history.

use crate::input::Key;
use crossterm::event::{KeyCode, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter,
    /// Highlight in the logs pane.
    Highlight,
    /// A file path to save to.
    SavePath,
    /// An answer to a modal question.
    Answer,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// Cursor as a char index.
    pub cursor: usize,
    /// Position while walking history (None = editing a new line).
    pub history_pos: Option<usize>,
    /// What the line held before walking history.
    draft: String,
    /// The candidates Tab found, shown as a line until the next edit.
    pub(crate) completion: Option<super::completion::Completion>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Self {
        Prompt { kind, text: text.to_string(), cursor: text.chars().count(), history_pos: None, draft: String::new(), completion: None }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text.char_indices().nth(char_idx).map(|(b, _)| b).unwrap_or(self.text.len())
    }

    pub fn insert(&mut self, s: &str) {
        self.completion = None;
        for c in s.chars().filter(|c| !c.is_control()) {
            let at = self.byte_at(self.cursor);
            self.text.insert(at, c);
            self.cursor += 1;
        }
    }

    /// Editing keys that are not remappable commands. Returns true if handled.
    pub fn edit(&mut self, key: Key) -> bool {
        self.completion = None;
        let ctrl = key.mods.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
            }
            KeyCode::Backspace => {}
            KeyCode::Delete if self.cursor < self.text.chars().count() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.chars().count(),
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.chars().count(),
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut i = self.cursor;
                while i > 0 && chars[i - 1] == ' ' {
                    i -= 1;
                }
                while i > 0 && chars[i - 1] != ' ' {
                    i -= 1;
                }
                let (from, to) = (self.byte_at(i), self.byte_at(self.cursor));
                self.text.replace_range(from..to, "");
                self.cursor = i;
            }
            _ => match key.text_char() {
                Some(c) => self.insert(&c.to_string()),
                None => return false,
            },
        }
        true
    }

    pub fn set(&mut self, text: &str) {
        self.completion = None;
        self.text = text.to_string();
        self.cursor = text.chars().count();
    }

    /// Walks `history` (oldest first) backwards.
    pub fn history_prev(&mut self, history: &[String]) {
        if history.is_empty() {
            return;
        }
        let pos = match self.history_pos {
            None => {
                self.draft = self.text.clone();
                history.len() - 1
            }
            Some(0) => 0,
            Some(p) => p - 1,
        };
        self.history_pos = Some(pos);
        let t = history[pos].clone();
        self.set(&t);
    }

    pub fn history_next(&mut self, history: &[String]) {
        match self.history_pos {
            None => {}
            Some(p) if p + 1 < history.len() => {
                self.history_pos = Some(p + 1);
                let t = history[p + 1].clone();
                self.set(&t);
            }
            Some(_) => {
                self.history_pos = None;
                let d = std::mem::take(&mut self.draft);
                self.set(&d);
            }
        }
    }
}

/// Appends to a history, dropping an immediate repeat and keeping at most 200.
pub(crate) fn remember(history: &mut Vec<String>, line: &str) {
    let line = line.trim();
    if line.is_empty() || history.last().is_some_and(|l| l == line) {
        return;
    }
    history.push(line.to_string());
    if history.len() > 200 {
        history.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_key;

    #[test]
    fn edits_and_walks_history() {
        let mut p = Prompt::new(PromptKind::Command, "");
        for k in ["s", "e", "r", "v"] {
            assert!(p.edit(parse_key(k).unwrap()));
        }
        p.edit(parse_key("<BS>").unwrap());
        assert_eq!(p.text, "ser");
        p.edit(parse_key("<Home>").unwrap());
        p.edit(parse_key("x").unwrap());
        assert_eq!(p.text, "xser");
        let h = vec!["dns".to_string(), "servers".to_string()];
        p.history_prev(&h);
        assert_eq!(p.text, "servers");
        p.history_prev(&h);
        assert_eq!(p.text, "dns");
        p.history_next(&h);
        p.history_next(&h);
        assert_eq!(p.text, "xser");
        p.edit(parse_key("<C-u>").unwrap());
        assert_eq!(p.text, "");
    }
}
