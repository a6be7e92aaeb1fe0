//! Calendar values as plain integers, all in China Standard Time (UTC+08:00), so they can be ascent columns and
//! compare with `<`. Conversions to and from text go through chrono.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime};
use std::fmt;

/// Seconds since 1970-01-01T00:00:00 CST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub i64);

/// Days since 1970-01-01 (CST calendar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

/// Months since 0000-01: `year * 12 + month - 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i32);

const CST_OFFSET_SECS: i64 = 8 * 3600;
const DAY: i64 = 86_400;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")
}

/// The number written by ASCII digits only.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter()
        .try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32))
}

/// `YYYY-MM-DD` read by position (loading parses millions of dates; chrono's format parser took a twentieth of a
/// load). `None` for anything else, which the caller hands to chrono, so odd input gets chrono's answer as before.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(&b[0..4])? as i32, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// `YYYY-MM-DDTHH:MM:SS` read by position, as `fast_date`.
fn fast_time(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() != 19 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    fast_date(&b[..10])?.and_hms_opt(digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?)
}

impl Date {
    pub fn parse(s: &str) -> Result<Date, String> {
        if s.len() != 10 {
            return Err(format!("a date YYYY-MM-DD, got `{s}`"));
        }
        if let Some(d) = fast_date(s.as_bytes()) {
            return Ok(Date::from_naive(d));
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Date::from_naive)
            .map_err(|_| format!("a real date YYYY-MM-DD, got `{s}`"))
    }
    pub fn from_naive(d: NaiveDate) -> Date {
        Date((d - epoch()).num_days() as i32)
    }
    pub fn naive(self) -> NaiveDate {
        epoch() + Duration::days(self.0 as i64)
    }
    pub fn ymd(y: i32, m: u32, d: u32) -> Date {
        Date::from_naive(NaiveDate::from_ymd_opt(y, m, d).expect("valid date"))
    }
    /// 00:00:00 of the day.
    pub fn start(self) -> Time {
        Time(self.0 as i64 * DAY)
    }
    /// 23:59:59 of the day.
    pub fn end(self) -> Time {
        Time(self.0 as i64 * DAY + DAY - 1)
    }
    pub fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }
    pub fn month(self) -> Month {
        let d = self.naive();
        Month(d.year() * 12 + d.month0() as i32)
    }
    /// ISO weekday, Monday = 1 … Sunday = 7.
    pub fn weekday(self) -> u32 {
        self.naive().weekday().number_from_monday()
    }
}

impl Time {
    /// `2022-12-28T20:00:00` (CST) or with an offset `2022-12-28T20:00:00+08:00` / `Z`.
    pub fn parse(s: &str) -> Result<Time, String> {
        let expected = || format!("a time YYYY-MM-DDTHH:MM:SS (CST, or with an offset), got `{s}`");
        if let Some(t) = fast_time(s.as_bytes()) {
            return Ok(Time::from_naive(t));
        }
        if s.len() == 19 {
            let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").map_err(|_| expected())?;
            return Ok(Time::from_naive(t));
        }
        let t = DateTime::parse_from_rfc3339(s).map_err(|_| expected())?;
        if t.timestamp_subsec_nanos() != 0 {
            return Err(format!("a time to the whole second, got `{s}`"));
        }
        Ok(Time(t.timestamp() + CST_OFFSET_SECS))
    }
    /// As-of values: a time, or a bare date meaning 23:59:59 of that day.
    pub fn parse_as_of(s: &str) -> Result<Time, String> {
        if s.len() == 10 {
            return Date::parse(s).map(Date::end);
        }
        Time::parse(s)
    }
    pub fn from_naive(t: NaiveDateTime) -> Time {
        Time(t.and_utc().timestamp())
    }
    pub fn naive(self) -> NaiveDateTime {
        DateTime::from_timestamp(self.0, 0).expect("time in range").naive_utc()
    }
    pub fn date(self) -> Date {
        Date(self.0.div_euclid(DAY) as i32)
    }
}

impl Month {
    pub fn parse(s: &str) -> Result<Month, String> {
        let bad = || format!("a month YYYY-MM, got `{s}`");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let y: i32 = y.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&m) {
            return Err(bad());
        }
        Ok(Month(y * 12 + m - 1))
    }
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }
    pub fn number(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }
    pub fn first_day(self) -> Date {
        Date::ymd(self.year(), self.number(), 1)
    }
    pub fn last_day(self) -> Date {
        Month(self.0 + 1).first_day().add_days(-1)
    }
    /// Month-valued records are dated at the last second of their month.
    pub fn end(self) -> Time {
        self.last_day().end()
    }
    pub fn plus(self, n: i32) -> Month {
        Month(self.0 + n)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.naive().format("%Y-%m-%d"))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.naive();
        write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S"))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_cst() {
        let a = Time::parse("2022-12-28T20:00:00").unwrap();
        assert_eq!(Time::parse("2022-12-28T20:00:00+08:00").unwrap(), a);
        assert_eq!(Time::parse("2022-12-28T12:00:00Z").unwrap(), a);
        assert_eq!(a.to_string(), "2022-12-28T20:00:00");
        assert_eq!(a.date(), Date::parse("2022-12-28").unwrap());
        assert_eq!(Time::parse_as_of("2023-01-05").unwrap().to_string(), "2023-01-05T23:59:59");
    }

    #[test]
    fn rejects_impossible_values() {
        assert!(Date::parse("2023-02-30").is_err());
        assert!(Date::parse("2023-2-3").is_err());
        assert!(Time::parse("2023-01-01T25:00:00").is_err());
        assert!(Time::parse("2023-01-01").is_err());
        assert!(Month::parse("2021-13").is_err());
    }

    /// The positional parser answers as chrono's format parser does, wherever it answers at all.
    #[test]
    fn the_fast_path_agrees_with_chrono() {
        let mut checked = 0;
        for y in ["0000", "1970", "2023", "2024", "9999"] {
            for m in 0..=13 {
                for d in [0, 1, 28, 29, 30, 31, 32] {
                    let date = format!("{y}-{m:02}-{d:02}");
                    let chrono = NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok();
                    if let Some(fast) = fast_date(date.as_bytes()) {
                        assert_eq!(Some(fast), chrono, "{date}");
                        checked += 1;
                    }
                    for (h, mi, sec) in [(0, 0, 0), (23, 59, 59), (24, 0, 0), (12, 60, 0), (12, 0, 60), (9, 5, 7)] {
                        let t = format!("{date}T{h:02}:{mi:02}:{sec:02}");
                        if let Some(fast) = fast_time(t.as_bytes()) {
                            assert_eq!(Some(fast), NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S").ok(), "{t}");
                        }
                    }
                }
            }
        }
        assert!(checked > 200);
        for odd in ["2023-1-015", "+023-01-05", "2023/01/05", "2023-01-0x"] {
            assert!(fast_date(odd.as_bytes()).is_none(), "{odd}");
        }
    }

    #[test]
    fn months() {
        let m = Month::parse("2021-12").unwrap();
        assert_eq!(m.to_string(), "2021-12");
        assert_eq!(m.end().to_string(), "2021-12-31T23:59:59");
        assert_eq!(m.plus(1).to_string(), "2022-01");
        assert_eq!(Month::parse("2024-02").unwrap().last_day().to_string(), "2024-02-29");
    }
}
