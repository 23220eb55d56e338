//! Realistic log lines for the simulated containers: gunicorn access lines,
//! Django errors with tracebacks, PostgreSQL, nginx; request ids to highlight.

use super::world::Rng;

const PATHS: &[&str] = &[
    "/",
    "/products/",
    "/products/42/",
    "/cart/",
    "/checkout/",
    "/accounts/login/",
    "/api/v1/orders/",
    "/healthz/",
    "/static/css/site.css",
    "/search/?q=boots",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/145.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 19_1 like Mac OS X)",
    "curl/8.15.0",
    "Coolify-Healthcheck/4.3",
];

/// The `n`th application log entry of a stream at `ts` (RFC 3339): mostly access
/// lines; every 23rd an error with its traceback, every 11th a warning, so a
/// tail of a few dozen lines always has some of each.
pub fn app_lines(rng: &mut Rng, n: u64, ts: &str, site: &str) -> Vec<String> {
    let rid = format!("req-{}", rng.hex(8));
    let ip = format!("10.0.{}.{}", rng.below(4), 2 + rng.below(250));
    let path = PATHS[rng.below(PATHS.len() as u64) as usize];
    let roll = match (n % 23, n % 11, n % 31) {
        (7, _, _) => 0,
        (_, 3, _) => 3,
        (_, _, 13) => 7,
        (_, _, 29) => 9,
        _ => 10 + rng.below(90),
    };
    let gts = gunicorn_ts(ts);
    match roll {
        0..=2 => {
            let mut v = vec![format!("ERROR {} django.request Internal Server Error: {path} request_id={rid}", django_ts(ts))];
            v.push("Traceback (most recent call last):".into());
            v.push(format!("  File \"/app/{site}/views.py\", line {}, in checkout", 80 + rng.below(90)));
            v.push("    order = Order.objects.select_for_update().get(pk=order_id)".into());
            v.push(format!("{site}.models.Order.DoesNotExist: Order matching query does not exist. request_id={rid}"));
            v.push(format!("{ip} - - [{gts}] \"POST {path} HTTP/1.1\" 500 145 \"-\" \"{}\" request_id={rid}", AGENTS[0]));
            v
        }
        3..=6 => vec![format!("WARNING {} django.request Not Found: /wp-login.php request_id={rid}", django_ts(ts))],
        7..=8 => vec![format!(
            "[{}] [{}] [WARNING] Worker with pid {} was terminated due to signal 9",
            gunicorn_bracket_ts(ts),
            7,
            12 + rng.below(40)
        )],
        9 => vec![format!("[{}] [7] [INFO] Booting worker with pid: {}", gunicorn_bracket_ts(ts), 40 + rng.below(200))],
        _ => {
            let status = if roll > 96 {
                404
            } else if roll > 93 {
                302
            } else {
                200
            };
            let bytes = 200 + rng.below(40_000);
            let agent = AGENTS[rng.below(AGENTS.len() as u64) as usize];
            let method = if rng.below(5) == 0 { "POST" } else { "GET" };
            vec![format!("{ip} - - [{gts}] \"{method} {path} HTTP/1.1\" {status} {bytes} \"-\" \"{agent}\" request_id={rid}")]
        }
    }
}

pub fn db_line(rng: &mut Rng, ts: &str) -> String {
    let t = django_ts(ts).replace(',', ".");
    match rng.below(10) {
        0 => format!("{t} UTC [{}] ERROR:  duplicate key value violates unique constraint \"shop_order_number_key\"", 60 + rng.below(400)),
        1 => format!("{t} UTC [{}] LOG:  checkpoint complete: wrote {} buffers", 27, rng.below(900)),
        2 => format!("{t} UTC [{}] FATAL:  password authentication failed for user \"readonly\"", 60 + rng.below(400)),
        _ => format!("{t} UTC [{}] LOG:  duration: {}.{:03} ms  statement: SELECT 1", 60 + rng.below(400), rng.below(40), rng.below(1000)),
    }
}

pub fn journal_line(rng: &mut Rng, unit: &str) -> String {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%z");
    match rng.below(6) {
        0 => format!(
            "{now} web-prod-1 {unit}[812]: [warn] 812#812: *{} upstream server temporarily disabled while connecting to upstream",
            rng.below(9999)
        ),
        _ => format!("{now} web-prod-1 {unit}[812]: 10.0.1.{} GET /healthz/ 200", rng.below(250)),
    }
}

pub fn nginx_line(rng: &mut Rng) -> String {
    let now = chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S +0000");
    let status = if rng.below(20) == 0 { 502 } else { 200 };
    format!(
        "10.0.1.{} - - [{now}] \"GET {} HTTP/1.1\" {status} {} \"-\" \"{}\"",
        rng.below(250),
        PATHS[rng.below(PATHS.len() as u64) as usize],
        rng.below(9000),
        AGENTS[1]
    )
}

fn parse(ts: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(ts).map(|t| t.with_timezone(&chrono::Utc)).unwrap_or_else(|_| chrono::Utc::now())
}

fn gunicorn_ts(ts: &str) -> String {
    parse(ts).format("%d/%b/%Y:%H:%M:%S +0000").to_string()
}

fn gunicorn_bracket_ts(ts: &str) -> String {
    parse(ts).format("%Y-%m-%d %H:%M:%S +0000").to_string()
}

fn django_ts(ts: &str) -> String {
    parse(ts).format("%Y-%m-%d %H:%M:%S,%3f").to_string()
}

/// A docker-style timestamp.
pub fn docker_ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}
