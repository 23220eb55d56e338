//! Do two PostgreSQL databases hold the same rows? Exact `count(*)` of every
//! table (never the statistics' estimate) and an md5 of chosen tables' rows in
//! order, both read with `psql` on the hosts that reach the databases.

use crate::ssh::quote::sh;
use std::collections::BTreeMap;

/// Exact row counts of every base table, one `schema.table|count` per line.
pub(crate) const COUNTS_SQL: &str = "SELECT table_schema||'.'||table_name, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema') AND table_type='BASE TABLE' ORDER BY 1";

/// `psql` printing unaligned `a|b` rows, stopping at the first error.
pub(crate) fn psql(url: &str, sql: &str) -> String {
    format!("psql -X -A -t -F '|' -v ON_ERROR_STOP=1 -d {} -c {}", sh(url), sh(sql))
}

/// The checksum of one table's rows in a stable order.
pub(crate) fn checksum_sql(table: &str) -> Result<String, String> {
    let ok = !table.is_empty() && table.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if !ok {
        return Err(format!("`{table}` is not a table name"));
    }
    let quoted = table.split('.').map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(".");
    Ok(format!("SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {quoted} t"))
}

/// `name|number` lines.
pub(crate) fn parse_counts(out: &str) -> Result<BTreeMap<String, i64>, String> {
    let mut m = BTreeMap::new();
    for l in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (t, n) = l.rsplit_once('|').ok_or_else(|| format!("unexpected psql output: {l}"))?;
        m.insert(t.to_string(), n.trim().parse().map_err(|_| format!("unexpected count in: {l}"))?);
    }
    Ok(m)
}

/// The differences, one line each; empty when the counts are equal.
#[cfg(test)]
pub(crate) fn compare(source: &BTreeMap<String, i64>, target: &BTreeMap<String, i64>) -> Vec<String> {
    compare_within(source, target, 0.0)
}

/// As `compare`, a table's count may be off by `percent` of the source's
/// (rounded up): a backup is behind its live database by what was written since.
pub(crate) fn compare_within(source: &BTreeMap<String, i64>, target: &BTreeMap<String, i64>, percent: f64) -> Vec<String> {
    let mut out = Vec::new();
    for (t, n) in source {
        let allowed = ((*n as f64) * percent / 100.0).ceil() as i64;
        match target.get(t) {
            Some(m) if (m - n).abs() <= allowed => {}
            Some(m) => out.push(format!("{t}: {n} rows in the source, {m} in the target")),
            None => out.push(format!("{t}: missing in the target ({n} rows in the source)")),
        }
    }
    for t in target.keys().filter(|t| !source.contains_key(*t)) {
        out.push(format!("{t}: only in the target"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_compare_exactly() {
        let a = parse_counts("public.store_order|200000\npublic.store_customer|10\n").unwrap();
        let mut b = a.clone();
        assert!(compare(&a, &b).is_empty());
        b.insert("public.store_order".into(), 199_999);
        b.remove("public.store_customer");
        assert_eq!(
            compare(&a, &b),
            [
                "public.store_customer: missing in the target (10 rows in the source)",
                "public.store_order: 200000 rows in the source, 199999 in the target"
            ]
        );
        // Within 1 %: 200000 may be 198000..=202000; a missing table never is.
        assert_eq!(compare_within(&a, &b, 1.0), ["public.store_customer: missing in the target (10 rows in the source)"]);
        b.insert("public.store_order".into(), 197_999);
        assert_eq!(compare_within(&a, &b, 1.0).len(), 2);
        assert!(parse_counts("ERROR: relation").is_err());
        assert!(checksum_sql("store_order; drop table x").is_err());
        assert_eq!(
            checksum_sql("public.store_order").unwrap(),
            "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM \"public\".\"store_order\" t"
        );
    }
}
