//! Remote command lines: SSH sends one string to the remote shell, so every
//! argument is quoted here.

/// Single-quotes `s` for a POSIX shell.
pub fn sh(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Finds the running container of a Coolify application (its name contains the
/// application uuid; preview containers `-pr-N` are left out).
pub fn find_container(uuid: &str) -> String {
    format!("docker ps --filter name={} --filter status=running --format '{{{{.Names}}}}'", sh(uuid))
}

/// Picks the container from `docker ps` output.
pub fn pick_container(ps_output: &str, uuid: &str) -> Option<String> {
    ps_output.lines().map(str::trim).filter(|n| n.contains(uuid) && !n.contains("-pr-")).min_by_key(|n| n.len()).map(str::to_string)
}

/// `docker exec` of a shell command inside a container.
pub fn docker_exec(container: &str, command: &str) -> String {
    format!("docker exec {} sh -c {}", sh(container), sh(command))
}

/// Wraps a command so its pid comes first on stderr, for cancelling it with
/// `kill` (OpenSSH ignores signal requests for root logins).
pub fn with_pid(command: &str) -> String {
    format!("echo \"{PID_MARK}$$\" >&2; exec sh -c {}", sh(command))
}

pub const PID_MARK: &str = "__cutover_pid=";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(sh("plain-word_1.2"), "plain-word_1.2");
        assert_eq!(sh("it's here"), "'it'\\''s here'");
        assert_eq!(sh(""), "''");
        assert_eq!(docker_exec("abc-123", "python manage.py check"), "docker exec abc-123 sh -c 'python manage.py check'");
        assert_eq!(find_container("u1"), "docker ps --filter name=u1 --filter status=running --format '{{.Names}}'");
        assert_eq!(pick_container("u1-pr-3\nu1-1415\nother\n", "u1").as_deref(), Some("u1-1415"));
    }
}
