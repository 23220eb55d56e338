//! The master-file lexer, as BIND's: `;` comments, `( )` joining lines,
//! quoted strings that protect `;` and parentheses, backslash escapes in and
//! out of quotes, and a blank first column meaning "the previous owner".

/// A word of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Token {
    /// As written, escapes kept (`\;`, `\DDD`), quotes removed.
    pub text: String,
    pub quoted: bool,
    pub line: usize,
    pub col: usize,
}

/// One logical line: a directive or a record, possibly spread over physical
/// lines by parentheses.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub line: usize,
    /// The first column was blank: the owner is the previous one.
    pub blank_owner: bool,
    pub tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LexError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

pub(super) fn entries(text: &str) -> Result<Vec<Entry>, LexError> {
    let mut out = Vec::new();
    let mut cur: Option<Entry> = None;
    let mut depth = 0usize;
    let mut paren_line = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let bytes: Vec<char> = line.chars().collect();
        let mut k = 0usize;
        if cur.is_none() {
            let blank = bytes.first().is_some_and(|c| *c == ' ' || *c == '\t');
            cur = Some(Entry { line: line_no, blank_owner: blank, tokens: Vec::new() });
        }
        let err = |col: usize, m: &str| LexError { line: line_no, col, message: m.to_string() };
        while k < bytes.len() {
            let c = bytes[k];
            match c {
                ' ' | '\t' => k += 1,
                ';' => break,
                '(' => {
                    if depth > 0 {
                        return Err(err(k + 1, "unbalanced parentheses"));
                    }
                    depth = 1;
                    paren_line = line_no;
                    k += 1;
                }
                ')' => {
                    if depth == 0 {
                        return Err(err(k + 1, "unbalanced parentheses"));
                    }
                    depth = 0;
                    k += 1;
                }
                '"' => {
                    let start = k;
                    k += 1;
                    let mut s = String::new();
                    let mut closed = false;
                    while k < bytes.len() {
                        match bytes[k] {
                            '\\' => {
                                s.push('\\');
                                if k + 1 < bytes.len() {
                                    s.push(bytes[k + 1]);
                                    k += 2;
                                } else {
                                    k += 1;
                                }
                            }
                            '"' => {
                                closed = true;
                                k += 1;
                                break;
                            }
                            ch => {
                                s.push(ch);
                                k += 1;
                            }
                        }
                    }
                    if !closed {
                        return Err(err(start + 1, "unbalanced quotes"));
                    }
                    if let Some(e) = cur.as_mut() {
                        e.tokens.push(Token { text: s, quoted: true, line: line_no, col: start + 1 });
                    }
                }
                _ => {
                    let start = k;
                    let mut s = String::new();
                    while k < bytes.len() {
                        let ch = bytes[k];
                        if ch == '\\' {
                            s.push('\\');
                            if k + 1 < bytes.len() {
                                s.push(bytes[k + 1]);
                                k += 2;
                            } else {
                                k += 1;
                            }
                            continue;
                        }
                        if matches!(ch, ' ' | '\t' | ';' | '(' | ')' | '"') {
                            break;
                        }
                        s.push(ch);
                        k += 1;
                    }
                    if let Some(e) = cur.as_mut() {
                        e.tokens.push(Token { text: s, quoted: false, line: line_no, col: start + 1 });
                    }
                }
            }
        }
        if depth == 0
            && let Some(e) = cur.take()
            && !e.tokens.is_empty()
        {
            out.push(e);
        }
    }
    if depth > 0 {
        return Err(LexError { line: paren_line, col: 1, message: "unbalanced parentheses (no closing `)`)".into() });
    }
    Ok(out)
}

/// The bytes a token stands for: `\X` is X, `\DDD` the byte DDD.
pub(super) fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
                let n: u32 = std::str::from_utf8(&b[i + 1..i + 4]).ok().and_then(|d| d.parse().ok()).unwrap_or(256);
                if n > 255 {
                    return Err(format!("bad escape \\{}", &s[i + 1..i + 4]));
                }
                out.push(n as u8);
                i += 4;
            } else if i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
            } else {
                return Err("a lone backslash at the end".into());
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        entries(text).unwrap().into_iter().map(|e| e.tokens.into_iter().map(|t| t.text).collect()).collect()
    }

    #[test]
    fn quotes_protect_parentheses_and_semicolons() {
        assert_eq!(words("a TXT \"x (y\" ( \"z\" )\nb TXT \"ok :)\" ; c\n"), [vec!["a", "TXT", "x (y", "z"], vec!["b", "TXT", "ok :)"]]);
        assert_eq!(words("a TXT v=spf1\\;redirect ; c\n"), [vec!["a", "TXT", "v=spf1\\;redirect"]]);
        assert_eq!(words("t TXT \"a\"\"b\"\n"), [vec!["t", "TXT", "a", "b"]]);
        assert_eq!(words("@ SOA a. b. (1\n 2 ; two\n 3 4 5)\n"), [vec!["@", "SOA", "a.", "b.", "1", "2", "3", "4", "5"]]);
    }

    #[test]
    fn unbalanced_input_is_refused_where_it_starts() {
        assert_eq!(entries("a A 1.2.3.4 )\n").unwrap_err().message, "unbalanced parentheses");
        assert_eq!(entries("a TXT \"abc\n").unwrap_err().line, 1);
        assert_eq!(entries("x\n@ SOA a. b. ( 1 2\n").unwrap_err().line, 2);
        assert_eq!(unescape("a\\059b\\\\").unwrap(), b"a;b\\");
        assert!(unescape("\\256").is_err());
    }
}
