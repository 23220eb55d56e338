//! Remote output is untrusted. Before a byte reaches the screen (or a saved
//! file), escape sequences and control characters become visible caret
//! notation (`^[`, `^M`), C1 controls become `<9b>`, invalid UTF-8 becomes U+FFFD,
//! tabs become spaces. Nothing is ever passed through to the terminal.

/// Appends the display-safe form of one line (without its `\n`) to `out`.
/// Returns the number of bytes appended.
pub fn sanitize_into(raw: &[u8], out: &mut String) -> usize {
    let before = out.len();
    // A trailing CR (CRLF line ends) is line-end noise, not content.
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    // Fast path: printable ASCII only, the overwhelmingly common case.
    if raw.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        // All bytes are ASCII, so this cannot fail.
        if let Ok(s) = std::str::from_utf8(raw) {
            out.push_str(s);
        }
        return out.len() - before;
    }
    let mut col = 0usize;
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => {
                    let n = 8 - col % 8;
                    out.extend(std::iter::repeat_n(' ', n));
                    col += n;
                    continue;
                }
                '\x00'..='\x1f' => {
                    out.push('^');
                    out.push((c as u8 + 0x40) as char);
                    col += 2;
                    continue;
                }
                '\x7f' => {
                    out.push_str("^?");
                    col += 2;
                    continue;
                }
                // C1 controls (8-bit CSI and friends) are as dangerous as ESC.
                '\u{80}'..='\u{9f}' => {
                    out.push_str(&format!("<{:02x}>", c as u32));
                    col += 4;
                    continue;
                }
                // Bidi overrides can make a line display differently from what it is.
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                    out.push_str(&format!("<U+{:04X}>", c as u32));
                    col += 8;
                    continue;
                }
                c => out.push(c),
            }
            col += 1;
        }
        if !chunk.invalid().is_empty() {
            out.push('\u{fffd}');
            col += 1;
        }
    }
    out.len() - before
}

pub fn sanitize(raw: &[u8]) -> String {
    let mut s = String::with_capacity(raw.len());
    sanitize_into(raw, &mut s);
    s
}

/// Splits a byte stream into lines, keeping a partial last line for the next read.
#[derive(Default, Debug)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// Longest line kept whole; longer lines are cut here (a flood without
    /// newlines must not grow memory without bound).
    pub max_line: usize,
}

impl LineSplitter {
    pub fn new(max_line: usize) -> Self {
        LineSplitter { partial: Vec::new(), max_line }
    }

    /// Calls `line` for every complete line in `data`.
    pub fn push(&mut self, mut data: &[u8], mut line: impl FnMut(&[u8])) {
        while let Some(nl) = memchr::memchr(b'\n', data) {
            if self.partial.is_empty() {
                line(&data[..nl]);
            } else {
                self.partial.extend_from_slice(&data[..nl]);
                line(&self.partial);
                self.partial.clear();
            }
            data = &data[nl + 1..];
        }
        self.partial.extend_from_slice(data);
        if self.max_line > 0 && self.partial.len() >= self.max_line {
            line(&self.partial);
            self.partial.clear();
        }
    }

    /// The unterminated rest, at end of stream.
    pub fn finish(&mut self, mut line: impl FnMut(&[u8])) {
        if !self.partial.is_empty() {
            line(&self.partial);
            self.partial.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_escapes_and_controls() {
        let hostile = b"\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\rback\x08\x7f \x9b31m";
        let s = sanitize(hostile);
        assert!(!s.chars().any(|c| c.is_control()), "{s:?}");
        assert_eq!(s, "^[]0;pwned^G^[[2J^[[31mred^[[0m^Mback^H^? \u{fffd}31m");
        // 8-bit CSI as a UTF-8 encoded C1 character.
        assert_eq!(sanitize("a\u{9b}31m".as_bytes()), "a<9b>31m");
        assert_eq!(sanitize("x\u{202e}y".as_bytes()), "x<U+202E>y");
    }

    #[test]
    fn keeps_text_and_expands_tabs() {
        assert_eq!(sanitize(b"GET /healthz 200\r"), "GET /healthz 200");
        assert_eq!(sanitize("café\tok".as_bytes()), "café    ok");
        assert_eq!(sanitize(b"bad \xff\xfe utf8"), "bad \u{fffd}\u{fffd} utf8");
    }

    #[test]
    fn splits_lines_across_reads() {
        let mut sp = LineSplitter::new(16);
        let mut got = Vec::new();
        sp.push(b"one\ntw", |l| got.push(String::from_utf8_lossy(l).into_owned()));
        sp.push(b"o\nthree", |l| got.push(String::from_utf8_lossy(l).into_owned()));
        sp.push(b"0123456789abcdefXY\n", |l| got.push(String::from_utf8_lossy(l).into_owned()));
        // A line with no newline in sight is cut once it reaches max_line.
        sp.push(b"0123456789abcdefghij", |l| got.push(String::from_utf8_lossy(l).into_owned()));
        sp.finish(|l| got.push(String::from_utf8_lossy(l).into_owned()));
        assert_eq!(got, ["one", "two", "three0123456789abcdefXY", "0123456789abcdefghij"]);
        let mut sp = LineSplitter::new(16);
        let mut got = Vec::new();
        sp.push(b"0123456789", |l| got.push(l.len()));
        sp.push(b"0123456789", |l| got.push(l.len()));
        assert_eq!(got, [20]);
    }
}
