//! Log levels for colouring, recognised in the formats Django sites produce:
//! Django/Python logging, gunicorn, uvicorn, nginx (access and error), PostgreSQL.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum Level {
    #[default]
    None = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

impl Level {
    pub fn from_u8(v: u8) -> Level {
        match v {
            1 => Level::Debug,
            2 => Level::Info,
            3 => Level::Warn,
            4 => Level::Error,
            _ => Level::None,
        }
    }
}

fn has(h: &str, n: &str) -> bool {
    h.contains(n)
}

/// The level of one line; looks only at the first 240 bytes.
pub fn detect(line: &str) -> Level {
    let mut end = line.len().min(240);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let h = &line[..end];
    // gunicorn `[ERROR]`, nginx error log `[error]`/`[crit]`, uvicorn `ERROR:`,
    // Django `ERROR `, PostgreSQL `ERROR:  ` / `FATAL:  ` / `PANIC:  `.
    if has(h, "ERROR")
        || has(h, "[error]")
        || has(h, "CRITICAL")
        || has(h, "FATAL")
        || has(h, "PANIC")
        || has(h, "[crit]")
        || has(h, "[alert]")
        || has(h, "[emerg]")
        || h.starts_with("Traceback (most recent call last)")
    {
        return Level::Error;
    }
    if has(h, "WARNING") || has(h, "[warn]") || has(h, "WARN ") || has(h, "[WARN]") {
        return Level::Warn;
    }
    if let Some(code) = http_status(h) {
        return match code {
            500..=599 => Level::Error,
            400..=499 => Level::Warn,
            _ => Level::Info,
        };
    }
    if has(h, "DEBUG") || has(h, "[debug]") {
        return Level::Debug;
    }
    if has(h, "INFO") || has(h, "[notice]") || has(h, "[info]") || has(h, "LOG:  ") {
        return Level::Info;
    }
    Level::None
}

/// The status of an nginx/gunicorn access line: `"GET / HTTP/1.1" 502 ...`.
fn http_status(h: &str) -> Option<u16> {
    let i = h.find(" HTTP/")?;
    let rest = &h[i..];
    let q = rest.find("\" ")?;
    let code = rest.get(q + 2..q + 5)?;
    code.parse().ok()
}

/// Length of a leading RFC 3339 timestamp and its space (`docker logs -t`), or 0.
pub fn timestamp_len(line: &str) -> usize {
    let b = line.as_bytes();
    if b.len() < 21 || !(b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':') || !b[..4].iter().all(u8::is_ascii_digit) {
        return 0;
    }
    match line.find(' ') {
        Some(i) if i <= 40 && (line[..i].ends_with('Z') || line[..i].contains('+')) => i + 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_formats() {
        let cases = [
            ("[2026-11-21 10:00:01 +0000] [7] [ERROR] Worker (pid:12) was sent SIGKILL!", Level::Error),
            ("[2026-11-21 10:00:01 +0000] [7] [INFO] Booting worker with pid: 12", Level::Info),
            ("ERROR 2026-11-21 10:00:01,123 log Internal Server Error: /checkout/", Level::Error),
            ("WARNING 2026-11-21 10:00:01,123 log Not Found: /favicon.ico", Level::Warn),
            ("INFO:     10.0.1.5:51234 - \"GET /healthz HTTP/1.1\" 200 OK", Level::Info),
            ("10.0.1.5 - - [21/Nov/2026:10:00:01 +0000] \"GET /api HTTP/1.1\" 502 157 \"-\" \"curl/8\"", Level::Error),
            ("10.0.1.5 - - [21/Nov/2026:10:00:01 +0000] \"GET /x HTTP/1.1\" 404 0 \"-\" \"-\"", Level::Warn),
            ("2026/11/21 10:00:01 [error] 29#29: *1 connect() failed (111: Connection refused)", Level::Error),
            ("2026-11-21 10:00:01.123 UTC [61] ERROR:  duplicate key value violates unique constraint", Level::Error),
            ("2026-11-21 10:00:01.123 UTC [61] FATAL:  password authentication failed for user \"shop\"", Level::Error),
            ("2026-11-21 10:00:01.123 UTC [1] LOG:  database system is ready to accept connections", Level::Info),
            ("Traceback (most recent call last):", Level::Error),
            ("plain text", Level::None),
        ];
        for (line, want) in cases {
            assert_eq!(detect(line), want, "{line}");
        }
    }

    #[test]
    fn finds_docker_timestamps() {
        assert_eq!(timestamp_len("2026-11-21T10:00:01.123456789Z hello"), 31);
        assert_eq!(timestamp_len("2026-11-21T10:00:01+00:00 x"), 26);
        assert_eq!(timestamp_len("hello 2026"), 0);
    }
}
