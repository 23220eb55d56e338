//! Guided migration checklists: runbooks (data), runs rebuilt from an
//! append-only journal, and the checks of parameters when a run starts. The
//! steps are executed by `runtime::checklist_jobs`; the pane is `app::checklist`.

pub mod campaign;
pub mod drill;
pub mod journal;
pub mod libpq;
pub mod run;
pub mod runbook;

pub use journal::{Event, Journal, Outcome, Replayed};
pub use run::{Run, StepRun, StepState};
pub use runbook::{ParamKind, Runbook, Step};

use crate::coolify::redact::{MASK, mask_value};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Checks a value's shape for its kind (existence of servers, apps and zones
/// is checked by the console, which knows them).
pub fn check_param(kind: ParamKind, v: &str) -> Result<(), String> {
    match kind {
        ParamKind::Domain => {
            let ok = v.contains('.')
                && !v.contains("://")
                && v.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            if ok { Ok(()) } else { Err(format!("`{v}` is not a host name like new.example.com (no https://)")) }
        }
        ParamKind::Url => match v.split_once("://") {
            Some((scheme, rest)) if !scheme.is_empty() && !rest.is_empty() => Ok(()),
            _ => Err(format!("`{v}` is not a URL (scheme://...)")),
        },
        ParamKind::Ip => v.parse::<std::net::IpAddr>().map(|_| ()).map_err(|_| format!("`{v}` is not an IP address")),
        ParamKind::Number => v.parse::<f64>().map(|_| ()).map_err(|_| format!("`{v}` is not a number")),
        _ => Ok(()),
    }
}

/// What the journal may hold of a value: no secrets, no passwords in URLs.
pub fn journal_value(kind: ParamKind, v: &str) -> String {
    match kind {
        ParamKind::Secret if !v.is_empty() => MASK.to_string(),
        _ => mask_value("", v),
    }
}

/// A run id: sortable by time, readable, unique enough with the runbook name.
pub fn run_id(runbook: &str, at: DateTime<Utc>) -> String {
    format!("{}-{runbook}", at.format("%Y%m%d-%H%M%S"))
}

/// The first event of a run of `rb` with these parameter values (`run` added).
pub fn start(rb: &Runbook, id: &str, values: &BTreeMap<String, String>, contexts: BTreeMap<String, String>, at: DateTime<Utc>) -> Event {
    let mut full = values.clone();
    full.insert("run".into(), id.to_string());
    let not_applicable = rb
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.when.as_deref().is_some_and(|w| runbook::render(w, &full).trim().is_empty()))
        .map(|(i, _)| i)
        .collect();
    let params: BTreeMap<String, String> =
        rb.params.iter().map(|p| (p.name.clone(), journal_value(p.kind, values.get(&p.name).map(String::as_str).unwrap_or("")))).collect();
    // What it is for, from the parameters that name things (never URLs or secrets).
    let mut subject: Vec<&str> = Vec::new();
    for p in &rb.params {
        let v = params.get(&p.name).map(String::as_str).unwrap_or("");
        let names_a_thing =
            matches!(p.kind, ParamKind::App | ParamKind::Database | ParamKind::Domain | ParamKind::Server | ParamKind::Host);
        if names_a_thing && !v.is_empty() && !subject.contains(&v) && subject.len() < 3 {
            subject.push(v);
        }
    }
    let mut shown = params.clone();
    shown.insert("run".into(), id.to_string());
    Event::Started {
        id: id.to_string(),
        runbook: rb.name.clone(),
        // A title with placeholders names what it is for (`Crash test on {host}`).
        title: runbook::render(&rb.title, &shown),
        subject: subject.join(", "),
        params,
        contexts,
        steps: rb.steps.clone(),
        not_applicable,
        at,
        part: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_shapes() {
        assert!(check_param(ParamKind::Domain, "new.example.com").is_ok());
        assert!(check_param(ParamKind::Domain, "https://new.example.com").unwrap_err().contains("no https://"));
        assert!(check_param(ParamKind::Ip, "203.0.113.5").is_ok());
        assert!(check_param(ParamKind::Ip, "203.0.113").is_err());
        assert!(check_param(ParamKind::Url, "postgres://u@h/db").is_ok());
        assert!(check_param(ParamKind::Url, "h/db").is_err());
    }

    #[test]
    fn secrets_stay_out_of_the_journal() {
        assert_eq!(journal_value(ParamKind::Url, "postgres://shop:pw@db:5432/shop"), "postgres://shop:****@db:5432/shop");
        assert_eq!(journal_value(ParamKind::Secret, "hunter2"), "****");
        assert_eq!(journal_value(ParamKind::Text, "plain"), "plain");
    }

    #[test]
    fn steps_with_an_empty_condition_are_not_applicable() {
        let (all, _) = runbook::load_all(None);
        let rb = &all.iter().find(|(r, _)| r.name == "move-site").unwrap().0;
        let values: BTreeMap<String, String> =
            [("app", "shop"), ("old_pipeline", "")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let Event::Started { not_applicable, params, .. } = start(rb, "r1", &values, BTreeMap::new(), Utc::now()) else { unreachable!() };
        let last = rb.steps.len() - 1;
        assert_eq!(not_applicable, [last], "only the old-pipeline reminder");
        assert_eq!(params["app"], "shop");
    }

    #[test]
    fn a_title_names_what_the_run_is_for_and_its_subject_is_kept() {
        let rb = Runbook::parse(
            std::path::Path::new("t.toml"),
            "name = \"t\"\ntitle = \"Crash test on {host}\"\n[[params]]\nname = \"host\"\nlabel = \"Host\"\nkind = \"host\"\n\
             [[params]]\nname = \"app\"\nlabel = \"App\"\nkind = \"app\"\n[[params]]\nname = \"url\"\nlabel = \"URL\"\nkind = \"url\"\n\
             [[steps]]\nid = \"a\"\ntitle = \"A\"\n",
        )
        .unwrap();
        let values: BTreeMap<String, String> = [("host", "web-1"), ("app", "shop-production"), ("url", "postgres://u:pw@h/db")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let Event::Started { title, subject, .. } = start(&rb, "r1", &values, BTreeMap::new(), Utc::now()) else { unreachable!() };
        assert_eq!(title, "Crash test on web-1");
        assert_eq!(subject, "web-1, shop-production", "the things it names; never a URL");
    }
}
