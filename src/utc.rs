//! The clock and dates as jirabridge shows them: milliseconds since the epoch (the time every
//! stored record uses), UTC calendar text for pages, logs and commands, and the reverse for
//! day filters. No time-zone database: everything is UTC.

/// Milliseconds since the Unix epoch, the clock of every stored time.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// `2026-11-25 16:51 UTC` for a time in ms since the epoch.
pub fn when(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_date(days as i64);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// `2026-11-25` for a day number since the epoch.
pub fn day(days_since_epoch: u64) -> String {
    let (year, month, day) = civil_date(days_since_epoch as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The start (00:00 UTC, in ms) of a `YYYY-MM-DD` day, or `None` when it is not a date.
pub fn parse_day(text: &str) -> Option<u64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // The inverse of `civil_date`: March-based years make February the last month.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let (y2, m2, d2) = civil_date(days);
    // 2026-02-31 and the like do not exist.
    ((y2, i64::from(m2), i64::from(d2)) == (year, month, day)).then(|| days as u64 * 86_400_000)
}

/// Proleptic Gregorian date of a day number (days since 1970-01-01), after Howard
/// Hinnant's published civil-calendar arithmetic.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(when(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(when(1_795_625_476_000), "2026-11-25 16:51:16 UTC");
        assert_eq!(day(11_016), "2000-02-29");
        assert_eq!(day(19_782), "2024-02-29");
        assert_eq!(parse_day("2024-02-29"), Some(19_782 * 86_400_000));
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day(" 2026-11-25 "), Some(1_795_625_476_000 / 86_400_000 * 86_400_000));
        for bad in ["2026-02-30", "2026-13-01", "yesterday", "", "2026-1", "1969-12-31"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }
}
