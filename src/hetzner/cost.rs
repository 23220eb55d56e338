//! What a server costs per month, from the prices the API returns (decimal
//! strings in the account's currency, per location): the server type, its
//! primary IPs, backups (a percentage of the server price) and attached
//! volumes. Never a hard-coded price.

use super::model::{Pricing, Server, Volume};
use rust_decimal::Decimal;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Money {
    pub net: Decimal,
    pub gross: Decimal,
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money { net: self.net + o.net, gross: self.gross + o.gross }
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(it: I) -> Money {
        it.fold(Money::default(), |a, b| a + b)
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s.trim()).unwrap_or_default()
}

fn money(p: &super::model::Price) -> Money {
    Money { net: dec(&p.net), gross: dec(&p.gross) }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breakdown {
    pub server: Money,
    pub ipv4: Money,
    pub ipv6: Money,
    pub backups: Money,
    pub volumes: Money,
    /// Parts with no price in the API's answer (shown, not guessed).
    pub missing: Vec<String>,
}

impl Breakdown {
    pub fn total(&self) -> Money {
        self.server + self.ipv4 + self.ipv6 + self.backups + self.volumes
    }
}

pub fn monthly(s: &Server, pricing: &Pricing, volumes: &[Volume]) -> Breakdown {
    let loc = s.location.name.as_str();
    let mut b = Breakdown::default();
    match s.server_type.prices.iter().find(|p| p.location == loc) {
        Some(p) => b.server = money(&p.price_monthly),
        None => b.missing.push(format!("{} in {loc}", s.server_type.name)),
    }
    let ip_price = |kind: &str| {
        pricing
            .primary_ips
            .iter()
            .find(|p| p.kind == kind)
            .and_then(|p| p.prices.iter().find(|x| x.location == loc))
            .map(|x| money(&x.price_monthly))
    };
    if s.public_net.ipv4.is_some() {
        match ip_price("ipv4") {
            Some(m) => b.ipv4 = m,
            None => b.missing.push("IPv4".into()),
        }
    }
    if s.public_net.ipv6.is_some() {
        match ip_price("ipv6") {
            Some(m) => b.ipv6 = m,
            None => b.missing.push("IPv6".into()),
        }
    }
    if s.backup_window.is_some() {
        match &pricing.server_backup {
            Some(bp) => {
                let pct = dec(&bp.percentage) / Decimal::from(100);
                b.backups = Money { net: (b.server.net * pct).round_dp(4), gross: (b.server.gross * pct).round_dp(4) };
            }
            None => b.missing.push("backups".into()),
        }
    }
    let gb: Decimal = volumes.iter().filter(|v| v.server == Some(s.id)).map(|v| Decimal::from_f64_retain(v.size).unwrap_or_default()).sum();
    if gb > Decimal::ZERO {
        match &pricing.volume {
            Some(v) => {
                let per = money(&v.price_per_gb_month);
                b.volumes = Money { net: per.net * gb, gross: per.gross * gb };
            }
            None => b.missing.push("volumes".into()),
        }
    }
    b
}

/// `12.34` with two decimals (the API's strings carry four).
pub fn fmt(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// The currency's sign where there is a common one.
pub fn symbol(currency: &str) -> String {
    match currency {
        "EUR" => "€".into(),
        "USD" => "$".into(),
        other => format!("{other} "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hetzner::model::*;

    fn price(net: &str, gross: &str) -> Price {
        Price { net: net.into(), gross: gross.into() }
    }

    #[test]
    fn adds_up_the_parts_from_api_prices() {
        let s: Server = serde_json::from_value(serde_json::json!({
            "id": 7, "name": "db", "status": "running", "created": "2026-01-01T00:00:00Z",
            "public_net": {"ipv4": {"ip": "203.0.113.1", "blocked": false, "dns_ptr": ""}, "ipv6": {"ip": "2001:db8::/64", "blocked": false}},
            "server_type": {"id": 1, "name": "cpx32", "cores": 4, "memory": 8, "disk": 160,
                "prices": [{"location": "fsn1", "price_hourly": {"net": "0.0150", "gross": "0.0179"}, "price_monthly": {"net": "10.9900", "gross": "13.0781"}}]},
            "location": {"id": 1, "name": "fsn1"},
            "backup_window": "22-02"
        }))
        .unwrap();
        let pricing = Pricing {
            currency: "EUR".into(),
            vat_rate: "19.00".into(),
            primary_ips: vec![
                PrimaryIpPrice {
                    kind: "ipv4".into(),
                    prices: vec![IpLocationPrice { location: "fsn1".into(), price_monthly: price("0.5000", "0.5950") }],
                },
                PrimaryIpPrice {
                    kind: "ipv6".into(),
                    prices: vec![IpLocationPrice { location: "fsn1".into(), price_monthly: price("0.0000", "0.0000") }],
                },
            ],
            volume: Some(PerGb { price_per_gb_month: price("0.0440", "0.0524") }),
            server_backup: Some(BackupPrice { percentage: "20.00".into() }),
        };
        let vols = vec![Volume { id: 1, name: "v".into(), size: 100.0, server: Some(7), location: s.location.clone() }];
        let b = monthly(&s, &pricing, &vols);
        assert!(b.missing.is_empty());
        assert_eq!(fmt(b.backups.net), "2.20");
        assert_eq!(fmt(b.volumes.net), "4.40");
        // 10.99 + 0.50 + 0 + 2.198 + 4.40 = 18.088
        assert_eq!(fmt(b.total().net), "18.09");
        assert_eq!(fmt(b.total().gross), "21.53");
    }
}
