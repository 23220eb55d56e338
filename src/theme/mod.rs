//! Themes: TOML files of semantic slots (`ok`, `error`, `selection`, ...) resolved
//! once to the terminal's colour depth. Built-ins live in `themes/`.

pub mod color;

pub use color::ColorDepth;

use crate::config::source::{SourceError, line_col, parse_toml};
use ratatui::style::{Color, Modifier, Style};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("ansi16", include_str!("../../themes/ansi16.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

macro_rules! slots {
    ($($v:ident => $n:literal, $d:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Slot { $($v),* }
        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$v),*];
            pub fn name(self) -> &'static str { match self { $(Slot::$v => $n),* } }
            pub fn description(self) -> &'static str { match self { $(Slot::$v => $d),* } }
        }
    };
}

slots! {
    Text => "text", "Body text";
    Muted => "muted", "Secondary text, unset values";
    Border => "border", "Pane borders";
    Focus => "focus", "Border and title of the focused pane";
    Title => "title", "Pane titles";
    Header => "header", "The top bar";
    Context => "context", "Active context names in the top bar";
    Tab => "tab", "Pane switcher entries";
    TabActive => "tab_active", "The active pane in the switcher";
    TableHeader => "table_header", "Column headers";
    Selection => "selection", "The cursor row";
    Ok => "ok", "Healthy / done";
    Warn => "warn", "Needs attention";
    Error => "error", "Failed / broken";
    Pending => "pending", "In progress";
    Info => "info", "Neutral information";
    Key => "key", "Keys in hints and help";
    Status => "status", "The status line";
    Prompt => "prompt", "Command and filter input";
    Highlight => "highlight", "Matches of a highlight or filter";
    Danger => "danger", "Destructive actions and confirmations";
    Readonly => "readonly", "The read-only badge";
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct StyleSpec {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
    pub add: Modifier,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    #[serde(default)]
    extends: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    styles: BTreeMap<String, toml::Spanned<RawStyle>>,
}

/// A theme as written: slot -> colours and modifiers, depth-independent.
#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    pub description: String,
    specs: HashMap<Slot, StyleSpec>,
}

/// Parses a colour: `#rrggbb`, an ANSI name (`red`, `bright-blue`), `colorN`/`N`
/// (xterm index), `default`/`reset`.
pub fn parse_color(s: &str) -> Result<Color, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return Err(format!("`{s}` is not a #rrggbb colour"));
    }
    let idx = t.strip_prefix("color").unwrap_or(&t);
    if let Ok(i) = idx.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    let c = match t.replace(['_', ' '], "-").as_str() {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" | "gray" | "grey" => Color::Gray,
        "bright-black" | "dark-gray" | "dark-grey" => Color::DarkGray,
        "bright-red" | "light-red" => Color::LightRed,
        "bright-green" | "light-green" => Color::LightGreen,
        "bright-yellow" | "light-yellow" => Color::LightYellow,
        "bright-blue" | "light-blue" => Color::LightBlue,
        "bright-magenta" | "light-magenta" => Color::LightMagenta,
        "bright-cyan" | "light-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => return Err(format!("unknown colour `{s}` (use #rrggbb, an ANSI name, or 0-255)")),
    };
    Ok(c)
}

impl Theme {
    /// The built-in `mono` theme, or (should it ever fail to parse, which a
    /// test rules out) a theme with no styles at all.
    pub fn fallback() -> Theme {
        Theme::builtin("mono").unwrap_or_else(|_| Theme { name: "mono".into(), description: String::new(), specs: HashMap::new() })
    }

    pub fn builtin(name: &str) -> Result<Theme, SourceError> {
        let (n, text) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| SourceError::new(format!("themes/{name}.toml"), 1, 1, format!("no built-in theme named `{name}`")))?;
        Theme::parse(n, Path::new(&format!("themes/{n}.toml")), text, None)
    }

    /// Parses a theme file. A file that `extends` another (or is laid over a
    /// base) may set only some slots; a base theme must set all of them.
    pub fn parse(name: &str, path: &Path, text: &str, base: Option<&Theme>) -> Result<Theme, SourceError> {
        let raw: RawTheme = parse_toml(path, text)?;
        let extended;
        let base = match (&raw.extends, base) {
            (Some(ext), _) => {
                extended = Theme::builtin(ext).map_err(|e| SourceError { path: path.to_path_buf(), ..e })?;
                Some(&extended)
            }
            (None, b) => b,
        };
        let mut specs = base.map(|b| b.specs.clone()).unwrap_or_default();
        let palette: HashMap<String, Color> = raw
            .palette
            .iter()
            .map(|(k, v)| {
                parse_color(v).map(|c| (k.clone(), c)).map_err(|m| {
                    let at = text.find(&format!("{k} ")).or_else(|| text.find(&format!("{k}="))).unwrap_or(0);
                    SourceError::at_offset(path, text, at, format!("palette.{k}: {m}"))
                })
            })
            .collect::<Result<_, _>>()?;
        for (slot_name, spanned) in &raw.styles {
            let at = spanned.span().start;
            let err = |m: String| {
                let (l, c) = line_col(text, at);
                SourceError::new(path, l, c, m)
            };
            let slot = Slot::ALL
                .iter()
                .copied()
                .find(|s| s.name() == slot_name)
                .ok_or_else(|| err(format!("unknown style slot `{slot_name}`")))?;
            let rs = spanned.get_ref();
            let col = |v: &Option<String>, which: &str| -> Result<Option<Color>, SourceError> {
                match v {
                    None => Ok(None),
                    Some(v) => match palette.get(v) {
                        Some(c) => Ok(Some(*c)),
                        None => parse_color(v).map(Some).map_err(|m| err(format!("styles.{slot_name}.{which}: {m}"))),
                    },
                }
            };
            let mut add = Modifier::empty();
            for (on, m) in [
                (rs.bold, Modifier::BOLD),
                (rs.dim, Modifier::DIM),
                (rs.italic, Modifier::ITALIC),
                (rs.underline, Modifier::UNDERLINED),
                (rs.reversed, Modifier::REVERSED),
            ] {
                if on {
                    add |= m;
                }
            }
            specs.insert(slot, StyleSpec { fg: col(&rs.fg, "fg")?, bg: col(&rs.bg, "bg")?, add });
        }
        if let Some(missing) = Slot::ALL.iter().find(|s| !specs.contains_key(s)) {
            return Err(SourceError::new(
                path,
                1,
                1,
                format!("style slot `{}` is not set (set it, or add `extends = \"default\"`)", missing.name()),
            ));
        }
        Ok(Theme {
            name: name.to_string(),
            description: raw.description.or_else(|| base.map(|b| b.description.clone())).unwrap_or_default(),
            specs,
        })
    }

    /// Loads `name`: the user's file in `user_dir` laid over the built-in of the
    /// same name (or `default`), else the built-in.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, SourceError> {
        let user = user_dir.map(|d| d.join(format!("{name}.toml"))).filter(|p| p.exists());
        match user {
            None => Theme::builtin(name),
            Some(path) => {
                let text = crate::config::source::read_bounded(&path, crate::config::source::MAX_CONFIG).map_err(|e| e.at(&path))?;
                let base_name = if BUILTIN.iter().any(|(n, _)| *n == name) { name } else { "default" };
                let base = Theme::builtin(base_name)?;
                Theme::parse(name, &path, &text, Some(&base))
            }
        }
    }

    /// Every theme available: built-ins plus user files, in name order.
    pub fn load_all(user_dir: Option<&Path>) -> Result<Vec<Theme>, SourceError> {
        let builtins: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        let names = crate::config::source::names_with_user_files(&builtins, user_dir);
        names.iter().map(|n| Theme::load(n, user_dir)).collect()
    }

    pub fn spec(&self, slot: Slot) -> &StyleSpec {
        // Every slot is present: `parse` refuses themes with a missing slot.
        &self.specs[&slot]
    }

    /// Styles for a terminal of `depth`.
    pub fn resolve(&self, depth: ColorDepth) -> Styles {
        let mut styles = [Style::default(); SLOT_COUNT];
        for (i, slot) in Slot::ALL.iter().enumerate() {
            let spec = self.spec(*slot);
            let mut st = Style::default().add_modifier(spec.add);
            if let Some(fg) = spec.fg.and_then(|c| color::resolve(c, depth)) {
                st = st.fg(fg);
            }
            if let Some(bg) = spec.bg.and_then(|c| color::resolve(c, depth)) {
                st = st.bg(bg);
            }
            // Without colour, the selection and the active tab must still show:
            // reverse video (bold alone is too faint on many terminals).
            let bare = spec.add.is_empty() || matches!(slot, Slot::Selection | Slot::TabActive);
            if depth == ColorDepth::None && matches!(slot, Slot::Selection | Slot::TabActive | Slot::Header) && bare {
                st = st.add_modifier(Modifier::REVERSED);
            }
            // ...and a placeholder or an unset value must not look like a value.
            if depth == ColorDepth::None && slot == &Slot::Muted {
                st = st.add_modifier(Modifier::DIM | Modifier::ITALIC);
            }
            styles[i] = st;
        }
        Styles { theme: self.name.clone(), depth, styles }
    }
}

const SLOT_COUNT: usize = Slot::ALL.len();

/// A theme resolved for one colour depth: what the UI draws with.
#[derive(Clone, Debug)]
pub struct Styles {
    pub theme: String,
    pub depth: ColorDepth,
    styles: [Style; SLOT_COUNT],
}

impl Styles {
    pub fn get(&self, slot: Slot) -> Style {
        self.styles[slot as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_set_every_slot_themselves() {
        for (name, text) in BUILTIN {
            // Parsed with no base, so a slot can only come from the file.
            let t = Theme::parse(name, Path::new("t.toml"), text, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            for slot in Slot::ALL {
                assert!(t.specs.contains_key(slot), "{name} does not set {}", slot.name());
            }
            // The check behind that: drop one slot's line and the file is refused, naming it.
            let without: String = text.lines().filter(|l| !l.starts_with("readonly =")).map(|l| format!("{l}\n")).collect();
            assert_ne!(without.len(), text.len(), "{name} has no `readonly =` line");
            let e = Theme::parse(name, Path::new("t.toml"), &without, None).expect_err("a theme without `readonly` must be refused");
            assert!(e.to_string().contains("style slot `readonly` is not set"), "{name}: {e}");
        }
        // And the built-ins differ: four names for one theme would pass the above.
        let mut seen = Vec::new();
        for (name, _) in BUILTIN {
            let st = Theme::builtin(name).unwrap().resolve(ColorDepth::TrueColor);
            let all: Vec<Style> = Slot::ALL.iter().map(|s| st.get(*s)).collect();
            assert!(!seen.contains(&all), "{name} draws exactly like another built-in");
            seen.push(all);
        }
    }

    #[test]
    fn ansi16_uses_only_ansi_colours() {
        let t = Theme::builtin("ansi16").unwrap();
        for slot in Slot::ALL {
            let s = t.spec(*slot);
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(color::is_ansi16(c), "{} uses {c:?}", slot.name());
            }
        }
    }

    #[test]
    fn without_colour_muted_text_is_dim_and_italic() {
        for (name, _) in BUILTIN {
            let st = Theme::builtin(name).unwrap().resolve(ColorDepth::None);
            let m = st.get(Slot::Muted);
            assert!(m.add_modifier.contains(Modifier::DIM | Modifier::ITALIC), "{name}: {m:?}");
            assert!(!st.get(Slot::Text).add_modifier.contains(Modifier::DIM), "{name}: text stays plain");
        }
    }

    #[test]
    fn mono_has_no_colours_and_a_visible_selection() {
        let t = Theme::builtin("mono").unwrap();
        for slot in Slot::ALL {
            let s = t.spec(*slot);
            assert!(s.fg.is_none() && s.bg.is_none(), "{}", slot.name());
        }
        let sel = t.resolve(ColorDepth::TrueColor).get(Slot::Selection);
        assert!(sel.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn resolution_downsamples() {
        let t = Theme::builtin("default").unwrap();
        let s256 = t.resolve(ColorDepth::Ansi256);
        let s16 = t.resolve(ColorDepth::Ansi16);
        let none = t.resolve(ColorDepth::None);
        for slot in Slot::ALL {
            let st = s256.get(*slot);
            assert!(!matches!(st.fg, Some(Color::Rgb(..))) && !matches!(st.bg, Some(Color::Rgb(..))));
            let st = s16.get(*slot);
            assert!(st.fg.is_none_or(color::is_ansi16) && st.bg.is_none_or(color::is_ansi16));
            let st = none.get(*slot);
            assert!(st.fg.is_none() && st.bg.is_none());
        }
        assert!(!none.get(Slot::Selection).add_modifier.is_empty());
    }

    #[test]
    fn user_theme_overrides_one_slot_and_reports_positions() {
        let base = Theme::builtin("default").unwrap();
        let t = Theme::parse("mine", Path::new("mine.toml"), "[styles]\nerror = { fg = \"#ff0000\", bold = true }\n", Some(&base)).unwrap();
        assert_eq!(t.spec(Slot::Error).fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.spec(Slot::Ok), base.spec(Slot::Ok));
        let e =
            Theme::parse("x", Path::new("x.toml"), "[styles]\nok = { fg = \"#ff0000\" }\nerror = { fg = \"purpleish\" }\n", Some(&base))
                .unwrap_err();
        assert_eq!((e.line, e.path.to_str().unwrap()), (3, "x.toml"), "{e}");
        assert!(e.message.contains("unknown colour `purpleish`"), "{e}");
        let e = Theme::parse("x", Path::new("x.toml"), "[styles]\nsparkle = { fg = \"red\" }\n", Some(&base)).unwrap_err();
        assert!(e.message.contains("unknown style slot"), "{e}");
        let e = Theme::parse("x", Path::new("x.toml"), "[styles]\nok = { fg = \"red\" }\n", None).unwrap_err();
        assert!(e.message.contains("is not set"), "{e}");
    }
}
