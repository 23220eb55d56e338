//! Is a database's backup healthy? Coolify schedules backups with a cron
//! expression or a word (`daily`, `weekly`...); a backup is overdue when the
//! schedule's last due time (minus a grace period for the job to run) has
//! passed without a successful execution.

use super::model::{Backup, Execution};
use chrono::{DateTime, Duration, Utc};
use croner::Cron;
use std::str::FromStr;

/// How long after its due time a backup may take before it counts as missed.
pub const GRACE: Duration = Duration::hours(1);

/// The cron expression of a Coolify frequency (`VALID_CRON_STRINGS` or cron).
pub fn cron_of(freq: &str) -> String {
    match freq.trim().trim_start_matches('@') {
        "every_minute" => "* * * * *".into(),
        "hourly" => "0 * * * *".into(),
        "daily" => "0 0 * * *".into(),
        "weekly" => "0 0 * * 0".into(),
        "monthly" => "0 0 1 * *".into(),
        "yearly" | "annually" => "0 0 1 1 *".into(),
        other => other.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Health {
    /// The last scheduled backup succeeded.
    Ok { last: DateTime<Utc>, size: Option<i64> },
    /// A backup is running now.
    Running { since: DateTime<Utc> },
    /// No backup schedule at all.
    NoSchedule,
    /// Every schedule is switched off.
    Disabled,
    /// The latest execution failed.
    Failed { at: DateTime<Utc>, message: String },
    /// The schedule was due and nothing succeeded since.
    Overdue { last: Option<DateTime<Utc>>, due: DateTime<Utc> },
    /// Coolify holds a frequency cutover cannot read.
    BadFrequency(String),
}

impl Health {
    /// The time its summary counts an age from, if it shows one.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        match self {
            Health::Ok { last, .. } => Some(*last),
            Health::Running { since } => Some(*since),
            Health::Failed { at, .. } => Some(*at),
            Health::Overdue { last, .. } => *last,
            _ => None,
        }
    }

    /// Worth a warning in the list.
    pub fn is_warning(&self) -> bool {
        !matches!(self, Health::Ok { .. } | Health::Running { .. })
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Health::Failed { .. })
    }

    /// One short phrase for a table cell.
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        match self {
            Health::Ok { last, size } => match size {
                Some(s) => format!("ok {} ago, {}", age(now - *last), bytes(*s)),
                None => format!("ok {} ago", age(now - *last)),
            },
            Health::Running { since } => format!("running for {}", age(now - *since)),
            Health::NoSchedule => "no backup schedule".into(),
            Health::Disabled => "schedule disabled".into(),
            Health::Failed { at, .. } => format!("last backup FAILED {} ago", age(now - *at)),
            Health::Overdue { last: Some(l), .. } => format!("overdue: last {} ago", age(now - *l)),
            Health::Overdue { last: None, .. } => "overdue: never ran".into(),
            Health::BadFrequency(f) => format!("unreadable schedule `{f}`"),
        }
    }
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc)).or_else(|| {
        // Coolify also writes `2026-11-20 02:00:01`.
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok().map(|n| n.and_utc())
    })
}

fn latest(execs: &[Execution]) -> Option<(&Execution, DateTime<Utc>)> {
    execs.iter().filter_map(|e| parse_time(&e.created_at).map(|t| (e, t))).max_by_key(|(_, t)| *t)
}

/// The health of one schedule.
pub fn of_schedule(b: &Backup, now: DateTime<Utc>) -> Health {
    if !b.enabled {
        return Health::Disabled;
    }
    let cron = match Cron::from_str(&cron_of(&b.frequency)) {
        Ok(c) => c,
        Err(_) => return Health::BadFrequency(b.frequency.clone()),
    };
    if let Some((e, t)) = latest(&b.executions) {
        match e.status.as_str() {
            "running" => return Health::Running { since: t },
            "failed" => return Health::Failed { at: t, message: e.message.clone().unwrap_or_default() },
            _ => {}
        }
    }
    let last_ok = b.executions.iter().filter(|e| e.status == "success").filter_map(|e| parse_time(&e.created_at)).max();
    let Ok(due) = cron.find_previous_occurrence(&(now - GRACE), true) else {
        return Health::BadFrequency(b.frequency.clone());
    };
    match last_ok {
        // Executions start a moment after the due time; allow for clock skew too.
        Some(l) if l + Duration::minutes(5) >= due => {
            Health::Ok { last: l, size: b.executions.iter().find(|e| parse_time(&e.created_at) == Some(l)).and_then(|e| e.size) }
        }
        last => Health::Overdue { last, due },
    }
}

/// The worst health over a database's schedules.
pub fn of_database(backups: &[Backup], now: DateTime<Utc>) -> Health {
    if backups.is_empty() {
        return Health::NoSchedule;
    }
    let all: Vec<Health> = backups.iter().map(|b| of_schedule(b, now)).collect();
    if all.iter().all(|h| *h == Health::Disabled) {
        return Health::Disabled;
    }
    let rank = |h: &Health| match h {
        Health::Failed { .. } => 0,
        Health::Overdue { .. } => 1,
        Health::BadFrequency(_) => 2,
        Health::Running { .. } => 4,
        Health::Ok { .. } => 5,
        Health::Disabled | Health::NoSchedule => 6,
    };
    all.into_iter().min_by_key(rank).unwrap_or(Health::NoSchedule)
}

/// When `age(now - t)` next reads differently (strictly after `now`).
pub fn next_age_change(t: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let s = (now - t).num_seconds().max(0);
    let step = match s {
        0..60 => 1,
        60..3600 => 60,
        3600..172_800 => 3600,
        _ => 86_400,
    };
    t + Duration::seconds((s / step + 1) * step)
}

/// `5m`, `3h`, `2d`.
pub fn age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Binary units, one decimal.
pub fn bytes(n: i64) -> String {
    let n = n.max(0) as f64;
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 { format!("{n} B") } else { format!("{v:.1} {}", units[i]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    fn exec(at: &str, status: &str) -> Execution {
        Execution { uuid: "e".into(), created_at: at.into(), status: status.into(), size: Some(2048), ..Default::default() }
    }

    fn backup(freq: &str, execs: Vec<Execution>) -> Backup {
        Backup { uuid: "b".into(), enabled: true, frequency: freq.into(), executions: execs, ..Default::default() }
    }

    #[test]
    fn daily_backup_that_ran_is_ok_and_one_that_did_not_is_overdue() {
        let now = t("2026-11-21T10:00:00Z");
        let ok = backup("0 2 * * *", vec![exec("2026-11-21T02:00:03Z", "success"), exec("2026-11-20T02:00:03Z", "success")]);
        assert_eq!(of_schedule(&ok, now), Health::Ok { last: t("2026-11-21T02:00:03Z"), size: Some(2048) });
        let late = backup("0 2 * * *", vec![exec("2026-11-19T02:00:03Z", "success")]);
        assert!(matches!(of_schedule(&late, now), Health::Overdue { due, .. } if due == t("2026-11-21T02:00:00Z")));
        // Within the grace period after the due time nothing is overdue yet.
        assert!(matches!(of_schedule(&late, t("2026-11-20T02:30:00Z")), Health::Ok { .. }));
    }

    #[test]
    fn words_failures_and_missing_schedules() {
        let now = t("2026-11-21T10:00:00Z");
        let weekly = backup("weekly", vec![exec("2026-11-15T00:00:10Z", "success")]);
        assert!(matches!(of_schedule(&weekly, now), Health::Ok { .. }), "Sunday 00:00 ran");
        let failed = backup("daily", vec![exec("2026-11-21T00:00:10Z", "failed"), exec("2026-11-20T00:00:10Z", "success")]);
        assert!(of_schedule(&failed, now).is_error());
        assert_eq!(of_database(&[], now), Health::NoSchedule);
        assert_eq!(of_schedule(&backup("every full moon", vec![]), now), Health::BadFrequency("every full moon".into()));
        let never = backup("hourly", vec![]);
        assert_eq!(of_schedule(&never, now).summary(now), "overdue: never ran");
        let mut off = backup("daily", vec![]);
        off.enabled = false;
        assert_eq!(of_database(&[off], now), Health::Disabled);
        assert_eq!(of_database(&[failed, weekly], now).summary(now), "last backup FAILED 9h ago");
    }

    #[test]
    fn sizes_and_ages() {
        assert_eq!(bytes(48_213_557), "46.0 MiB");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(age(Duration::minutes(90)), "1h");
        assert_eq!(age(Duration::days(3)), "3d");
    }

    #[test]
    fn ages_change_when_their_reading_does() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let at = |secs: i64| t + Duration::seconds(secs);
        assert_eq!(next_age_change(t, at(2)), at(3), "2s becomes 3s");
        assert_eq!(next_age_change(t, at(59)), at(60));
        assert_eq!(next_age_change(t, at(61)), at(120), "1m until 2m");
        assert_eq!(next_age_change(t, at(3700)), at(7200), "1h until 2h");
        assert_eq!(next_age_change(t, at(200_000)), at(259_200), "2d until 3d");
        assert_eq!(next_age_change(at(10), t), at(11), "a time ahead reads 0s until a second after it");
        for s in [0, 1, 59, 60, 3599, 3600, 172_799, 172_800] {
            assert!(next_age_change(t, at(s)) > at(s), "always after now ({s})");
            assert_ne!(age(at(s) - t), age(next_age_change(t, at(s)) - t), "and it reads differently ({s})");
        }
    }
}
