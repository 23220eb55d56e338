//! The version probe run inside an application's container: Python, Django,
//! key packages and the OS, one `key=value` per line.

/// Parses the probe's `key=value` lines.
pub(crate) fn parse_probe(out: &str) -> Vec<(String, String)> {
    out.lines().filter_map(|l| l.trim().split_once('=')).map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string())).collect()
}

/// The script run inside each container: Python, Django, key packages and the OS,
/// one `key=value` per line. No single quotes inside (it is single-quoted).
pub(crate) const PROBE_SCRIPT: &str = r#"import sys
print("python=%d.%d.%d" % sys.version_info[:3])
try:
    import importlib.metadata as m
except ImportError:
    m = None
for p in ("django", "gunicorn", "uvicorn", "psycopg", "psycopg2", "celery", "wagtail", "djangorestframework"):
    try:
        print(p + "=" + m.version(p))
    except Exception:
        pass
try:
    for line in open("/etc/os-release"):
        if line.startswith("PRETTY_NAME="):
            print("os=" + line.split("=", 1)[1].strip().strip(chr(34)))
except OSError:
    pass
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_output_and_script() {
        assert_eq!(
            parse_probe("python=3.12.7\ndjango=5.2.4\nos=Debian GNU/Linux 12 (bookworm)\n"),
            [("python".into(), "3.12.7".into()), ("django".into(), "5.2.4".into()), ("os".into(), "Debian GNU/Linux 12 (bookworm)".into())]
                as [(String, String); 3]
        );
        assert!(!PROBE_SCRIPT.contains('\''), "the script is single-quoted for the shell");
    }
}
