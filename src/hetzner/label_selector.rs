//! Hetzner label selectors: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`,
//! `k notin (a,b)`, joined by `,` (AND).

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    Eq(String, String),
    Ne(String, String),
    Exists(String),
    Absent(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Selector(pub Vec<Term>);

/// A key as Hetzner documents labels: `[prefix/]name`, the prefix a lower-case
/// DNS name, the name like a value but not empty.
fn valid_key(k: &str) -> bool {
    let (prefix, name) = k.rsplit_once('/').map_or((None, k), |(p, n)| (Some(p), n));
    let dns_label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    prefix.is_none_or(|p| p.len() <= 253 && p.split('.').all(dns_label)) && !name.is_empty() && valid_value(name)
}

/// A value: at most 63 characters; empty, or starting and ending with a letter
/// or digit with `-`, `_`, `.` between.
fn valid_value(v: &str) -> bool {
    let alnum_ends =
        v.chars().next().is_none_or(|c| c.is_ascii_alphanumeric()) && v.chars().last().is_none_or(|c| c.is_ascii_alphanumeric());
    v.len() <= 63 && alnum_ends && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Labels written `k=v,k2=v2` (a bare `k` has an empty value), checked as
/// Hetzner checks them (`hetzner.cloud/` is Hetzner's own prefix).
pub fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').map_or((part, ""), |(k, v)| (k.trim(), v.trim()));
        if !valid_key(k) || k.starts_with("hetzner.cloud/") {
            return Err(format!("`{k}` is not a label key (letters, digits, - _ . and an optional prefix/, at most 63)"));
        }
        if !valid_value(v) {
            return Err(format!(
                "`{v}` is not a label value (at most 63: letters, digits, - _ ., starting and ending with a letter or digit)"
            ));
        }
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("`{k}` is given twice"));
        }
    }
    Ok(out)
}

/// Splits on commas outside parentheses.
fn split_terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

impl Selector {
    pub fn parse(s: &str) -> Result<Selector, String> {
        let mut terms = Vec::new();
        if s.trim().is_empty() {
            return Ok(Selector(terms));
        }
        for raw in split_terms(s) {
            let t = raw.trim();
            let term = if let Some((k, v)) = t.split_once("!=") {
                Term::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = t.split_once("==") {
                Term::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = t.split_once('=') {
                Term::Eq(k.trim().into(), v.trim().into())
            } else if let Some(k) = t.strip_prefix('!') {
                Term::Absent(k.trim().into())
            } else if let Some((k, rest)) = t.split_once(" notin ") {
                Term::NotIn(k.trim().into(), list(rest)?)
            } else if let Some((k, rest)) = t.split_once(" in ") {
                Term::In(k.trim().into(), list(rest)?)
            } else {
                Term::Exists(t.into())
            };
            let (key, values): (&str, Vec<&str>) = match &term {
                Term::Eq(k, v) | Term::Ne(k, v) => (k, vec![v.as_str()]),
                Term::Exists(k) | Term::Absent(k) => (k, vec![]),
                Term::In(k, vs) | Term::NotIn(k, vs) => (k, vs.iter().map(String::as_str).collect()),
            };
            if !valid_key(key) {
                return Err(format!("invalid label key `{key}` in `{t}`"));
            }
            if let Some(v) = values.iter().find(|v| !valid_value(v)) {
                return Err(format!("invalid label value `{v}` in `{t}`"));
            }
            terms.push(term);
        }
        Ok(Selector(terms))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|t| match t {
            Term::Eq(k, v) => labels.get(k) == Some(v),
            Term::Ne(k, v) => labels.get(k) != Some(v),
            Term::Exists(k) => labels.contains_key(k),
            Term::Absent(k) => !labels.contains_key(k),
            Term::In(k, vs) => labels.get(k).is_some_and(|x| vs.contains(x)),
            Term::NotIn(k, vs) => labels.get(k).is_none_or(|x| !vs.contains(x)),
        })
    }
}

fn list(s: &str) -> Result<Vec<String>, String> {
    let s = s.trim();
    let inner =
        s.strip_prefix('(').and_then(|x| x.strip_suffix(')')).ok_or_else(|| format!("expected (a,b) after in/notin, found `{s}`"))?;
    Ok(inner.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn evaluates_every_form() {
        let l = labels(&[("env", "production"), ("role", "web")]);
        for (sel, want) in [
            ("env=production", true),
            ("env==production,role!=db", true),
            ("role!=web", false),
            ("env", true),
            ("!legacy", true),
            ("!env", false),
            ("role in (web,db)", true),
            ("role notin (web,db)", false),
            ("env=production,role in (db)", false),
            ("", true),
        ] {
            assert_eq!(Selector::parse(sel).unwrap().matches(&l), want, "{sel}");
        }
        assert!(Selector::parse("env=prod uction").is_err());
        assert!(Selector::parse("role in web").is_err());
    }
}
