//! Has a DNS change propagated? Every authoritative name server of the zone is
//! asked directly (no recursion, no cache) and must answer exactly the new
//! records with the same SOA serial: that is what the change controls. Public
//! resolvers are asked too, for the report: one still holding the old answer
//! keeps it for at most its remaining TTL.

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// Where to ask.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DnsSettings {
    /// The authoritative servers to ask instead of finding them through the
    /// system resolver (the simulated world's name server, a split-horizon setup).
    pub authoritative: Option<Vec<SocketAddr>>,
    /// Public resolvers reported on (recursive, cache bypassed by asking fresh).
    pub public: Vec<SocketAddr>,
}

impl DnsSettings {
    /// Google, Cloudflare, Quad9.
    pub fn internet() -> DnsSettings {
        DnsSettings {
            authoritative: None,
            public: ["8.8.8.8:53", "1.1.1.1:53", "9.9.9.9:53"].iter().filter_map(|a| a.parse().ok()).collect(),
        }
    }
}

/// One server's answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Answer {
    pub server: SocketAddr,
    pub values: Vec<String>,
    pub ttl: Option<u32>,
    pub serial: Option<u32>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Propagation {
    pub name: String,
    pub rtype: String,
    pub zone: String,
    pub expected: Vec<String>,
    pub authoritative: Vec<Answer>,
    pub public: Vec<Answer>,
}

impl Propagation {
    /// Every authoritative server answers exactly the expected records, with one serial.
    pub(crate) fn propagated(&self) -> bool {
        let serials: Vec<Option<u32>> = self.authoritative.iter().map(|a| a.serial).collect();
        !self.authoritative.is_empty()
            && self.authoritative.iter().all(|a| a.error.is_none() && same_set(&a.values, &self.expected))
            && serials.windows(2).all(|w| w[0] == w[1])
    }

    /// The longest a public resolver may still serve the old answer.
    pub(crate) fn worst_remaining(&self) -> Option<u32> {
        self.public.iter().filter(|a| !same_set(&a.values, &self.expected)).filter_map(|a| a.ttl).max()
    }

    /// One line per server, for the step's output.
    pub(crate) fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("{} {} in zone {}: want {}", self.name, self.rtype, self.zone, self.expected.join(" "))];
        let show = |a: &Answer| match &a.error {
            Some(e) => format!("error: {e}"),
            None if a.values.is_empty() => "no records".to_string(),
            None => a.values.join(" "),
        };
        for a in &self.authoritative {
            let ok = a.error.is_none() && same_set(&a.values, &self.expected);
            out.push(format!(
                "  authoritative {}: {}{} {}",
                a.server,
                show(a),
                a.serial.map(|s| format!(" (serial {s})")).unwrap_or_default(),
                if ok { "ok" } else { "OLD" }
            ));
        }
        for a in &self.public {
            let ok = a.error.is_none() && same_set(&a.values, &self.expected);
            let tail = match (ok, a.ttl) {
                (true, _) => "ok".to_string(),
                (false, Some(t)) => format!("old answer, expires in at most {t} s"),
                (false, None) => "old answer".to_string(),
            };
            out.push(format!("  resolver {}: {} {tail}", a.server, show(a)));
        }
        if let Some(t) = self.worst_remaining() {
            out.push(format!("  some visitors may reach the old address for up to {t} s more"));
        }
        out
    }
}

fn norm(v: &str) -> String {
    v.trim().trim_end_matches('.').to_lowercase()
}

/// Two answers name different records (order and case aside).
pub(crate) fn differs(a: &[String], b: &[String]) -> bool {
    !same_set(a, b)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut x: Vec<String> = a.iter().map(|v| norm(v)).collect();
    let mut y: Vec<String> = b.iter().map(|v| norm(v)).collect();
    x.sort();
    x.dedup();
    y.sort();
    y.dedup();
    x == y
}

/// A resolver that asks only `server`.
fn direct(server: SocketAddr, recursion: bool) -> Result<TokioResolver, String> {
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.port();
    let ns = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
    let mut opts = ResolverOpts::default();
    opts.recursion_desired = recursion;
    opts.cache_size = 0;
    opts.attempts = 2;
    opts.timeout = Duration::from_secs(3);
    opts.ndots = 0;
    Resolver::builder_with_config(ResolverConfig::from_parts(None, vec![], vec![ns]), TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| e.to_string())
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') { name.to_string() } else { format!("{name}.") }
}

fn rdata_text(d: &RData) -> String {
    match d {
        RData::TXT(t) => t.txt_data.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect::<Vec<_>>().join(""),
        other => other.to_string(),
    }
}

/// The records of `name`/`rtype` as one server answers them (empty for NXDOMAIN/NODATA).
async fn ask(r: &TokioResolver, server: SocketAddr, name: &str, rtype: RecordType) -> Answer {
    match r.lookup(fqdn(name), rtype).await {
        Ok(l) => Answer {
            server,
            values: l.answers().iter().filter(|rec| rec.record_type() == rtype).map(|rec| rdata_text(&rec.data)).collect(),
            ttl: l.answers().iter().map(|rec| rec.ttl).min(),
            serial: None,
            error: None,
        },
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Answer { server, values: vec![], ttl: None, serial: None, error: None },
        Err(e) => Answer { server, values: vec![], ttl: None, serial: None, error: Some(e.to_string()) },
    }
}

/// The zone that holds `name`: the nearest name with an SOA.
async fn zone_of(r: &TokioResolver, name: &str) -> Result<String, String> {
    let mut n = name.trim_end_matches('.').to_string();
    loop {
        match r.lookup(fqdn(&n), RecordType::SOA).await {
            Ok(l) if l.answers().iter().any(|x| x.record_type() == RecordType::SOA) => return Ok(n),
            Ok(_) => {}
            Err(e) => {
                if let Some(soa) = e.into_soa() {
                    return Ok(soa.name.to_string().trim_end_matches('.').to_string());
                }
            }
        }
        match n.split_once('.') {
            Some((_, rest)) if rest.contains('.') || !rest.is_empty() => n = rest.to_string(),
            _ => return Err(format!("no zone found for {name}")),
        }
    }
}

async fn serial(r: &TokioResolver, zone: &str) -> Option<u32> {
    let l = r.lookup(fqdn(zone), RecordType::SOA).await.ok()?;
    l.answers().iter().find_map(|x| match &x.data {
        RData::SOA(s) => Some(s.serial),
        _ => None,
    })
}

/// The authoritative servers of the zone holding `name`, through the system resolver.
async fn discover(name: &str) -> Result<(String, Vec<SocketAddr>), String> {
    let sys = Resolver::builder_tokio().map_err(|e| e.to_string())?.build().map_err(|e| e.to_string())?;
    let zone = zone_of(&sys, name).await?;
    let ns = sys.lookup(fqdn(&zone), RecordType::NS).await.map_err(|e| format!("NS of {zone}: {e}"))?;
    let mut addrs = Vec::new();
    for rec in ns.answers() {
        if let RData::NS(n) = &rec.data
            && let Ok(ips) = sys.lookup_ip(n.0.to_string()).await
        {
            addrs.extend(ips.iter().map(|ip| SocketAddr::new(ip, 53)));
        }
    }
    if addrs.is_empty() {
        return Err(format!("no name server addresses for {zone}"));
    }
    Ok((zone, addrs))
}

/// Asks every authoritative server (and the public resolvers) for `name`/`rtype`.
pub(crate) async fn check(name: &str, rtype: &str, expected: &[String], settings: &DnsSettings) -> Result<Propagation, String> {
    let rt = RecordType::from_str(&rtype.to_uppercase()).map_err(|_| format!("unknown record type {rtype}"))?;
    let (zone, servers) = match &settings.authoritative {
        Some(list) if !list.is_empty() => {
            let first = direct(list[0], false)?;
            (zone_of(&first, name).await?, list.clone())
        }
        _ => discover(name).await?,
    };
    let mut authoritative = Vec::new();
    for s in &servers {
        let r = direct(*s, false)?;
        let mut a = ask(&r, *s, name, rt).await;
        a.serial = serial(&r, &zone).await;
        authoritative.push(a);
    }
    let mut public = Vec::new();
    for s in &settings.public {
        let r = direct(*s, true)?;
        public.push(ask(&r, *s, name, rt).await);
    }
    Ok(Propagation { name: name.to_string(), rtype: rt.to_string(), zone, expected: expected.to_vec(), authoritative, public })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(values: &[&str], serial: u32) -> Answer {
        Answer {
            server: "127.0.0.1:53".parse().unwrap(),
            values: values.iter().map(|s| s.to_string()).collect(),
            ttl: Some(300),
            serial: Some(serial),
            error: None,
        }
    }

    #[test]
    fn propagated_means_every_authoritative_server_agrees() {
        let mut p = Propagation {
            name: "uat.example.com".into(),
            rtype: "A".into(),
            zone: "example.com".into(),
            expected: vec!["203.0.113.20".into()],
            authoritative: vec![answer(&["203.0.113.20"], 7), answer(&["203.0.113.20"], 7)],
            public: vec![answer(&["203.0.113.10"], 0)],
        };
        assert!(p.propagated());
        assert_eq!(p.worst_remaining(), Some(300));
        assert!(p.lines().iter().any(|l| l.contains("old answer, expires in at most 300 s")));
        p.authoritative[1].serial = Some(6);
        assert!(!p.propagated(), "a secondary that has not transferred the zone yet");
        p.authoritative[1] = answer(&["203.0.113.10"], 7);
        assert!(!p.propagated());
        assert!(same_set(&["a.example.com.".into()], &["A.example.com".into()]));
    }
}
