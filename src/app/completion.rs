//! Completion: what the word left of the cursor can be, in command mode and
//! in a form's picker fields. The grammar (which argument takes what) follows
//! the command table; the names come from what the console has loaded.

use super::commands::COMMANDS;
use super::panes::PaneId;
use super::prompt::Prompt;
use super::state::State;

/// Where a word's candidates come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Pane names and the command table's words.
    Command,
    Server,
    App,
    Database,
    Zone,
    /// Servers, Coolify servers and the literal `Host` names of ssh_config.
    Host,
    Theme,
    Keymap,
    Context,
    Runbook,
    LabelKey,
    LabelValue(String),
    Words(&'static [&'static str]),
    /// `:exec`'s first argument: a host, or `app`.
    HostOrApp,
}

impl Source {
    /// What a picker over it is called ("a server").
    pub(crate) fn what(&self) -> &'static str {
        match self {
            Source::Command => "command",
            Source::Server => "server",
            Source::App => "application",
            Source::Database => "database",
            Source::Zone => "zone",
            Source::Host | Source::HostOrApp => "host",
            Source::Theme => "theme",
            Source::Keymap => "keymap",
            Source::Context => "context",
            Source::Runbook => "runbook",
            Source::LabelKey => "label",
            Source::LabelValue(_) => "label value",
            Source::Words(_) => "word",
        }
    }
}

/// The names a source holds now, sorted, each once.
pub(crate) fn names(state: &State, src: &Source) -> Vec<String> {
    let w = &state.world;
    let inv = w.coolify.as_ref();
    let mut out: Vec<String> = match src {
        Source::Command => super::commands::words().into_iter().map(str::to_string).collect(),
        Source::Server => w.servers.iter().map(|s| s.name.clone()).collect(),
        Source::App => inv.map(|i| i.applications.iter().map(|a| a.name.clone()).collect()).unwrap_or_default(),
        Source::Database => inv.map(|i| i.databases.iter().map(|d| d.name.clone()).collect()).unwrap_or_default(),
        Source::Zone => w.zones.list.iter().map(|z| z.name.clone()).collect(),
        Source::Host | Source::HostOrApp => {
            let mut h: Vec<String> = w.servers.iter().map(|s| s.name.clone()).collect();
            if let Some(i) = inv {
                h.extend(i.servers.iter().map(|s| s.name.clone()));
            }
            h.extend(w.contexts.ssh_hosts.iter().filter(|p| !p.contains(['*', '?', '!'])).cloned());
            if *src == Source::HostOrApp {
                h.push("app".into());
            }
            h
        }
        Source::Theme => state.themes.iter().map(|t| t.name.clone()).collect(),
        Source::Keymap => state.keymaps.iter().map(|k| k.name.clone()).collect(),
        Source::Context => {
            let mut c: Vec<String> = w.contexts.hetzner_all.iter().map(|(n, _)| n.clone()).collect();
            if c.is_empty() {
                c.push(w.context_name());
            }
            c
        }
        Source::Runbook => state.panes.checklist.runbooks.iter().map(|(r, _)| r.name.clone()).collect(),
        Source::LabelKey => w.servers.iter().flat_map(|s| s.labels.keys().cloned()).collect(),
        Source::LabelValue(k) => w.servers.iter().filter_map(|s| s.labels.get(k).cloned()).filter(|v| !v.is_empty()).collect(),
        Source::Words(list) => list.iter().map(|s| s.to_string()).collect(),
    };
    out.sort();
    out.dedup();
    out
}

/// The names matching `query`: those starting with it first (in order), then
/// fuzzy matches by score. Empty: all of them.
pub(crate) fn rank(names: &[String], query: &str) -> Vec<String> {
    let q = query.trim();
    if q.is_empty() {
        return names.to_vec();
    }
    let mut out: Vec<String> = names.iter().filter(|n| n.starts_with(q)).cloned().collect();
    let lower = q.to_lowercase();
    out.extend(names.iter().filter(|n| !n.starts_with(q) && n.to_lowercase().starts_with(&lower)).cloned());
    let mut matcher = nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT);
    let pattern = nucleo_matcher::pattern::Pattern::parse(
        q,
        nucleo_matcher::pattern::CaseMatching::Ignore,
        nucleo_matcher::pattern::Normalization::Smart,
    );
    let rest: Vec<&String> = names.iter().filter(|n| !out.contains(n)).collect();
    out.extend(pattern.match_list(rest, &mut matcher).into_iter().map(|(n, _)| n.clone()));
    out
}

/// Names close to a mistyped one (for "did you mean"), best first.
pub(crate) fn near(names: &[String], word: &str) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = names.iter().map(|n| (strsim::jaro_winkler(n, word), n)).filter(|(s, _)| *s > 0.7).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(5).map(|(_, n)| n.clone()).collect()
}

/// The candidates for the word left of the cursor.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Completion {
    /// Byte offset (in the text left of the cursor) where the word starts.
    pub start: usize,
    pub word: String,
    pub items: Vec<String>,
    /// The items are near misses of what was typed, not completions of it.
    pub fuzzy: bool,
    /// The item Tab last put in the line (Tab again takes the next).
    pub chosen: Option<usize>,
    /// What follows a unique completion (a space when another word follows).
    pub then: &'static str,
    /// What the items are, for the candidate line ("zone").
    pub what: &'static str,
}

/// Which source the word after `before` (the words already typed) takes, and
/// whether another word follows it.
fn source_for(before: &[&str]) -> Option<(Source, &'static str)> {
    let Some((&first, args)) = before.split_first() else {
        return Some((Source::Command, " "));
    };
    if let Some(pane) = PaneId::from_name(first) {
        return match (pane, args.len()) {
            (PaneId::Dns, 0) => Some((Source::Zone, "")),
            (PaneId::Databases, 0) => Some((Source::Database, "")),
            (PaneId::Deployments, 0) => Some((Source::App, "")),
            (PaneId::Checklist, 0) => Some((Source::Runbook, "")),
            _ => None,
        };
    }
    let c = COMMANDS.iter().find(|c| c.names.contains(&first))?;
    match (c.names[0], args) {
        ("theme", []) => Some((Source::Theme, "")),
        ("keymap", []) => Some((Source::Keymap, "")),
        ("ctx", []) => Some((Source::Context, "")),
        ("tail", []) => Some((Source::Words(&["app", "db", "journal", "file", "cmd"]), " ")),
        ("tail", ["app"]) => Some((Source::App, "")),
        ("tail", ["db"]) => Some((Source::Database, "")),
        ("tail", [.., "on"]) => Some((Source::Host, "")),
        ("exec", []) => Some((Source::HostOrApp, " ")),
        ("exec", ["app"]) => Some((Source::App, " ")),
        _ => None,
    }
}

/// What the command line `left` (the text left of the cursor) completes to.
pub(crate) fn for_command(state: &State, left: &str) -> Completion {
    let start = left.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let before: Vec<&str> = left[..start].split_whitespace().collect();
    let mut word = &left[start..];
    let mut start = start;
    let source = match before.first().copied().and_then(PaneId::from_name) {
        // A label selector: complete the term after the last `,`, its value after `=`.
        Some(PaneId::Servers) => {
            let term_at = word.rfind(',').map_or(0, |i| i + 1);
            let term = &word[term_at..];
            let (src, at) = match term.find("!=").map(|i| (i, 2)).or_else(|| term.find('=').map(|i| (i, 1))) {
                Some((i, len)) => (Source::LabelValue(term[..i].trim_start_matches('!').to_string()), term_at + i + len),
                None => (Source::LabelKey, term_at + usize::from(term.starts_with('!'))),
            };
            start += at;
            word = &word[at..];
            Some((src, ""))
        }
        _ => source_for(&before),
    };
    let Some((src, then)) = source else {
        return Completion { start, word: word.into(), items: vec![], fuzzy: false, chosen: None, then: "", what: "argument" };
    };
    matches(state, &src, start, word, then)
}

/// The candidates of `src` for `word`: completions, or else near misses.
pub(crate) fn matches(state: &State, src: &Source, start: usize, word: &str, then: &'static str) -> Completion {
    let all = names(state, src);
    let mut items: Vec<String> = all.iter().filter(|n| n.starts_with(word)).cloned().collect();
    if items.is_empty() && *src == Source::Command {
        // `zo` finds the alias `zone` when no command name starts so.
        items = super::commands::all_words().into_iter().filter(|n| n.starts_with(word)).map(str::to_string).collect();
    }
    let mut fuzzy = false;
    if items.is_empty() && !word.is_empty() {
        items = rank(&all, word);
        if items.is_empty() {
            items = near(&all, word);
        }
        fuzzy = true;
    }
    Completion { start, word: word.into(), items, fuzzy, chosen: None, then, what: src.what() }
}

fn common_prefix(items: &[String]) -> &str {
    let Some(first) = items.first() else { return "" };
    let mut n = first.len();
    for it in &items[1..] {
        n = n.min(first.bytes().zip(it.bytes()).take_while(|(a, b)| a == b).count());
    }
    while !first.is_char_boundary(n) {
        n -= 1;
    }
    &first[..n]
}

/// Tab in a prompt: a unique candidate goes in (with what follows it), several
/// extend the word to what they share and show as a line; Tab again (or
/// after a near miss) puts each in turn. `fresh` finds the candidates for the
/// text left of the cursor. `back` walks the other way.
pub(crate) fn tab(prompt: &mut Prompt, back: bool, fresh: impl FnOnce(&str) -> Completion) {
    let chars: Vec<char> = prompt.text.chars().collect();
    let left: String = chars[..prompt.cursor.min(chars.len())].iter().collect();
    let right: String = chars[prompt.cursor.min(chars.len())..].iter().collect();
    let cycling = prompt.completion.as_ref().is_some_and(|c| {
        (c.fuzzy && !c.items.is_empty())
            || (c.items.len() > 1 && (c.chosen.is_some() || left.get(c.start..) == Some(common_prefix(&c.items))))
    });
    let put = |prompt: &mut Prompt, start: usize, with: &str, right: &str| {
        let new_left = format!("{}{with}", &left[..start.min(left.len())]);
        prompt.text = format!("{new_left}{right}");
        prompt.cursor = new_left.chars().count();
    };
    if cycling && let Some(mut c) = prompt.completion.take() {
        let n = c.items.len();
        let next = match (c.chosen, back) {
            (None, false) => 0,
            (None, true) => n - 1,
            (Some(i), false) => (i + 1) % n,
            (Some(i), true) => (i + n - 1) % n,
        };
        c.chosen = Some(next);
        put(prompt, c.start, &c.items[next].clone(), &right);
        prompt.completion = Some(c);
        return;
    }
    let c = fresh(&left);
    match c.items.as_slice() {
        [one] if !c.fuzzy => {
            let with = format!("{one}{}", if right.starts_with(' ') { "" } else { c.then });
            put(prompt, c.start, &with, &right);
            prompt.completion = None;
        }
        [] => prompt.completion = Some(c),
        items => {
            let common = common_prefix(items);
            if !c.fuzzy && common.len() > c.word.len() {
                put(prompt, c.start, common, &right);
            }
            prompt.completion = Some(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ranks_prefixes_before_fuzzy_matches() {
        let names = strings(&["db-prod", "web-prod-1", "web-prod-2", "web-staging", "Webhook"]);
        assert_eq!(rank(&names, "web-p"), strings(&["web-prod-1", "web-prod-2"]));
        assert_eq!(rank(&names, "web")[..3], strings(&["web-prod-1", "web-prod-2", "web-staging"])[..]);
        assert!(rank(&names, "web").contains(&"Webhook".to_string()), "case-insensitive prefixes count");
        assert_eq!(rank(&names, "wstg"), strings(&["web-staging"]), "fuzzy: the letters in order");
        assert_eq!(rank(&names, ""), names);
        assert_eq!(near(&names, "web-prdo-1").first().map(String::as_str), Some("web-prod-1"));
    }

    #[test]
    fn the_grammar_follows_the_command_table() {
        assert_eq!(source_for(&[]).map(|s| s.0), Some(Source::Command));
        assert_eq!(source_for(&["dns"]).map(|s| s.0), Some(Source::Zone));
        assert_eq!(source_for(&["zones"]).map(|s| s.0), Some(Source::Zone), "aliases too");
        assert_eq!(source_for(&["db"]).map(|s| s.0), Some(Source::Database));
        assert_eq!(source_for(&["themes"]).map(|s| s.0), Some(Source::Theme));
        assert_eq!(source_for(&["tail", "app"]).map(|s| s.0), Some(Source::App));
        assert_eq!(source_for(&["tail", "journal", "nginx", "on"]).map(|s| s.0), Some(Source::Host));
        assert_eq!(source_for(&["run", "app"]).map(|s| s.0), Some(Source::App));
        assert_eq!(source_for(&["exec"]).map(|s| s.0), Some(Source::HostOrApp));
        assert_eq!(source_for(&["dns", "example.com"]), None, "one argument only");
        assert_eq!(source_for(&["quit"]), None);
    }

    fn prompt(text: &str) -> Prompt {
        Prompt::new(super::super::prompt::PromptKind::Command, text)
    }

    fn fixed(items: &[&str], fuzzy: bool) -> impl FnOnce(&str) -> Completion {
        let items = strings(items);
        move |left: &str| {
            let start = left.rfind(' ').map_or(0, |i| i + 1);
            Completion { start, word: left[start..].into(), items, fuzzy, chosen: None, then: " ", what: "x" }
        }
    }

    #[test]
    fn tab_completes_extends_then_cycles() {
        let mut p = prompt("dns exa");
        tab(&mut p, false, fixed(&["example.com"], false));
        assert_eq!((p.text.as_str(), p.cursor), ("dns example.com ", 16));
        assert!(p.completion.is_none());

        let mut p = prompt("d");
        tab(&mut p, false, fixed(&["databases", "deployments", "dns"], false));
        assert_eq!(p.text, "d", "nothing shared beyond d: the line shows them");
        assert_eq!(p.completion.as_ref().map(|c| c.items.len()), Some(3));
        tab(&mut p, false, fixed(&[], false));
        assert_eq!(p.text, "databases");
        tab(&mut p, false, fixed(&[], false));
        assert_eq!(p.text, "deployments");
        tab(&mut p, true, fixed(&[], false));
        assert_eq!(p.text, "databases", "back-tab walks back");

        let mut p = prompt("theme l");
        tab(&mut p, false, fixed(&["light", "lightning"], false));
        assert_eq!(p.text, "theme light", "extended to what they share");
        tab(&mut p, false, fixed(&[], false));
        assert_eq!(p.text, "theme light");
        assert_eq!(p.completion.as_ref().and_then(|c| c.chosen), Some(0));

        let mut p = prompt("dns exmaple");
        tab(&mut p, false, fixed(&["example.com"], true));
        assert_eq!(p.text, "dns exmaple", "a near miss is offered, not put in");
        tab(&mut p, false, fixed(&[], true));
        assert_eq!(p.text, "dns example.com");
    }

    #[test]
    fn tab_keeps_what_is_right_of_the_cursor() {
        let mut p = prompt("tail  journal nginx on web");
        p.cursor = 5;
        tab(&mut p, false, fixed(&["app"], false));
        assert_eq!(p.text, "tail app journal nginx on web");
        assert_eq!(p.cursor, 8);
    }
}
