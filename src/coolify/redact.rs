//! Secrets in deployment logs: Coolify masks shown-once variables only, so
//! cutover masks the values it knows (the app's env values) and anything that
//! looks like a credential (`user:password@` in URLs, `*_SECRET=...`).

use regex::Regex;
use std::sync::LazyLock;

// A literal pattern, compiled once and covered by the tests below.
#[allow(clippy::expect_used)]
static URL_CRED: LazyLock<Regex> =
    // The password is everything between `user:` and the last `@` of the URL
    // (passwords with `/`, `:` or `@` in them included).
    LazyLock::new(|| Regex::new(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/\s@]+:)([^\s]*)@").expect("static regex"));
// A literal pattern, compiled once and covered by the tests below.
#[allow(clippy::expect_used)]
static SECRET_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|_KEY$|CREDENTIAL)").expect("static regex"));

pub const MASK: &str = "****";
// A literal pattern, compiled once and covered by the tests below.
#[allow(clippy::expect_used)]
static KEY_VAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY)[A-Z0-9_]*=)([^\s]+)").expect("static regex")
});

pub fn redact(line: &str, known: &[String]) -> String {
    let mut out = line.to_string();
    for k in known.iter().filter(|k| k.len() >= 6) {
        if out.contains(k.as_str()) {
            out = out.replace(k.as_str(), "****");
        }
    }
    let out = URL_CRED.replace_all(&out, "${1}****@");
    KEY_VAL.replace_all(&out, "${1}****").into_owned()
}

/// A variable whose name says it holds a secret.
pub fn secret_key(key: &str) -> bool {
    SECRET_KEY.is_match(key)
}

/// What the screen may show of a variable's value: secrets masked whole,
/// passwords inside URLs masked, everything else as is.
pub fn mask_value(key: &str, value: &str) -> String {
    if secret_key(key) && !value.is_empty() {
        return MASK.to_string();
    }
    // A value that is one URL: its password runs to the last `@`, spaces and all.
    if let Some((scheme, rest)) = value.split_once("://")
        && !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        && let Some((userinfo, host)) = rest.rsplit_once('@')
        && let Some((user, pw)) = userinfo.split_once(':')
        && !user.contains(['/', ' '])
        && !pw.is_empty()
    {
        return format!("{scheme}://{user}:{MASK}@{host}");
    }
    URL_CRED.replace_all(value, "${1}****@").into_owned()
}

/// The value to send after editing a masked one: the mask stands for the
/// secret it hides.
pub fn unmask(edited: &str, old: &str) -> String {
    if edited == MASK {
        return old.to_string();
    }
    match url_password(old) {
        Some(pw) if edited.contains(":****@") => edited.replacen(":****@", &format!(":{pw}@"), 1),
        _ => edited.to_string(),
    }
}

/// The password of a value that is one URL (everything between `user:` and
/// the last `@`).
pub fn url_password(v: &str) -> Option<&str> {
    let (_, rest) = v.split_once("://")?;
    let (userinfo, _) = rest.rsplit_once('@')?;
    let (_, pw) = userinfo.split_once(':')?;
    (!pw.is_empty() && pw != MASK).then_some(pw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_credentials() {
        assert_eq!(redact("DATABASE_URL=postgres://shop:s3cretpw@db:5432/shop", &[]), "DATABASE_URL=postgres://shop:****@db:5432/shop");
        assert_eq!(redact("export DJANGO_SECRET_KEY=abc123 ok", &[]), "export DJANGO_SECRET_KEY=**** ok");
        assert_eq!(redact("token is hunter2hunter2 here", &["hunter2hunter2".into()]), "token is **** here");
        assert_eq!(redact("https://example.com/path", &[]), "https://example.com/path");
        assert_eq!(redact("postgres://shop:a/b:c@d@db:5432/shop", &[]), "postgres://shop:****@db:5432/shop");
        assert_eq!(redact("-d 'postgres://u:p/w@h/db' ok", &[]), "-d 'postgres://u:****@h/db' ok");
        assert_eq!(mask_value("DATABASE_URL", "postgres://u:p@s s;x@h:1/db"), "postgres://u:****@h:1/db");
    }

    #[test]
    fn masks_values_and_restores_them_after_an_edit() {
        let url = "postgres://shop:s3cret@db-1:5432/shop";
        assert_eq!(mask_value("DATABASE_URL", url), "postgres://shop:****@db-1:5432/shop");
        assert_eq!(mask_value("DJANGO_SECRET_KEY", "abc"), "****");
        assert_eq!(mask_value("ALLOWED_HOSTS", "example.com"), "example.com");
        // The host changed, the password was left masked: it is kept.
        assert_eq!(unmask("postgres://shop:****@db-2:5432/shop", url), "postgres://shop:s3cret@db-2:5432/shop");
        assert_eq!(unmask("****", "hunter2"), "hunter2");
        assert_eq!(unmask("postgres://shop:new@db-2/shop", url), "postgres://shop:new@db-2/shop");
    }
}
