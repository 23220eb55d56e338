//! Database passwords kept off command lines. A password in a URL parameter
//! never reaches a remote command's argv (where `ps` shows it to every user of
//! the host): the URL is passed without it, and libpq finds it in a temporary
//! PGPASSFILE that the command reads from its standard input, created
//! private, removed when the command ends.

/// The URL without its password, and the pgpass line that supplies it.
pub fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else { return (url.to_string(), None) };
    // The password runs to the last `@` (it may hold `/`, `:` or `@`).
    let Some((userinfo, hostpart)) = rest.rsplit_once('@') else { return (url.to_string(), None) };
    let Some((user, password)) = userinfo.split_once(':') else { return (url.to_string(), None) };
    if password.is_empty() {
        return (url.to_string(), None);
    }
    let authority = hostpart.split(['/', '?']).next().unwrap_or("");
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h.to_string(), p.strip_prefix(':').unwrap_or("").to_string()),
            None => (authority.to_string(), String::new()),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.to_string()),
            None => (authority.to_string(), String::new()),
        }
    };
    let host = if host.is_empty() { "localhost".to_string() } else { decode(&host) };
    let port = if port.is_empty() { "5432".to_string() } else { port };
    let line = format!("{}:{}:*:{}:{}", esc(&host), esc(&port), esc(&decode(user)), esc(&decode(password)));
    (format!("{scheme}://{user}@{hostpart}"), Some(line))
}

/// pgpass fields escape `:` and `\`.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace(':', "\\:")
}

/// libpq decodes percent-escapes in URLs.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How the wrapper starts (the simulated hosts recognise it).
pub const WRAP: &str = "f=$(mktemp) || exit 125; trap 'rm -f \"$f\"' EXIT HUP TERM; ";

/// `command` run with a PGPASSFILE made of the first `lines` lines of its
/// standard input (read a line at a time, so what follows them, a dump to
/// restore, is left for the command).
pub fn wrap(command: &str, lines: usize) -> String {
    format!(
        "{WRAP}i=0; while [ \"$i\" -lt {lines} ] && IFS= read -r l; do printf '%s\\n' \"$l\" >> \"$f\"; i=$((i+1)); done; PGPASSFILE=\"$f\" sh -c {}",
        crate::ssh::quote::sh(command)
    )
}

/// What the wrapper reads: the pgpass lines.
pub fn input(lines: &[String]) -> Vec<u8> {
    let mut s = lines.join("\n");
    s.push('\n');
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url_for_pgpass() {
        let (u, l) = split_password("postgres://shop:p'a/ss:w@rd@db.internal:6432/shop?sslmode=require");
        assert_eq!(u, "postgres://shop@db.internal:6432/shop?sslmode=require");
        assert_eq!(l.as_deref(), Some("db.internal:6432:*:shop:p'a/ss\\:w@rd"));
        let (u, l) = split_password("postgresql://u:p%40ss@[::1]/x");
        assert_eq!(u, "postgresql://u@[::1]/x");
        assert_eq!(l.as_deref(), Some("\\:\\:1:5432:*:u:p@ss"));
        assert_eq!(split_password("postgres://u@h/db"), ("postgres://u@h/db".to_string(), None));
        assert!(wrap("pg_dump -d 'x'", 1).starts_with(WRAP));
    }
}
