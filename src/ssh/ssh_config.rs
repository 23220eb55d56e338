//! The built-in ssh_config reader, for machines without an OpenSSH client.
//! It follows OpenSSH 9.2's rules as far as it goes: the first value obtained
//! wins, `Host` and `Match` scope to their own block (and an included file's
//! blocks end with that file), `Include` globs relative to ~/.ssh, unknown
//! keywords refuse the file unless `IgnoreUnknown` lists them, and a file
//! others can write is refused. What it cannot evaluate (`Match exec`,
//! `Match localnetwork`) refuses the file, naming the line; keywords cutover
//! does not act on are reported, not silently dropped.

use super::known_hosts::{pattern_list_matches, wildcard};
use super::options::{Options, Tokens};
use crate::config::source::{MAX_CONFIG, read_bounded};
use std::path::{Path, PathBuf};

/// OpenSSH's READCONF_MAX_DEPTH.
const MAX_DEPTH: usize = 16;
/// Files one resolution may read (Include globs included).
const MAX_FILES: usize = 256;
/// OpenSSH's SSH_MAX_IDENTITY_FILES.
const MAX_IDENTITIES: usize = 100;

/// A config file and whether it is the user's (relative Includes start in
/// ~/.ssh) or the system's (/etc/ssh).
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub user: bool,
}

/// What is asked: the host as typed and any user/port given with it.
#[derive(Clone, Debug)]
pub struct Query<'a> {
    pub host: &'a str,
    pub user: Option<&'a str>,
    pub port: Option<u16>,
}

pub struct Resolved {
    pub options: Options,
    /// Keywords set for this host that cutover does not act on.
    pub ignored: Vec<String>,
}

/// Resolves `q` through `files` (in order) as `ssh -G` would print it.
/// `canonical` is asked, between the passes, for the canonical name (if any).
pub fn resolve(
    files: &[ConfigFile],
    q: &Query<'_>,
    tokens: &Tokens,
    canonical: &dyn Fn(&Options) -> Option<String>,
) -> Result<Resolved, String> {
    let mut st = State { opts: Options::default(), ignore_unknown: Vec::new(), ignored: Vec::new(), files_read: 0, wants_final: false };
    if let Some(u) = q.user {
        st.opts.push("user", u.to_string());
    }
    if let Some(p) = q.port {
        st.opts.push("port", p.to_string());
    }
    let mut pass = Pass { host: q.host.to_string(), original: q.host.to_string(), final_pass: false, tokens };
    for f in files {
        st.read_file(&f.path, f.user, &pass, 0)?;
    }
    let mut hostname = st.hostname(q.host)?;
    if let Some(c) = canonical(&st.opts) {
        hostname = c;
        st.wants_final = true;
    }
    if st.wants_final {
        pass.host = hostname.clone();
        pass.final_pass = true;
        // The final pass sees the substituted name as the Host name too.
        st.opts.values_set_hostname(&hostname);
        for f in files {
            st.read_file(&f.path, f.user, &pass, 0)?;
        }
    }
    let hostname = if pass.final_pass { pass.host.clone() } else { st.hostname(q.host)? };
    let mut o = st.opts;
    o.values_set_hostname(&hostname);
    fill_defaults(&mut o, tokens);
    st.ignored.sort();
    st.ignored.dedup();
    Ok(Resolved { options: o, ignored: st.ignored })
}

impl Options {
    fn values_set_hostname(&mut self, h: &str) {
        let mut fresh = Options::default();
        fresh.push("hostname", h.to_string());
        for k in self.keys().cloned().collect::<Vec<_>>() {
            if k != "hostname" {
                for v in self.all(&k).to_vec() {
                    fresh.push(&k, v);
                }
            }
        }
        *self = fresh;
    }
}

/// Defaults as OpenSSH 9.2 fills them (only the ones cutover reads).
fn fill_defaults(o: &mut Options, t: &Tokens) {
    o.set_default("user", &t.local_user);
    o.set_default("port", "22");
    if o.all("identityfile").is_empty() {
        for k in ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"] {
            o.push("identityfile", format!("~/.ssh/{k}"));
        }
    }
    o.set_default("identitiesonly", "no");
    o.set_default("stricthostkeychecking", "ask");
    o.set_default("hashknownhosts", "no");
    let home = t.home.display();
    o.set_default("userknownhostsfile", &format!("{home}/.ssh/known_hosts {home}/.ssh/known_hosts2"));
    o.set_default("globalknownhostsfile", "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2");
    o.set_default("canonicalizehostname", "false");
    o.set_default("canonicalizemaxdots", "1");
    o.set_default("canonicalizefallbacklocal", "yes");
    o.set_default("connecttimeout", "none");
    o.set_default("serveraliveinterval", "0");
    o.set_default("serveralivecountmax", "3");
    o.set_default("passwordauthentication", "yes");
    o.set_default("pubkeyauthentication", "true");
    o.set_default("batchmode", "no");
}

struct Pass<'a> {
    /// What `Host` lines match: the name as typed, then (final pass) the substituted one.
    host: String,
    original: String,
    final_pass: bool,
    tokens: &'a Tokens,
}

struct State {
    opts: Options,
    ignore_unknown: Vec<String>,
    ignored: Vec<String>,
    files_read: usize,
    wants_final: bool,
}

enum Arity {
    One,
    /// One or more words.
    Many,
    OneOrTwo,
    /// The rest of the line, as written (ProxyCommand and friends).
    Rest,
}

/// Keywords cutover acts on; the rest of KNOWN is reported as not honoured.
const HONOURED: &[&str] = &[
    "host",
    "match",
    "include",
    "ignoreunknown",
    "hostname",
    "user",
    "port",
    "identityfile",
    "identitiesonly",
    "identityagent",
    "proxyjump",
    "proxycommand",
    "hostkeyalias",
    "stricthostkeychecking",
    "userknownhostsfile",
    "globalknownhostsfile",
    "hashknownhosts",
    "canonicalizehostname",
    "canonicaldomains",
    "canonicalizemaxdots",
    "canonicalizefallbacklocal",
    "connecttimeout",
    "serveraliveinterval",
    "serveralivecountmax",
    "passwordauthentication",
    "pubkeyauthentication",
    "batchmode",
    // Harmless for an exec-only client: accepted without a report.
    "loglevel",
    "compression",
    "tcpkeepalive",
    "addressfamily",
    "checkhostip",
    "visualhostkey",
    "fingerprinthash",
    "numberofpasswordprompts",
    "forwardagent",
    "forwardx11",
    "forwardx11trusted",
    "requesttty",
    "sendenv",
    "setenv",
    "escapechar",
    "controlmaster",
    "controlpath",
    "controlpersist",
    "addkeystoagent",
    "updatehostkeys",
    "gssapiauthentication",
    "gssapidelegatecredentials",
];

/// Every keyword OpenSSH 9.2's client knows, with its arity.
fn known(keyword: &str) -> Option<Arity> {
    use Arity::*;
    Some(match keyword {
        "host"
        | "match"
        | "include"
        | "userknownhostsfile"
        | "globalknownhostsfile"
        | "canonicaldomains"
        | "canonicalizepermittedcnames"
        | "sendenv"
        | "setenv"
        | "permitremoteopen"
        | "logverbose" => Many,
        "proxycommand" | "localcommand" | "remotecommand" | "knownhostscommand" => Rest,
        "localforward" | "remoteforward" | "ipqos" | "rekeylimit" => OneOrTwo,
        "addkeystoagent"
        | "addressfamily"
        | "batchmode"
        | "bindaddress"
        | "bindinterface"
        | "canonicalizefallbacklocal"
        | "canonicalizehostname"
        | "canonicalizemaxdots"
        | "casignaturealgorithms"
        | "certificatefile"
        | "challengeresponseauthentication"
        | "checkhostip"
        | "ciphers"
        | "clearallforwardings"
        | "compression"
        | "connectionattempts"
        | "connecttimeout"
        | "controlmaster"
        | "controlpath"
        | "controlpersist"
        | "dynamicforward"
        | "enableescapecommandline"
        | "enablesshkeysign"
        | "escapechar"
        | "exitonforwardfailure"
        | "fingerprinthash"
        | "forkafterauthentication"
        | "forwardagent"
        | "forwardx11"
        | "forwardx11timeout"
        | "forwardx11trusted"
        | "gatewayports"
        | "gssapiauthentication"
        | "gssapiclientidentity"
        | "gssapidelegatecredentials"
        | "gssapikexalgorithms"
        | "gssapikeyexchange"
        | "gssapirenewalforcesrekey"
        | "gssapiserveridentity"
        | "gssapitrustdns"
        | "hashknownhosts"
        | "hostbasedacceptedalgorithms"
        | "hostbasedauthentication"
        | "hostbasedkeytypes"
        | "hostkeyalgorithms"
        | "hostkeyalias"
        | "hostname"
        | "identitiesonly"
        | "identityagent"
        | "identityfile"
        | "ignoreunknown"
        | "kbdinteractiveauthentication"
        | "kbdinteractivedevices"
        | "kexalgorithms"
        | "loglevel"
        | "macs"
        | "nohostauthenticationforlocalhost"
        | "numberofpasswordprompts"
        | "passwordauthentication"
        | "permitlocalcommand"
        | "pkcs11provider"
        | "smartcarddevice"
        | "port"
        | "preferredauthentications"
        | "proxyjump"
        | "proxyusefdpass"
        | "pubkeyacceptedalgorithms"
        | "pubkeyacceptedkeytypes"
        | "pubkeyauthentication"
        | "requesttty"
        | "requiredrsasize"
        | "revokedhostkeys"
        | "securitykeyprovider"
        | "serveralivecountmax"
        | "serveraliveinterval"
        | "sessiontype"
        | "stdinnull"
        | "streamlocalbindmask"
        | "streamlocalbindunlink"
        | "stricthostkeychecking"
        | "syslogfacility"
        | "tcpkeepalive"
        | "tunnel"
        | "tunneldevice"
        | "updatehostkeys"
        | "user"
        | "usekeychain"
        | "verifyhostkeydns"
        | "visualhostkey"
        | "xauthlocation"
        | "protocol"
        | "cipher"
        | "rsaauthentication"
        | "rhostsrsaauthentication"
        | "compressionlevel"
        | "useprivilegedport"
        | "useroaming"
        | "fallbacktorsh"
        | "usersh"
        | "globalknownhostsfile2"
        | "userknownhostsfile2"
        | "rhostsauthentication"
        | "kerberosauthentication"
        | "kerberostgtpassing"
        | "afstokenpassing"
        | "dsaauthentication"
        | "tisauthentication"
        | "skeyauthentication" => One,
        _ => return None,
    })
}

/// Keywords OpenSSH accepts but ignores ("deprecated"/"unsupported"): no value stored.
fn deprecated(keyword: &str) -> bool {
    matches!(
        keyword,
        "protocol"
            | "cipher"
            | "rsaauthentication"
            | "rhostsrsaauthentication"
            | "compressionlevel"
            | "useprivilegedport"
            | "useroaming"
            | "fallbacktorsh"
            | "usersh"
            | "globalknownhostsfile2"
            | "userknownhostsfile2"
            | "rhostsauthentication"
            | "kerberosauthentication"
            | "kerberostgtpassing"
            | "afstokenpassing"
            | "dsaauthentication"
            | "tisauthentication"
            | "usekeychain"
    )
}

/// Aliases OpenSSH keeps for renamed keywords.
fn canonical(keyword: &str) -> &str {
    match keyword {
        "challengeresponseauthentication" | "skeyauthentication" => "kbdinteractiveauthentication",
        "pubkeyacceptedkeytypes" => "pubkeyacceptedalgorithms",
        "hostbasedkeytypes" => "hostbasedacceptedalgorithms",
        "smartcarddevice" => "pkcs11provider",
        k => k,
    }
}

impl State {
    fn read_file(&mut self, path: &Path, user: bool, pass: &Pass<'_>, depth: usize) -> Result<(), String> {
        self.files_read += 1;
        if self.files_read > MAX_FILES {
            return Err(format!("{}: more than {MAX_FILES} files included", path.display()));
        }
        let text = match read_bounded(path, MAX_CONFIG) {
            Ok(t) => t,
            // A missing top-level file is no config; a missing include matches no glob.
            Err(crate::config::source::ReadError::Missing) => return Ok(()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if user {
            secure(path)?;
        }
        let mut active = true;
        for (i, raw) in text.lines().enumerate() {
            let at = |m: String| format!("{} line {}: {m}", path.display(), i + 1);
            let Some((keyword, args)) = split_line(raw).map_err(at)? else { continue };
            let kw = keyword.to_ascii_lowercase();
            let Some(arity) = known(&kw) else {
                if self.ignore_unknown.iter().any(|p| pattern_list_matches(&kw, p)) {
                    continue;
                }
                return Err(at(format!("Bad configuration option: {kw}")));
            };
            let args = match arity {
                Arity::Rest => vec![rest_of_line(raw)],
                _ => args,
            };
            if args.is_empty() {
                return Err(at(format!("no argument after keyword \"{kw}\"")));
            }
            let too_many = match arity {
                Arity::One => args.len() > 1,
                Arity::OneOrTwo => args.len() > 2,
                _ => false,
            };
            if too_many {
                return Err(at(format!("keyword {kw} extra arguments at end of line")));
            }
            match kw.as_str() {
                "host" => {
                    active = host_matches(&args, &pass.host);
                    continue;
                }
                "match" => {
                    active = self.match_line(&args, pass).map_err(at)?;
                    continue;
                }
                "include" => {
                    if depth + 1 > MAX_DEPTH {
                        return Err(at(format!("Include depth exceeds {MAX_DEPTH} (a loop?)")));
                    }
                    // Included blocks end with their file: the enclosing block's state resumes after.
                    if active {
                        for file in self.include_paths(&args, user, pass).map_err(at)? {
                            self.read_file(&file, user, pass, depth + 1)?;
                        }
                    }
                    continue;
                }
                _ => {}
            }
            if !active {
                continue;
            }
            let kw = canonical(&kw).to_string();
            if deprecated(&kw) {
                continue;
            }
            validate(&kw, &args).map_err(at)?;
            self.store(&kw, args);
        }
        Ok(())
    }

    fn store(&mut self, kw: &str, args: Vec<String>) {
        if !HONOURED.contains(&kw) {
            self.ignored.push(kw.to_string());
        }
        match kw {
            "ignoreunknown" => {
                if self.ignore_unknown.is_empty() {
                    self.ignore_unknown = args.iter().map(|a| a.to_ascii_lowercase()).collect();
                }
            }
            "identityfile" => {
                let v = args.join(" ");
                if self.opts.all("identityfile").len() < MAX_IDENTITIES && !self.opts.all("identityfile").contains(&v) {
                    self.opts.push("identityfile", v);
                }
            }
            "certificatefile" | "localforward" | "remoteforward" | "dynamicforward" | "sendenv" => {
                self.opts.push(kw, args.join(" "));
            }
            _ => {
                if !self.opts.is_set(kw) {
                    let v = match kw {
                        "hostname" => args.join(" ").to_ascii_lowercase(),
                        "stricthostkeychecking" => match args[0].to_ascii_lowercase().as_str() {
                            "yes" | "true" => "true".into(),
                            "no" | "false" | "off" => "false".into(),
                            other => other.to_string(),
                        },
                        "canonicalizehostname" => match args[0].to_ascii_lowercase().as_str() {
                            "yes" | "true" => "true".into(),
                            "no" | "false" | "none" => "false".into(),
                            other => other.to_string(),
                        },
                        _ => args.join(" "),
                    };
                    if kw == "canonicalizehostname" && v != "false" {
                        self.wants_final = true;
                    }
                    self.opts.push(kw, v);
                }
            }
        }
    }

    /// The host name after `HostName` (its `%h` is the name as typed).
    fn hostname(&self, original: &str) -> Result<String, String> {
        match self.opts.get("hostname") {
            Some(h) => {
                // HostName expands only %h and %%.
                let mut out = String::new();
                let mut it = h.chars();
                while let Some(c) = it.next() {
                    match (c, c == '%') {
                        (_, false) => out.push(c),
                        (_, true) => match it.next() {
                            Some('h') => out.push_str(original),
                            Some('%') => out.push('%'),
                            Some(o) => return Err(format!("HostName `{h}`: unknown token %{o}")),
                            None => return Err(format!("HostName `{h}` ends with a lone %")),
                        },
                    }
                }
                Ok(out.to_ascii_lowercase())
            }
            None => Ok(original.to_ascii_lowercase()),
        }
    }

    fn match_line(&mut self, args: &[String], pass: &Pass<'_>) -> Result<bool, String> {
        let mut result = true;
        let mut it = args.iter().peekable();
        let host = self.hostname(&pass.original).unwrap_or_else(|_| pass.host.clone());
        let host = if pass.final_pass { pass.host.clone() } else { host };
        let ruser = self.opts.get("user").map(str::to_string).unwrap_or_else(|| pass.tokens.local_user.clone());
        while let Some(raw) = it.next() {
            let (neg, crit) = match raw.strip_prefix('!') {
                Some(c) => (true, c.to_ascii_lowercase()),
                None => (false, raw.to_ascii_lowercase()),
            };
            let hit = match crit.as_str() {
                "all" => {
                    if args.len() > 1 && !args.iter().any(|a| a.eq_ignore_ascii_case("canonical") || a.eq_ignore_ascii_case("final")) {
                        return Err("Match all must appear alone or with canonical/final".into());
                    }
                    true
                }
                // Only `final` asks for the final pass; `canonical` matches in it.
                "final" => {
                    self.wants_final = true;
                    pass.final_pass
                }
                "canonical" => pass.final_pass,
                "exec" | "localnetwork" => {
                    return Err(format!(
                        "`Match {crit}` cannot be evaluated without the OpenSSH client; install openssh-client so cutover can ask `ssh -G`"
                    ));
                }
                "host" | "originalhost" | "user" | "localuser" => {
                    let Some(list) = it.next() else { return Err(format!("Missing Match criteria for {crit}")) };
                    let subject = match crit.as_str() {
                        "host" => host.clone(),
                        "originalhost" => pass.original.clone(),
                        "user" => ruser.clone(),
                        _ => pass.tokens.local_user.clone(),
                    };
                    match crit.as_str() {
                        // match_hostname: case-insensitive; user names are not.
                        "host" | "originalhost" => pattern_list_matches(&subject, list),
                        _ => pattern_list_exact(&subject, list),
                    }
                }
                other => return Err(format!("Unsupported Match attribute {other}")),
            };
            if hit == neg {
                result = false;
            }
        }
        Ok(result)
    }

    fn include_paths(&self, args: &[String], user: bool, pass: &Pass<'_>) -> Result<Vec<PathBuf>, String> {
        let mut out = Vec::new();
        for a in args {
            let expanded = if a.starts_with('~') { pass.tokens.expand(a)? } else { a.clone() };
            let full = if Path::new(&expanded).is_absolute() {
                expanded
            } else if user {
                pass.tokens.home.join(".ssh").join(&expanded).to_string_lossy().into_owned()
            } else {
                Path::new("/etc/ssh").join(&expanded).to_string_lossy().into_owned()
            };
            let mut found: Vec<PathBuf> = match glob::glob(&full) {
                Ok(paths) => paths.filter_map(Result::ok).collect(),
                Err(e) => return Err(format!("Include `{a}`: {e}")),
            };
            found.sort();
            out.extend(found);
        }
        Ok(out)
    }
}

/// OpenSSH refuses a user config that others can write or someone else owns.
fn secure(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(path) else { return Ok(()) };
    let uid = nix::unistd::getuid().as_raw();
    if (m.uid() != 0 && m.uid() != uid) || m.mode() & 0o022 != 0 {
        return Err(format!("Bad owner or permissions on {}", path.display()));
    }
    Ok(())
}

/// `Host` patterns, as readconf.c matches them: case-sensitive, per word.
fn host_matches(patterns: &[String], host: &str) -> bool {
    let mut hit = false;
    for p in patterns {
        let (neg, p) = match p.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, p.as_str()),
        };
        if wildcard(p, host) {
            if neg {
                return false;
            }
            hit = true;
        }
    }
    hit
}

/// A comma list matched case-sensitively (`Match user`, `Match localuser`).
fn pattern_list_exact(subject: &str, list: &str) -> bool {
    let mut hit = false;
    for p in list.split(',').filter(|p| !p.is_empty()) {
        match p.strip_prefix('!') {
            Some(n) if wildcard(n, subject) => return false,
            Some(_) => {}
            None => hit |= wildcard(p, subject),
        }
    }
    hit
}

fn validate(kw: &str, args: &[String]) -> Result<(), String> {
    let a = args[0].as_str();
    let lower = a.to_ascii_lowercase();
    let flag = |ok: &[&str]| {
        if ok.contains(&lower.as_str()) { Ok(()) } else { Err(format!("unsupported option \"{a}\".")) }
    };
    match kw {
        "port" => match a.parse::<u32>() {
            Ok(p) if (1..=65535).contains(&p) => Ok(()),
            _ => Err(format!("Bad port '{a}'.")),
        },
        "identitiesonly"
        | "batchmode"
        | "hashknownhosts"
        | "passwordauthentication"
        | "checkhostip"
        | "compression"
        | "tcpkeepalive"
        | "visualhostkey"
        | "canonicalizefallbacklocal"
        | "forwardx11"
        | "forwardx11trusted"
        | "gssapiauthentication"
        | "gssapidelegatecredentials"
        | "exitonforwardfailure"
        | "clearallforwardings"
        | "enablesshkeysign"
        | "nohostauthenticationforlocalhost"
        | "gatewayports"
        | "hostbasedauthentication"
        | "kbdinteractiveauthentication"
        | "permitlocalcommand"
        | "proxyusefdpass"
        | "streamlocalbindunlink" => flag(&["yes", "no", "true", "false"]),
        "pubkeyauthentication" => flag(&["yes", "no", "true", "false", "unbound", "host-bound"]),
        "stricthostkeychecking" => flag(&["yes", "no", "true", "false", "off", "ask", "accept-new"]),
        "canonicalizehostname" => flag(&["yes", "no", "true", "false", "always", "none"]),
        "canonicalizemaxdots" | "serveralivecountmax" | "numberofpasswordprompts" | "connectionattempts" => {
            a.parse::<u32>().map(|_| ()).map_err(|_| format!("Bad number '{a}'"))
        }
        "connecttimeout" | "serveraliveinterval" => {
            if lower == "none" || parse_time(a).is_some() {
                Ok(())
            } else {
                Err(format!("invalid time value \"{a}\"."))
            }
        }
        _ => Ok(()),
    }
}

/// OpenSSH time format: `30`, `1m30s`, `1h`, `1w`.
/// The `Host` patterns of the user's ssh_config (`~/.ssh/config`, and what it
/// includes): which names `ssh` would know, to tell an alias from a typo.
/// Negated patterns are left out; a file that cannot be read gives none.
pub fn host_patterns(home: &std::path::Path) -> Vec<String> {
    fn scan(path: &std::path::Path, home: &std::path::Path, depth: u8, out: &mut Vec<String>) {
        let Ok(text) = crate::config::source::read_bounded(path, crate::config::source::MAX_CONFIG) else { return };
        for line in text.lines() {
            let line = line.trim();
            let (word, rest) = line.split_once(|c: char| c.is_whitespace() || c == '=').unwrap_or((line, ""));
            match word.to_ascii_lowercase().as_str() {
                "host" => out.extend(rest.split_whitespace().filter(|p| !p.starts_with('!')).map(|p| p.trim_matches('"').to_string())),
                "include" if depth < 8 => {
                    for pat in rest.split_whitespace() {
                        let full = if pat.starts_with('/') {
                            pat.to_string()
                        } else if let Some(r) = pat.strip_prefix("~/") {
                            home.join(r).display().to_string()
                        } else {
                            home.join(".ssh").join(pat).display().to_string()
                        };
                        for p in glob::glob(&full).into_iter().flatten().flatten().take(64) {
                            scan(&p, home, depth + 1, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    scan(&home.join(".ssh/config"), home, 0, &mut out);
    out.sort();
    out.dedup();
    out
}

pub fn parse_time(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mult = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => return None,
        };
        let n: u64 = num.parse().ok()?;
        total = total.checked_add(n.checked_mul(mult)?)?;
        num.clear();
    }
    if !num.is_empty() {
        total = total.checked_add(num.parse().ok()?)?;
    }
    Some(total)
}

/// Splits a line into keyword and arguments as OpenSSH's argv_split does:
/// `keyword value` or `keyword=value`, double quotes group, `#` starts a
/// comment between words.
fn split_line(raw: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let line = raw.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line.find(|c: char| c.is_whitespace() || c == '=').unwrap_or(line.len());
    let keyword = line[..end].to_string();
    let mut rest = line[end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if quoted => {
                if let Some(&n) = chars.peek()
                    && (n == '"' || n == '\\')
                {
                    cur.push(n);
                    chars.next();
                } else {
                    cur.push('\\');
                }
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    args.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' if !quoted && !in_word => break,
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err("invalid quotes".into());
    }
    if in_word {
        args.push(cur);
    }
    Ok(Some((keyword, args)))
}

/// The arguments of a rest-of-line keyword, as written.
fn rest_of_line(raw: &str) -> String {
    let line = raw.trim_start();
    let end = line.find(|c: char| c.is_whitespace() || c == '=').unwrap_or(line.len());
    let rest = line[end..].trim_start();
    rest.strip_prefix('=').unwrap_or(rest).trim().to_string()
}

#[cfg(test)]
mod tests {

    #[test]
    fn host_patterns_come_from_the_config_and_its_includes() {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ssh = home.path().join(".ssh");
        std::fs::create_dir_all(ssh.join("conf.d")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(ssh.join("config"), "Include conf.d/*\nHost jump bastion\n  User me\nHost *.internal !secret\n")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(ssh.join("conf.d/legacy"), "Host legacy-web\n  HostName 203.0.113.12\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(host_patterns(home.path()), ["*.internal", "bastion", "jump", "legacy-web"]);
        assert!(host_patterns(&home.path().join("nowhere")).is_empty());
    }

    use super::*;

    fn tokens() -> Tokens {
        Tokens { home: "/home/op".into(), local_user: "op".into(), ..Default::default() }
    }

    fn run(text: &str, host: &str) -> Result<Options, String> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        std::fs::write(&p, text).unwrap();
        let q = Query { host, user: None, port: None };
        resolve(&[ConfigFile { path: p, user: false }], &q, &tokens(), &|_| None).map(|r| r.options)
    }

    #[test]
    fn first_value_wins_and_match_is_scoped() {
        let o = run("Host web\n  User first\n  User second\nMatch host legacy-*\n  User root\nHost *\n  User other\n", "web").unwrap();
        assert_eq!(o.get("user"), Some("first"));
        let o = run("Match\thost legacy-*\n  User root\nHost *\n  Port 2222\n", "web").unwrap();
        assert_eq!((o.get("user"), o.get("port")), (Some("op"), Some("2222")));
        let o = run("Host x\n  HostName %h.example.test\nMatch host *.example.test\n  User deploy\n", "x").unwrap();
        assert_eq!((o.get("hostname"), o.get("user")), (Some("x.example.test"), Some("deploy")));
    }

    #[test]
    fn refusals_name_the_line() {
        assert!(run("Host web\n  ProxyJum j\n", "web").unwrap_err().ends_with("line 2: Bad configuration option: proxyjum"));
        assert!(run("IgnoreUnknown proxyjum\nHost web\n  ProxyJum j\n", "web").is_ok());
        assert!(run("Host w\n  Port 0\n", "w").unwrap_err().ends_with("line 2: Bad port '0'."));
        assert!(run("Host w\n  Port 99999\n", "w").is_err());
        assert!(run("Match exec true\n  User x\n", "w").unwrap_err().contains("line 1"));
        assert!(run("Host w\n  IdentityFile a b\n", "w").unwrap_err().contains("extra arguments"));
    }

    #[test]
    fn quotes_comments_and_rest_of_line() {
        let o = run("Host w # c\n  User bob # comment\n  Port=2200\n  ProxyCommand ssh -W %h:%p jump # kept\n", "w").unwrap();
        assert_eq!((o.get("user"), o.get("port")), (Some("bob"), Some("2200")));
        assert_eq!(o.get("proxycommand"), Some("ssh -W %h:%p jump # kept"));
        assert_eq!(parse_time("1m30s"), Some(90));
    }
}
