//! Rules for environment variables: names, and DATABASE_URL checked as a URL
//! before it is sent.

/// A URL check for DATABASE_URL: scheme, host and database name.
pub fn check_database_url(v: &str) -> Result<(), String> {
    let (scheme, rest) = v.split_once("://").ok_or("not a URL: expected postgres://user:password@host:5432/dbname")?;
    if !matches!(scheme, "postgres" | "postgresql" | "postgis" | "mysql" | "mysql2" | "mariadb" | "sqlite" | "redis") {
        return Err(format!("unknown database scheme `{scheme}`"));
    }
    if scheme == "sqlite" {
        return Ok(());
    }
    let hostpart = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    let (host, db) = hostpart.split_once('/').ok_or("no database name after the host (…/dbname)")?;
    if host.split(':').next().unwrap_or("").is_empty() {
        return Err("no host".into());
    }
    if let Some(p) = host.rsplit_once(':').map(|(_, p)| p)
        && p.parse::<u16>().is_err()
    {
        return Err(format!("port `{p}` is not a number"));
    }
    if db.split('?').next().unwrap_or("").is_empty() {
        return Err("no database name after the host (…/dbname)".into());
    }
    Ok(())
}

/// An environment variable name Coolify and the shell accept.
pub fn env_key_ok(k: &str) -> bool {
    let mut c = k.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert!(check_database_url("postgres://shop:pw@db-uuid:5432/shop").is_ok());
        assert!(check_database_url("postgresql://u@10.0.0.5/shop?sslmode=require").is_ok());
        assert!(check_database_url("postgres://shop:pw@db-uuid:5432/").unwrap_err().contains("database name"));
        assert!(check_database_url("db-uuid:5432/shop").unwrap_err().contains("not a URL"));
        assert!(check_database_url("postgres://u:p@host:port/x").unwrap_err().contains("port"));
        assert!(check_database_url("mongo://x/y").is_err());
    }
}
