//! The simulated authoritative name server: answers UDP queries from the
//! Hetzner world's zones as they are now, so a DNS change made through the API
//! is what a propagation check then sees.

use super::Shared;
use super::world::{SRrset, SZone};
use color_eyre::Result;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use tokio::task::JoinHandle;

pub async fn start(shared: Arc<Shared>) -> Result<(SocketAddr, JoinHandle<()>)> {
    let sock = tokio::net::UdpSocket::bind(("127.0.0.1", 0)).await?;
    let addr = sock.local_addr()?;
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else { return };
            let Ok(q) = Message::from_vec(&buf[..n]) else { continue };
            let reply = answer(&shared, &q);
            if let Ok(bytes) = reply.to_vec() {
                let _ = sock.send_to(&bytes, peer).await;
            }
        }
    });
    Ok((addr, task))
}

/// A public resolver: it asks the authoritative answer once and then keeps
/// it for its TTL (a negative answer for the SOA minimum), as resolvers do.
/// So after a DNS change it still answers the old records until they expire.
pub async fn start_resolver(shared: Arc<Shared>) -> Result<(SocketAddr, JoinHandle<()>)> {
    let sock = tokio::net::UdpSocket::bind(("127.0.0.1", 0)).await?;
    let addr = sock.local_addr()?;
    let task = tokio::spawn(async move {
        let mut cache: std::collections::HashMap<(String, RecordType), (Message, tokio::time::Instant)> = Default::default();
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else { return };
            let Ok(q) = Message::from_vec(&buf[..n]) else { continue };
            let Some(query) = q.queries.first() else { continue };
            let key = (query.name.to_string().to_ascii_lowercase(), query.query_type);
            let now = tokio::time::Instant::now();
            let mut reply = match cache.get(&key) {
                Some((m, until)) if *until > now => {
                    let mut m = m.clone();
                    let left = (*until - now).as_secs() as u32;
                    for r in &mut m.answers {
                        r.ttl = left;
                    }
                    m
                }
                _ => {
                    let mut m = answer(&shared, &q);
                    m.metadata.authoritative = false;
                    m.metadata.recursion_available = true;
                    let ttl = m.answers.iter().map(|r| r.ttl).min().or_else(|| m.authorities.first().map(|r| r.ttl)).unwrap_or(0);
                    cache.insert(key, (m.clone(), now + std::time::Duration::from_secs(ttl as u64)));
                    m
                }
            };
            reply.metadata.id = q.metadata.id;
            if let Ok(bytes) = reply.to_vec() {
                let _ = sock.send_to(&bytes, peer).await;
            }
        }
    });
    Ok((addr, task))
}

fn answer(shared: &Shared, q: &Message) -> Message {
    let mut r = Message::new(q.metadata.id, MessageType::Response, OpCode::Query);
    r.metadata.recursion_desired = q.metadata.recursion_desired;
    r.queries = q.queries.clone();
    let Some(query) = q.queries.first() else {
        r.metadata.response_code = ResponseCode::FormErr;
        return r;
    };
    let qname = query.name.to_string().trim_end_matches('.').to_lowercase();
    let w = shared.world();
    let zone = w.hz.zones.iter().filter(|z| qname == z.name || qname.ends_with(&format!(".{}", z.name))).max_by_key(|z| z.name.len());
    let Some(z) = zone else {
        r.metadata.response_code = ResponseCode::Refused;
        return r;
    };
    r.metadata.authoritative = true;
    let rel = if qname == z.name { "@".to_string() } else { qname.trim_end_matches(&format!(".{}", z.name)).to_string() };
    let here: Vec<&SRrset> = z.rrsets.iter().filter(|s| s.name == rel).collect();
    let soa = soa_record(z);
    if here.is_empty() {
        r.metadata.response_code = ResponseCode::NXDomain;
        r.authorities.extend(soa);
        return r;
    }
    let wanted = query.query_type;
    let cname = here.iter().find(|s| s.rtype == "CNAME");
    let sets: Vec<&&SRrset> = match cname {
        Some(c) if wanted != RecordType::CNAME => vec![c],
        _ => here.iter().filter(|s| RecordType::from_str(&s.rtype).ok() == Some(wanted)).collect(),
    };
    if sets.is_empty() {
        // NODATA: the name exists, not with this type.
        r.authorities.extend(soa);
        return r;
    }
    for s in sets {
        let ttl = s.ttl.unwrap_or(z.ttl);
        for (v, _) in &s.records {
            if let Some(d) = rdata(&s.rtype, v, z) {
                r.answers.push(Record::from_rdata(query.name.clone(), ttl, d));
            }
        }
    }
    r
}

/// What the simulated DNS says `name`'s IPv4 is (CNAMEs followed).
pub(crate) fn resolve_a(hz: &crate::sim::world::HetznerWorld, name: &str) -> Option<String> {
    let mut name = name.trim_end_matches('.').to_ascii_lowercase();
    for _ in 0..8 {
        let z = hz.zones.iter().filter(|z| name == z.name || name.ends_with(&format!(".{}", z.name))).max_by_key(|z| z.name.len())?;
        let rel = if name == z.name { "@".to_string() } else { name.trim_end_matches(&format!(".{}", z.name)).to_string() };
        if let Some(a) = z.rrsets.iter().find(|s| s.name == rel && s.rtype == "A") {
            return a.records.first().map(|(v, _)| v.clone());
        }
        let c = z.rrsets.iter().find(|s| s.name == rel && s.rtype == "CNAME")?;
        let target = c.records.first()?.0.trim().to_string();
        name = if target.ends_with('.') { target.trim_end_matches('.').to_string() } else { format!("{target}.{}", z.name) };
    }
    None
}

fn soa_record(z: &SZone) -> Option<Record> {
    let apex = Name::from_str(&format!("{}.", z.name)).ok()?;
    let d = rdata("SOA", &z.soa(), z)?;
    Some(Record::from_rdata(apex, z.ttl, d))
}

fn name(v: &str, z: &SZone) -> Option<Name> {
    let v = v.trim();
    let full = if v.ends_with('.') { v.to_string() } else { format!("{v}.{}.", z.name) };
    Name::from_str(&full).ok()
}

fn rdata(rtype: &str, v: &str, z: &SZone) -> Option<RData> {
    Some(match rtype {
        "A" => RData::A(A(v.parse().ok()?)),
        "AAAA" => RData::AAAA(AAAA(v.parse().ok()?)),
        "CNAME" => RData::CNAME(CNAME(name(v, z)?)),
        "NS" => RData::NS(NS(name(v, z)?)),
        "MX" => {
            let (pref, host) = v.split_once(' ')?;
            RData::MX(MX::new(pref.parse().ok()?, name(host, z)?))
        }
        "TXT" => RData::TXT(TXT::new(crate::sim::rules::txt_strings(v).unwrap_or_else(|_| vec![v.to_string()]))),
        "SOA" => {
            let p: Vec<&str> = v.split_whitespace().collect();
            if p.len() < 7 {
                return None;
            }
            RData::SOA(SOA::new(
                name(p[0], z)?,
                name(p[1], z)?,
                p[2].parse().ok()?,
                p[3].parse().ok()?,
                p[4].parse().ok()?,
                p[5].parse().ok()?,
                p[6].parse().ok()?,
            ))
        }
        _ => return None,
    })
}
