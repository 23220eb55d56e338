//! Secrets in deployment logs: Coolify masks shown-once variables only, so
//! cutover masks the values it knows (the app's env values) and anything that
//! looks like a credential (`user:password@` in URLs, `*_SECRET=...`).

use regex::Regex;
use std::sync::LazyLock;

static URL_CRED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/\s@]+:)[^@\s/]+@").expect("static regex"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_credentials() {
        assert_eq!(redact("DATABASE_URL=postgres://shop:s3cretpw@db:5432/shop", &[]), "DATABASE_URL=postgres://shop:****@db:5432/shop");
        assert_eq!(redact("export DJANGO_SECRET_KEY=abc123 ok", &[]), "export DJANGO_SECRET_KEY=**** ok");
        assert_eq!(redact("token is hunter2hunter2 here", &["hunter2hunter2".into()]), "token is **** here");
        assert_eq!(redact("https://example.com/path", &[]), "https://example.com/path");
    }
}
