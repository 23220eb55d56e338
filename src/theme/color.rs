//! Colour depth detection and downsampling. ratatui passes RGB through unchanged,
//! so a truecolor theme on a 256-colour jump box is mapped here, once per theme.

use ratatui::style::Color;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
    Ansi16,
    None,
}

impl ColorDepth {
    pub fn parse(s: &str) -> Option<ColorDepth> {
        match s {
            "truecolor" | "24bit" | "true" => Some(ColorDepth::TrueColor),
            "256" => Some(ColorDepth::Ansi256),
            "16" => Some(ColorDepth::Ansi16),
            "none" | "0" | "mono" => Some(ColorDepth::None),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ColorDepth::TrueColor => "truecolor",
            ColorDepth::Ansi256 => "256",
            ColorDepth::Ansi16 => "16",
            ColorDepth::None => "none",
        }
    }

    /// Depth from the environment. `NO_COLOR` wins; then `COLORTERM` (not
    /// forwarded by ssh), then `TERM` (forwarded by ssh).
    pub fn detect(get: impl Fn(&str) -> Option<String>) -> ColorDepth {
        if get("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        let colorterm = get("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            return ColorDepth::TrueColor;
        }
        let term = get("TERM").unwrap_or_default().to_ascii_lowercase();
        if term.is_empty() || term == "dumb" {
            return ColorDepth::None;
        }
        if term.ends_with("-direct") || term.contains("truecolor") || term.contains("24bit") {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else if term.contains("16color")
            || term == "xterm"
            || term == "linux"
            || term.starts_with("vt")
            || term == "screen"
            || term == "ansi"
            || term == "cygwin"
        {
            ColorDepth::Ansi16
        } else if term.contains("mono") {
            ColorDepth::None
        } else {
            // Modern terminals with unknown names almost all do 256 colours.
            ColorDepth::Ansi256
        }
    }
}

/// The xterm default RGB values of the 16 ANSI colours, in ratatui order.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn dist2(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    // Weighted towards green, as the eye is (a cheap "redmean"-like metric).
    let dr = a.0 as i32 - b.0 as i32;
    let dg = a.1 as i32 - b.1 as i32;
    let db = a.2 as i32 - b.2 as i32;
    (2 * dr * dr + 4 * dg * dg + 3 * db * db) as u32
}

fn nearest_cube_level(v: u8) -> usize {
    (0..6).min_by_key(|&i| (CUBE[i] as i32 - v as i32).abs()).unwrap_or(0)
}

/// Nearest xterm-256 index (16..=255) to an RGB colour: best of the 6x6x6 cube
/// and the 24-step grey ramp.
pub fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let (ri, gi, bi) = (nearest_cube_level(r), nearest_cube_level(g), nearest_cube_level(b));
    let cube_rgb = (CUBE[ri], CUBE[gi], CUBE[bi]);
    let cube_idx = 16 + 36 * ri + 6 * gi + bi;
    let avg = (r as u32 + g as u32 + b as u32) / 3;
    let grey_i = if avg < 8 { 0 } else { ((avg - 8) / 10).min(23) } as u8;
    let grey_v = 8 + 10 * grey_i;
    let grey_idx = 232 + grey_i as usize;
    if dist2((r, g, b), (grey_v, grey_v, grey_v)) < dist2((r, g, b), cube_rgb) { grey_idx as u8 } else { cube_idx as u8 }
}

/// RGB of an xterm-256 index.
pub fn index_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let i = i - 16;
            (CUBE[(i / 36) as usize], CUBE[((i / 6) % 6) as usize], CUBE[(i % 6) as usize])
        }
        232..=255 => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// Nearest of the 16 ANSI colours.
pub fn rgb_to_16(r: u8, g: u8, b: u8) -> Color {
    ANSI16.iter().min_by_key(|(_, rgb)| dist2((r, g, b), *rgb)).map(|(c, _)| *c).unwrap_or(Color::White)
}

/// Maps a colour to what a terminal of `depth` can show. `None` means "no colour".
pub fn resolve(c: Color, depth: ColorDepth) -> Option<Color> {
    match (depth, c) {
        (ColorDepth::None, _) => None,
        (_, Color::Reset) => Some(Color::Reset),
        (ColorDepth::TrueColor, c) => Some(c),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Some(Color::Indexed(rgb_to_256(r, g, b))),
        (ColorDepth::Ansi256, c) => Some(c),
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => Some(rgb_to_16(r, g, b)),
        (ColorDepth::Ansi16, Color::Indexed(i)) if i < 16 => Some(ANSI16[i as usize].0),
        (ColorDepth::Ansi16, Color::Indexed(i)) => {
            let (r, g, b) = index_to_rgb(i);
            Some(rgb_to_16(r, g, b))
        }
        (ColorDepth::Ansi16, c) => Some(c),
    }
}

/// Whether a resolved colour is one of the 16 named ANSI colours (or reset).
pub fn is_ansi16(c: Color) -> bool {
    !matches!(c, Color::Rgb(..) | Color::Indexed(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn detects_depth_like_a_jump_box() {
        assert_eq!(ColorDepth::detect(env(&[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")])), ColorDepth::TrueColor);
        // ssh forwards TERM but not COLORTERM.
        assert_eq!(ColorDepth::detect(env(&[("TERM", "xterm-256color")])), ColorDepth::Ansi256);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "tmux-256color")])), ColorDepth::Ansi256);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "xterm-direct")])), ColorDepth::TrueColor);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "linux")])), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "dumb")])), ColorDepth::None);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "xterm-256color"), ("NO_COLOR", "1")])), ColorDepth::None);
        // An empty NO_COLOR does not count (no-color.org).
        assert_eq!(ColorDepth::detect(env(&[("TERM", "xterm-256color"), ("NO_COLOR", "")])), ColorDepth::Ansi256);
    }

    #[test]
    fn maps_to_256_exactly_for_palette_colours() {
        for i in 16..=255u8 {
            let (r, g, b) = index_to_rgb(i);
            let back = rgb_to_256(r, g, b);
            assert_eq!(index_to_rgb(back), (r, g, b), "index {i}");
        }
        assert_eq!(rgb_to_256(0x89, 0xb4, 0xfa), 111);
    }

    #[test]
    fn maps_to_16() {
        assert_eq!(rgb_to_16(250, 10, 10), Color::LightRed);
        assert_eq!(rgb_to_16(10, 190, 20), Color::Green);
        assert_eq!(rgb_to_16(20, 20, 25), Color::Black);
        assert_eq!(resolve(Color::Indexed(196), ColorDepth::Ansi16), Some(Color::LightRed));
        assert_eq!(resolve(Color::Rgb(1, 2, 3), ColorDepth::None), None);
        assert!(is_ansi16(resolve(Color::Rgb(137, 180, 250), ColorDepth::Ansi16).unwrap()));
    }
}
