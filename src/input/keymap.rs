//! Keymaps: TOML files of `[scope] command = ["key", ...]`. Built-ins live in
//! `keymaps/`; a user file overrides only the commands it names, `[]` unbinds.

use super::command::{Command, Scope};
use super::key::{Key, parse_key};
use crate::config::source::{SourceError, line_col};
use std::collections::HashMap;
use std::path::Path;

pub const BUILTIN: &[(&str, &str)] =
    &[("default", include_str!("../../keymaps/default.toml")), ("emacs", include_str!("../../keymaps/emacs.toml"))];

#[derive(Clone, Debug, Default)]
pub struct Keymap {
    pub name: String,
    /// Bindings per scope in command order (help reads this).
    bindings: HashMap<Scope, Vec<(Command, Vec<Key>)>>,
    lookup: HashMap<(Scope, Key), Command>,
}

impl Keymap {
    /// Loads a built-in keymap by name.
    pub fn builtin(name: &str) -> Result<Keymap, SourceError> {
        let (n, text) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| SourceError::new(format!("keymaps/{name}.toml"), 1, 1, format!("no built-in keymap named `{name}`")))?;
        let mut km = Keymap { name: (*n).into(), ..Default::default() };
        km.apply(Path::new(&format!("keymaps/{n}.toml")), text)?;
        Ok(km)
    }

    /// Loads `name`: a user file in `user_dir` (if any) laid over the built-in it
    /// extends (by default the built-in of the same name, else `default`).
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Keymap, SourceError> {
        let user = user_dir.map(|d| d.join(format!("{name}.toml"))).filter(|p| p.exists());
        let Some(path) = user else {
            return Keymap::builtin(name);
        };
        let text = crate::config::source::read_bounded(&path, crate::config::source::MAX_CONFIG).map_err(|e| e.at(&path))?;
        let raw: toml::Table = crate::config::source::parse_toml(&path, &text)?;
        let base = raw
            .get("extends")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| if BUILTIN.iter().any(|(n, _)| *n == name) { name.into() } else { "default".into() });
        let mut km = Keymap::builtin(&base).map_err(|e| SourceError { path: path.clone(), ..e })?;
        km.name = name.into();
        km.apply(&path, &text)?;
        Ok(km)
    }

    /// Every keymap on offer: the built-ins and each `*.toml` in `user_dir`,
    /// sorted by name. A file that does not load is an error naming it.
    pub fn load_all(user_dir: Option<&Path>) -> Result<Vec<Keymap>, SourceError> {
        let builtins: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        let names = crate::config::source::names_with_user_files(&builtins, user_dir);
        names.iter().map(|n| Keymap::load(n, user_dir)).collect()
    }

    /// Applies the bindings of one file over this keymap.
    pub fn apply(&mut self, path: &Path, text: &str) -> Result<(), SourceError> {
        let raw: toml::Table = crate::config::source::parse_toml(path, text)?;
        let err = |offset: usize, msg: String| {
            let (line, column) = line_col(text, offset);
            SourceError::new(path, line, column, msg)
        };
        // Positions are found in the text: toml's spans do not survive a flattened table.
        let section_at = |name: &str| text.find(&format!("[{name}]")).unwrap_or(0);
        let mut sections: Vec<(String, toml::Value)> = raw.into_iter().filter(|(k, _)| k != "extends").collect();
        sections.sort_by_key(|(name, _)| section_at(name));
        for (section, table) in sections {
            let start = section_at(&section);
            let span = start..start;
            let toml::Value::Table(table) = table else {
                return Err(err(text.find(&section).unwrap_or(0), format!("`{section}` must be a [section] of bindings")));
            };
            let scope = Scope::from_name(&section).ok_or_else(|| {
                let known: Vec<_> = Scope::ALL.iter().map(|s| s.name()).collect();
                err(span.start, format!("unknown section [{section}]; known: {}", known.join(", ")))
            })?;
            for (cmd_name, value) in table {
                // Position of this entry: search from the section start.
                let at = text[span.start.min(text.len())..]
                    .find(&format!("{cmd_name} "))
                    .or_else(|| text[span.start.min(text.len())..].find(&format!("{cmd_name}=")))
                    .map(|o| o + span.start)
                    .unwrap_or(span.start);
                let cmd =
                    Command::from_name(scope, &cmd_name).ok_or_else(|| err(at, format!("unknown command `{cmd_name}` in [{section}]")))?;
                let list = match value {
                    toml::Value::String(s) => vec![s],
                    toml::Value::Array(a) => a
                        .into_iter()
                        .map(|v| match v {
                            toml::Value::String(s) => Ok(s),
                            other => Err(err(at, format!("`{cmd_name}`: expected key strings, found {}", other.type_str()))),
                        })
                        .collect::<Result<_, _>>()?,
                    other => {
                        return Err(err(at, format!("`{cmd_name}`: expected a key or a list of keys, found {}", other.type_str())));
                    }
                };
                let mut keys = Vec::new();
                for s in list {
                    let key = parse_key(&s).map_err(|e| err(at, format!("`{cmd_name}`: {e}")))?;
                    keys.push(key);
                }
                self.bind(scope, cmd, keys).map_err(|m| err(at, m))?;
            }
        }
        Ok(())
    }

    /// Replaces the keys of `cmd`; a key taken from another command of the same
    /// scope moves to `cmd` (the newer file wins).
    fn bind(&mut self, scope: Scope, cmd: Command, keys: Vec<Key>) -> Result<(), String> {
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].contains(k) {
                return Err(format!("`{}` lists {k} twice", cmd.name()));
            }
        }
        let entries = self.bindings.entry(scope).or_default();
        for (other, other_keys) in entries.iter_mut() {
            if *other != cmd {
                other_keys.retain(|k| !keys.contains(k));
            }
        }
        match entries.iter_mut().find(|(c, _)| *c == cmd) {
            Some((_, ks)) => *ks = keys,
            None => entries.push((cmd, keys)),
        }
        self.rebuild();
        Ok(())
    }

    fn rebuild(&mut self) {
        self.lookup.clear();
        for (scope, entries) in &self.bindings {
            for (cmd, keys) in entries {
                for k in keys {
                    self.lookup.insert((*scope, *k), *cmd);
                }
            }
        }
    }

    /// The command bound to `key`, searching `scopes` in order.
    pub fn lookup(&self, scopes: &[Scope], key: Key) -> Option<Command> {
        scopes.iter().find_map(|s| self.lookup.get(&(*s, key)).copied())
    }

    /// Keys bound to a command (empty if unbound).
    pub fn keys_for(&self, cmd: Command) -> &[Key] {
        self.bindings.get(&cmd.scope()).and_then(|e| e.iter().find(|(c, _)| *c == cmd)).map(|(_, k)| k.as_slice()).unwrap_or(&[])
    }

    /// The first key of a command, as shown in hints (`None` if unbound).
    pub fn hint(&self, cmd: Command) -> Option<String> {
        self.keys_for(cmd).first().map(|k| k.to_string())
    }

    /// Bindings of one scope, in the order commands are declared.
    pub fn scope_bindings(&self, scope: Scope) -> Vec<(Command, &[Key])> {
        Command::ALL.iter().filter(|c| c.scope() == scope).map(|c| (*c, self.keys_for(*c))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load_and_bind_everything_needed() {
        for (name, _) in BUILTIN {
            let km = Keymap::builtin(name).unwrap_or_else(|e| panic!("{e}"));
            for cmd in [Command::Quit, Command::Help, Command::CommandMode, Command::Down, Command::Submit, Command::Cancel] {
                assert!(!km.keys_for(cmd).is_empty(), "{name}: {cmd} unbound");
            }
        }
    }

    #[test]
    fn user_file_overrides_only_what_it_sets() {
        let mut km = Keymap::builtin("default").unwrap();
        let down_before = km.keys_for(Command::Down).to_vec();
        km.apply(Path::new("u.toml"), "[global]\nquit = [\"<C-q>\"]\nhelp = []\n").unwrap();
        assert_eq!(km.keys_for(Command::Quit), &[parse_key("<C-q>").unwrap()]);
        assert!(km.keys_for(Command::Help).is_empty());
        assert_eq!(km.keys_for(Command::Down), down_before.as_slice());
        assert_eq!(km.lookup(&[Scope::Global], parse_key("q").unwrap()), None);
    }

    #[test]
    fn a_key_moves_to_the_newer_binding() {
        let mut km = Keymap::builtin("default").unwrap();
        km.apply(Path::new("u.toml"), "[list]\ntop = [\"j\"]\n").unwrap();
        assert_eq!(km.lookup(&[Scope::List], parse_key("j").unwrap()), Some(Command::Top));
        assert!(!km.keys_for(Command::Down).contains(&parse_key("j").unwrap()));
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        let mut km = Keymap::builtin("default").unwrap();
        let e = km.apply(Path::new("u.toml"), "[global]\nquit = [\"q\"]\nfly = [\"f\"]\n").unwrap_err();
        assert_eq!((e.line, e.path.to_str().unwrap()), (3, "u.toml"), "{e}");
        assert!(e.message.contains("unknown command `fly`"), "{e}");
        let e = km.apply(Path::new("u.toml"), "[global]\nquit = [\"<Nope>\"]\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = km.apply(Path::new("u.toml"), "[bogus]\nquit = 1\n").unwrap_err();
        assert!(e.message.contains("unknown section [bogus]"), "{e}");
        let e = km.apply(Path::new("u.toml"), "[global\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
    }
}
