//! What a log filter or highlight looks for: a regex, or plain text when the
//! pattern has no regex syntax (or is not a valid regex); case toggled apart.

use regex::{Regex, RegexBuilder};

#[derive(Clone, Debug)]
pub struct Matcher {
    pub source: String,
    pub case_sensitive: bool,
    pub regex: Regex,
    pub is_regex: bool,
}

const META: &[char] = &['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\'];

impl Matcher {
    pub fn new(source: &str, case_sensitive: bool) -> Option<Matcher> {
        if source.is_empty() {
            return None;
        }
        let build = |p: &str| RegexBuilder::new(p).case_insensitive(!case_sensitive).size_limit(1 << 22).build();
        let (regex, is_regex) = match source.contains(META).then(|| build(source)) {
            Some(Ok(re)) => (re, true),
            _ => (build(&regex::escape(source)).ok()?, false),
        };
        Some(Matcher { source: source.to_string(), case_sensitive, regex, is_regex })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Byte ranges of the matches in `text`, for highlighting.
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        self.regex.find_iter(text).filter(|m| m.end() > m.start()).map(|m| (m.start(), m.end())).collect()
    }

    pub fn with_case(&self, case_sensitive: bool) -> Option<Matcher> {
        Matcher::new(&self.source, case_sensitive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_regex_and_case() {
        let m = Matcher::new("error", false).unwrap();
        assert!(m.is_match("An ERROR here") && !m.is_regex);
        let m = m.with_case(true).unwrap();
        assert!(!m.is_match("An ERROR here"));
        let m = Matcher::new("req-[0-9a-f]{4}", true).unwrap();
        assert!(m.is_regex);
        assert_eq!(m.ranges("x req-12ab y req-ffff"), [(2, 10), (13, 21)]);
        // Not a valid regex: taken literally.
        let m = Matcher::new("f(", true).unwrap();
        assert!(m.is_match("call f(x)") && !m.is_regex);
    }
}
