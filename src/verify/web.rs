//! Does a site answer, and is its certificate good? One GET over HTTP/1.1
//! (TLS for https with the name as SNI, verified against the web PKI), with the
//! option to connect to a given address whatever DNS says (curl's --resolve):
//! how a new server is checked before DNS points at it.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// How connections are made.
#[derive(Clone, Debug, Default)]
pub struct WebSettings {
    /// Trusted besides the web PKI (the simulated world's CA in the demo).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Addresses reached through another socket (the demo: each simulated
    /// server's address is a listener on loopback).
    pub connect_map: HashMap<IpAddr, SocketAddr>,
    /// Where any other address goes (the demo's "old host").
    pub connect_default: Option<SocketAddr>,
    /// Resolves names through these authoritative servers instead of the system
    /// resolver (the demo's name server).
    pub dns: Option<SocketAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cert {
    pub subject: String,
    pub names: Vec<String>,
    pub not_after: chrono::DateTime<chrono::Utc>,
    pub issuer: String,
}

impl Cert {
    pub(crate) fn days_left(&self, now: chrono::DateTime<chrono::Utc>) -> i64 {
        (self.not_after - now).num_days()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    /// The first 64 KiB of the body, as text.
    pub body: String,
    pub cert: Option<Cert>,
    /// The address asked (before any connect_map).
    pub addr: SocketAddr,
}

const TIMEOUT: Duration = Duration::from_secs(15);

/// Parses `https://host[:port]/path`.
fn split_url(url: &str) -> Result<(bool, String, u16, String), String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("`{url}` is not a URL"))?;
    let tls = match scheme {
        "https" => true,
        "http" => false,
        other => return Err(format!("`{other}` URLs cannot be checked (http or https)")),
    };
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            (h.trim_matches(|c| c == '[' || c == ']').to_string(), p.parse().map_err(|_| format!("bad port in `{url}`"))?)
        }
        _ => (hostport.trim_matches(|c| c == '[' || c == ']').to_string(), if tls { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err(format!("no host in `{url}`"));
    }
    Ok((tls, host, port, path))
}

async fn resolve(host: &str, port: u16, s: &WebSettings) -> Result<IpAddr, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip);
    }
    if let Some(ns) = s.dns {
        let p = crate::dns::propagation::check(
            host,
            "A",
            &[],
            &crate::dns::propagation::DnsSettings { authoritative: Some(vec![ns]), public: vec![] },
        )
        .await?;
        return p
            .authoritative
            .first()
            .and_then(|a| a.values.first())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{host} does not resolve (no A record)"));
    }
    tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("{host} does not resolve: {e}"))?
        .next()
        .map(|a| a.ip())
        .ok_or_else(|| format!("{host} does not resolve"))
}

fn tls_config(s: &WebSettings) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for c in &s.extra_roots {
        roots.add(c.clone()).map_err(|e| format!("extra root certificate: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A client that accepts any certificate: for reaching a proxy that has not
/// yet been given a real one. Callers say so in their output.
fn any_certificate() -> Result<rustls::ClientConfig, String> {
    #[derive(Debug)]
    struct AnyCert(Arc<rustls::crypto::CryptoProvider>);
    impl rustls::client::danger::ServerCertVerifier for AnyCert {
        fn verify_server_cert(
            &self,
            _end_entity: &rustls::pki_types::CertificateDer<'_>,
            _intermediates: &[rustls::pki_types::CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: rustls::pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &rustls::pki_types::CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &rustls::pki_types::CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth())
}

fn parse_cert(der: &[u8]) -> Option<Cert> {
    let (_, c) = X509Certificate::from_der(der).ok()?;
    let names = c
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let not_after = chrono::DateTime::from_timestamp(c.validity().not_after.timestamp(), 0)?;
    Some(Cert { subject: c.subject().to_string(), names, not_after, issuer: c.issuer().to_string() })
}

/// GETs `url`, connecting to `connect_to` when given; `insecure` accepts any
/// certificate (the proxy's default one, before it has a real one).
pub async fn get(url: &str, connect_to: Option<IpAddr>, s: &WebSettings, insecure: bool) -> Result<Response, String> {
    tokio::time::timeout(TIMEOUT, get_inner(url, connect_to, s, insecure))
        .await
        .map_err(|_| format!("{url}: no answer within {} s", TIMEOUT.as_secs()))?
}

async fn get_inner(url: &str, connect_to: Option<IpAddr>, s: &WebSettings, insecure: bool) -> Result<Response, String> {
    let (tls, host, port, path) = split_url(url)?;
    let ip = match connect_to {
        Some(ip) => ip,
        None => resolve(&host, port, s).await?,
    };
    let addr = SocketAddr::new(ip, port);
    let real = s.connect_map.get(&ip).copied().or(s.connect_default).unwrap_or(addr);
    let tcp = TcpStream::connect(real).await.map_err(|e| format!("connecting to {addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let host_header = if (tls && port == 443) || (!tls && port == 80) { host.clone() } else { format!("{host}:{port}") };
    let req = hyper::Request::get(path)
        .header("host", host_header)
        .header("user-agent", "cutover")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    if tls {
        let name = ServerName::try_from(host.clone()).map_err(|_| format!("`{host}` is not a valid TLS server name"))?;
        let config = if insecure { any_certificate()? } else { tls_config(s)? };
        let conn = tokio_rustls::TlsConnector::from(Arc::new(config));
        let stream = conn.connect(name, tcp).await.map_err(|e| format!("TLS with {host} at {addr}: {e}"))?;
        let cert = stream.get_ref().1.peer_certificates().and_then(|c| c.first()).and_then(|c| parse_cert(c));
        let (status, body) = send(TokioIo::new(stream), req).await?;
        Ok(Response { status, body, cert, addr })
    } else {
        let (status, body) = send(TokioIo::new(tcp), req).await?;
        Ok(Response { status, body, cert: None, addr })
    }
}

async fn send<T>(io: T, req: hyper::Request<Empty<Bytes>>) -> Result<(u16, String), String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
    let driver = tokio::spawn(conn);
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut b = resp.into_body();
    while let Some(frame) = b.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        if let Some(d) = frame.data_ref() {
            body.extend_from_slice(d);
        }
        if body.len() > 64 * 1024 {
            break;
        }
    }
    driver.abort();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Why a Django site answered 400, when that is the likely reason.
pub(crate) fn explain(status: u16, body: &str, host: &str) -> Option<String> {
    (status == 400 && body.contains("Bad Request (400)"))
        .then(|| format!("Django answered 400 Bad Request: {host} is probably not in ALLOWED_HOSTS (add it to the variable and redeploy)"))
}

/// A certificate check's verdict.
pub(crate) fn check_cert(cert: Option<&Cert>, host: &str, min_days: i64, now: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
    let c = cert.ok_or("no certificate")?;
    let days = c.days_left(now);
    if days < min_days {
        return Err(format!(
            "the certificate of {host} expires in {days} days ({}), fewer than {min_days}",
            c.not_after.format("%Y-%m-%d")
        ));
    }
    Ok(format!("certificate of {host} valid until {} ({days} days), issued by {}", c.not_after.format("%Y-%m-%d"), c.issuer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(split_url("https://example.com").unwrap(), (true, "example.com".into(), 443, "/".into()));
        assert_eq!(split_url("http://127.0.0.1:8000/health?x=1").unwrap(), (false, "127.0.0.1".into(), 8000, "/health?x=1".into()));
        assert!(split_url("ftp://x").is_err());
        assert!(explain(400, "<h1>Bad Request (400)</h1>", "new.example.com").unwrap().contains("ALLOWED_HOSTS"));
        assert_eq!(explain(404, "", "x"), None);
    }
}
