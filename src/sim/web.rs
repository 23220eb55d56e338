//! The simulated web: each Coolify server's proxy, and the old host the sites
//! are moving off, each an HTTPS listener on loopback. As in production, a
//! proxy has a real certificate for a domain only once ACME could get one:
//! the domain is live on it and resolves, in the simulated DNS, to its server,
//! and a short while has passed; until then it serves its self-signed default
//! certificate. A server that is powered off answers nothing. The old host has
//! its certificates already. Answers follow the world: a domain is served once
//! a deployment made it live, and Django refuses a host missing from
//! ALLOWED_HOSTS with a 400.

use super::Shared;
use super::world::sites;
use color_eyre::Result;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// Issues a leaf certificate per server name, signed by the simulated CA.
struct Mint {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    ca_der: CertificateDer<'static>,
    cache: Mutex<HashMap<String, Arc<CertifiedKey>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl std::fmt::Debug for Mint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mint")
    }
}

impl Mint {
    fn issue(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        if let Some(k) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
            return Some(k.clone());
        }
        let key = rcgen::KeyPair::generate().ok()?;
        let mut p = rcgen::CertificateParams::new(vec![name.to_string()]).ok()?;
        let now = chrono::Utc::now();
        let ymd = |d: chrono::DateTime<chrono::Utc>| {
            use chrono::Datelike;
            rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
        };
        // Like Let's Encrypt: 90 days.
        p.not_before = ymd(now - chrono::Duration::days(1));
        p.not_after = ymd(now + chrono::Duration::days(90));
        p.distinguished_name.push(rcgen::DnType::CommonName, name);
        let cert = p.signed_by(&key, &self.issuer).ok()?;
        let signing =
            self.provider.key_provider.load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))).ok()?;
        let ck = Arc::new(CertifiedKey::new(vec![cert.der().clone(), self.ca_der.clone()], signing));
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), ck.clone());
        Some(ck)
    }
}

/// How long an ACME HTTP-01 issuance takes once it can succeed.
pub const ACME_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

/// The certificates one listener serves.
#[derive(Debug)]
struct Certs {
    mint: Arc<Mint>,
    shared: Arc<Shared>,
    /// The Coolify server this proxy runs on; `None`: the old host.
    server: Option<usize>,
    /// The proxy's self-signed default certificate (Traefik's).
    fallback: Arc<CertifiedKey>,
    /// When issuance for a name became possible.
    since: Mutex<HashMap<String, std::time::Instant>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name().unwrap_or("localhost").to_ascii_lowercase();
        let Some(idx) = self.server else { return self.mint.issue(&name) };
        let (ready, held) = {
            let w = self.shared.world();
            let url = format!("https://{name}");
            let live = w.cf.apps.iter().any(|a| a.server == idx && a.live_domains.contains(&url));
            let held = w.cf.apps.iter().any(|a| a.server == idx && a.live_domains.contains(&url) && a.certified_at_start.contains(&url));
            let ip = w.cf.servers.get(idx).and_then(|s| w.hz.servers.iter().find(|h| h.name == s.hetzner)).and_then(|h| h.ipv4.clone());
            (live && ip.is_some() && super::dns::resolve_a(&w.hz, &name) == ip, held)
        };
        let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
        if !ready {
            since.remove(&name);
            return Some(self.fallback.clone());
        }
        if held {
            return self.mint.issue(&name);
        }
        let t = *since.entry(name.clone()).or_insert_with(std::time::Instant::now);
        if t.elapsed() >= ACME_DELAY { self.mint.issue(&name) } else { Some(self.fallback.clone()) }
    }
}

/// A self-signed certificate, as Traefik serves when it has no other.
fn default_cert(provider: &rustls::crypto::CryptoProvider) -> Option<Arc<CertifiedKey>> {
    let key = rcgen::KeyPair::generate().ok()?;
    let mut p = rcgen::CertificateParams::new(vec!["TRAEFIK DEFAULT CERT".to_string()]).ok()?;
    p.distinguished_name.push(rcgen::DnType::CommonName, "TRAEFIK DEFAULT CERT");
    let cert = p.self_signed(&key).ok()?;
    let signing = provider.key_provider.load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))).ok()?;
    Some(Arc::new(CertifiedKey::new(vec![cert.der().clone()], signing)))
}

/// Where the simulated web answers.
pub struct Web {
    /// The CA certificate clients must trust.
    pub ca: CertificateDer<'static>,
    /// Each server's public IPv4 (as the Hetzner world has it) -> its listener.
    pub servers: HashMap<IpAddr, SocketAddr>,
    /// Every other address: the old host.
    pub elsewhere: SocketAddr,
    pub tasks: Vec<JoinHandle<()>>,
}

pub async fn start(shared: Arc<Shared>) -> Result<Web> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name.push(rcgen::DnType::CommonName, "cutover simulated CA");
    ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign, rcgen::KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca.self_signed(&ca_key)?;
    let ca_der = ca_cert.der().clone();
    let mint = Arc::new(Mint {
        issuer: rcgen::Issuer::new(ca, ca_key),
        ca_der: ca_der.clone(),
        cache: Mutex::new(HashMap::new()),
        provider: provider.clone(),
    });
    let fallback = default_cert(&provider).ok_or_else(|| color_eyre::eyre::eyre!("the proxy's default certificate"))?;
    let tls = |server: Option<usize>| -> Result<Arc<rustls::ServerConfig>> {
        let certs =
            Certs { mint: mint.clone(), shared: shared.clone(), server, fallback: fallback.clone(), since: Mutex::new(HashMap::new()) };
        Ok(Arc::new(
            rustls::ServerConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_cert_resolver(Arc::new(certs)),
        ))
    };
    // The web servers Coolify deploys to, by their Hetzner address.
    let hosts: Vec<(usize, Option<IpAddr>)> = {
        let w = shared.world();
        w.cf.servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (i, w.hz.servers.iter().find(|x| x.name == s.hetzner).and_then(|x| x.ipv4.as_deref()).and_then(|ip| ip.parse().ok()))
            })
            .collect()
    };
    let mut servers = HashMap::new();
    let mut tasks = Vec::new();
    for (idx, ip) in hosts {
        let Some(ip) = ip else { continue };
        let (addr, task) = listen(shared.clone(), tls(Some(idx))?, Some(idx)).await?;
        servers.insert(ip, addr);
        tasks.push(task);
    }
    let (elsewhere, task) = listen(shared.clone(), tls(None)?, None).await?;
    tasks.push(task);
    Ok(Web { ca: ca_der, servers, elsewhere, tasks })
}

async fn listen(shared: Arc<Shared>, tls: Arc<rustls::ServerConfig>, server: Option<usize>) -> Result<(SocketAddr, JoinHandle<()>)> {
    let l = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = l.local_addr()?;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            // A machine that is off answers nothing.
            if let Some(idx) = server
                && !shared.world().powered(idx)
            {
                drop(tcp);
                continue;
            }
            let (acceptor, shared) = (acceptor.clone(), shared.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else { return };
                let sni = stream.get_ref().1.server_name().map(str::to_string);
                let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let host = req
                        .headers()
                        .get("host")
                        .and_then(|h| h.to_str().ok())
                        .map(|h| h.split(':').next().unwrap_or("").to_string())
                        .or(sni.clone())
                        .unwrap_or_default();
                    let (status, body) = answer(&shared, server, &host);
                    async move {
                        let mut r = hyper::Response::new(Full::new(Bytes::from(body)));
                        *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
                        r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("text/html; charset=utf-8"));
                        Ok::<_, std::convert::Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    Ok((addr, task))
}

/// What the proxy on `server` (or the old host, `None`) answers for `host`.
fn answer(shared: &Shared, server: Option<usize>, host: &str) -> (u16, String) {
    let mut w = shared.world();
    w.sync(chrono::Utc::now());
    crate::sim::coolify::deploy::tick(&mut w.cf, chrono::Utc::now());
    let url = format!("https://{host}");
    let all = sites();
    match server {
        Some(idx) => {
            let server_name = w.cf.servers[idx].name.clone();
            let Some(app) = w.cf.apps.iter().find(|a| a.server == idx && a.live_domains.contains(&url)) else {
                // Traefik's answer for a name no router knows.
                return (404, "404 page not found\n".into());
            };
            if !app.status.starts_with("running") {
                return (503, "no available server\n".into());
            }
            if let Some(allowed) = &app.live_allowed_hosts {
                let ok = allowed.split(',').map(str::trim).any(|a| a == host || a == "*" || (a.starts_with('.') && host.ends_with(a)));
                if !ok {
                    return (400, "<!doctype html>\n<html lang=\"en\">\n<head><title>Bad Request (400)</title></head>\n<body><h1>Bad Request (400)</h1><p></p></body>\n</html>\n".into());
                }
            }
            let site = &all[app.site];
            (
                200,
                format!(
                    "<!doctype html><html><head><title>{}</title></head><body><h1>{}</h1><p>{} on {server_name}</p></body></html>\n",
                    site.name, site.name, app.name
                ),
            )
        }
        None => match all.iter().find(|s| host == s.domain || host.ends_with(&format!(".{}", s.domain))) {
            Some(site) => (
                200,
                format!(
                    "<!doctype html><html><head><title>{}</title></head><body><h1>{}</h1><p>served by the old host</p></body></html>\n",
                    site.name, site.name
                ),
            ),
            None => (404, "Not Found\n".into()),
        },
    }
}
