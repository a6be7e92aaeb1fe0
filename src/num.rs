//! Exact decimals as fixed-point integers: six decimal places, the most the contract allows.
//! Boundaries such as 4.5 or 0.03 compare exactly, and the type is `Hash + Eq + Ord`, so it can be an ascent column.

use std::fmt;
use std::ops::{Add, Sub};

/// Units per whole number: 10^6.
pub const SCALE: i64 = 1_000_000;
const SCALE_DIGITS: usize = 6;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(pub i64);

impl Dec {
    pub const ZERO: Dec = Dec(0);

    pub fn from_int(n: i64) -> Option<Dec> {
        n.checked_mul(SCALE).map(Dec)
    }

    /// Parses a JSON number's text exactly. Exponents are allowed when the value they give has at most six
    /// decimal places; anything else (more places, overflow, malformed text) is an error naming what was wrong.
    pub fn parse(text: &str) -> Result<Dec, String> {
        match parse_plain(text) {
            Some(d) => Ok(d),
            None => parse_general(text),
        }
    }
}

/// The usual shape of a fact's number, `-?digits(.digits)?` with at most 12 integer digits and 6 places, read
/// without allocating (a 1M-shop load parses ~90M numbers; the general path below spent 5 s in `format!` alone).
/// `None` for anything else, which the general path decides.
fn parse_plain(text: &str) -> Option<Dec> {
    let b = text.as_bytes();
    let (neg, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) if i + 1 < b.len() => (&b[..i], &b[i + 1..]),
        Some(_) => return None,
        None => (b, &b[..0]),
    };
    if int.is_empty() || int.len() > 12 || frac.len() > SCALE_DIGITS {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int.iter().chain(frac) {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    let v = v * 10i64.pow((SCALE_DIGITS - frac.len()) as u32);
    Some(Dec(if neg { -v } else { v }))
}

/// Any JSON number's text, exponents included.
fn parse_general(text: &str) -> Result<Dec, String> {
    let bad = || format!("a decimal number, got `{text}`");
    let (neg, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => {
            let e: i64 = rest[i + 1..].parse().map_err(|_| bad())?;
            (&rest[..i], e)
        }
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if int_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
        || (mantissa.contains('.') && frac_part.is_empty())
    {
        return Err(bad());
    }
    // digits * 10^(exp - frac_len): shift the decimal point, then require ≤ 6 places.
    let digits: String = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let places = (frac_part.len() as i64).saturating_sub(exp);
    let digits = if places > 0 {
        // trailing zeros after the point do not count as places
        let trimmed = digits.trim_end_matches('0');
        let dropped = (digits.len() - trimmed.len()) as i64;
        let keep = dropped.min(places);
        let d = &digits[..digits.len() - keep as usize];
        return finish(d, places - keep, neg, text);
    } else {
        digits
    };
    finish(digits, places, neg, text)
}

impl Dec {
    /// Whole number of decimal places needed to write the value (0..=6).
    pub fn places(self) -> usize {
        let mut frac = (self.0 % SCALE).abs();
        if frac == 0 {
            return 0;
        }
        let mut places = SCALE_DIGITS;
        while frac % 10 == 0 {
            frac /= 10;
            places -= 1;
        }
        places
    }

    /// `self / n`, rounded half away from zero to six places (for showing averages; rules compare exactly).
    pub fn div_int(self, n: i64) -> Dec {
        let (a, n) = (self.0 as i128, n as i128);
        let q = (2 * a + n.signum() * a.signum() * n.abs()) / (2 * n);
        Dec(q as i64)
    }

    /// `self × percent %`, rounded half up to 0.01 (fen).
    pub fn percent_round_half_up_2(self, percent: Dec) -> Dec {
        // self·10^6 × percent·10^6 / 100 = value·10^12 / 100; scale back to 10^6 rounded to 10^4 (two places)
        let exact = self.0 as i128 * percent.0 as i128; // value × 10^12 × 100
        let unit = 100i128 * 1_000_000 * 10_000; // 10^12·100 / 10^2 → one fen in `exact` units
        let q = (exact * 2 + unit * exact.signum()) / (2 * unit);
        Dec((q * 10_000) as i64)
    }

    /// `self × num / den`, rounded down to 0.01 (a proportional share).
    pub fn share_floor_2(self, num: Dec, den: Dec) -> Dec {
        let fen = (self.0 as i128 * num.0 as i128).div_euclid(den.0 as i128 * 10_000);
        Dec((fen * 10_000) as i64)
    }

    /// Exactly `self ≥ factor × base` (no rounding of the product).
    pub fn at_least_times(self, factor: Dec, base: Dec) -> bool {
        self.0 as i128 * SCALE as i128 >= factor.0 as i128 * base.0 as i128
    }

    /// `self × other` rounded up to six places: a requirement to show (rules compare with `at_least_times`).
    pub fn mul_ceil(self, other: Dec) -> Dec {
        let p = self.0 as i128 * other.0 as i128;
        Dec(p.div_euclid(SCALE as i128) as i64 + i64::from(p.rem_euclid(SCALE as i128) != 0))
    }

    /// The largest multiple of `unit` not above `self` (`unit` > 0).
    pub fn floor_to(self, unit: Dec) -> Dec {
        Dec(self.0.div_euclid(unit.0) * unit.0)
    }

    pub fn is_integer(self) -> bool {
        self.0 % SCALE == 0
    }
}

fn finish(digits: &str, places: i64, neg: bool, text: &str) -> Result<Dec, String> {
    let too_big = || format!("a number of magnitude below 9e12, got `{text}`");
    if digits.is_empty() {
        return Ok(Dec(0));
    }
    if places > SCALE_DIGITS as i64 {
        return Err(format!("at most {SCALE_DIGITS} decimal places, got `{text}`"));
    }
    if places < -19 || digits.len() > 19 {
        return Err(too_big());
    }
    let shift = (SCALE_DIGITS as i64 - places) as u32;
    let v: i64 = digits.parse().map_err(|_| too_big())?;
    let v = 10i64.checked_pow(shift).and_then(|m| v.checked_mul(m)).ok_or_else(too_big)?;
    Ok(Dec(if neg { -v } else { v }))
}

impl fmt::Display for Dec {
    /// The shortest exact decimal: `12.5`, `1000`, `0.03`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0 as i128;
        let sign = if v < 0 { "-" } else { "" };
        let a = v.abs();
        let int = a / SCALE as i128;
        let frac = a % SCALE as i128;
        if frac == 0 {
            return write!(f, "{sign}{int}");
        }
        let s = format!("{frac:06}");
        write!(f, "{sign}{int}.{}", s.trim_end_matches('0'))
    }
}

impl Add for Dec {
    type Output = Dec;
    fn add(self, o: Dec) -> Dec {
        Dec(self.0 + o.0)
    }
}

impl Sub for Dec {
    type Output = Dec;
    fn sub(self, o: Dec) -> Dec {
        Dec(self.0 - o.0)
    }
}

impl std::iter::Sum for Dec {
    fn sum<I: Iterator<Item = Dec>>(iter: I) -> Dec {
        iter.fold(Dec::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn parses_exactly_and_prints_shortest() {
        assert_eq!(p("4.5"), Dec(4_500_000));
        assert_eq!(p("0.03"), Dec(30_000));
        assert_eq!(p("0.1").0 + p("0.2").0, p("0.3").0);
        assert_eq!(p("-1.25").to_string(), "-1.25");
        assert_eq!(p("1000").to_string(), "1000");
        assert_eq!(p("12.50").to_string(), "12.5");
        assert_eq!(p("1e3").to_string(), "1000");
        assert_eq!(p("1.5E-2").to_string(), "0.015");
        assert_eq!(p("0.0000010").to_string(), "0.000001");
        assert_eq!(p("0").to_string(), "0");
    }

    #[test]
    fn rejects_what_it_cannot_hold() {
        assert!(Dec::parse("0.0000001").unwrap_err().contains("decimal places"));
        assert!(Dec::parse("1e400").is_err());
        assert!(Dec::parse("99999999999999999999").is_err());
        for bad in ["", "-", ".5", "5.", "1e", "NaN", "Infinity", "1.2.3", "0x10"] {
            assert!(Dec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn averages_round_half_away_from_zero() {
        assert_eq!(p("10").div_int(3).to_string(), "3.333333");
        assert_eq!(p("20").div_int(3).to_string(), "6.666667");
        assert_eq!(p("9").div_int(3).to_string(), "3");
        assert_eq!(p("-20").div_int(3).to_string(), "-6.666667");
    }

    #[test]
    fn money_rounding() {
        // 1234.5 × 8% = 98.76; 0.125 × 100% rounds half up to 0.13
        assert_eq!(p("1234.5").percent_round_half_up_2(p("8")).to_string(), "98.76");
        assert_eq!(p("0.125").percent_round_half_up_2(p("100")).to_string(), "0.13");
        assert_eq!(p("0.124").percent_round_half_up_2(p("100")).to_string(), "0.12");
        assert_eq!(p("100").share_floor_2(p("1"), p("3")).to_string(), "33.33");
    }

    #[test]
    fn places_counts_written_decimals() {
        assert_eq!(p("4.5").places(), 1);
        assert_eq!(p("0.03").places(), 2);
        assert_eq!(p("7").places(), 0);
    }

    #[test]
    fn products_compare_exactly() {
        // 112 ≥ 1.12 × 100 exactly; 111.99 is not
        assert!(p("112").at_least_times(p("1.12"), p("100")));
        assert!(!p("111.99").at_least_times(p("1.12"), p("100")));
        assert!(p("0.000002").at_least_times(p("0.000001"), p("1.5")));
        assert_eq!(p("1.12").mul_ceil(p("100")).to_string(), "112");
        assert_eq!(p("0.000001").mul_ceil(p("1.5")).to_string(), "0.000002");
        assert_eq!(p("2534567.89").floor_to(p("10000")).to_string(), "2530000");
        assert_eq!(p("9999").floor_to(p("10000")).to_string(), "0");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4000, ..Default::default() })]
        /// The allocation-free path reads what it accepts exactly as the general path does.
        #[test]
        fn plain_numbers_read_as_the_general_path_reads_them(
            chars in proptest::collection::vec(proptest::sample::select(b"0123456789.-eE+".to_vec()), 0..16),
        ) {
            let text = String::from_utf8(chars).unwrap();
            if let Some(d) = parse_plain(&text) {
                proptest::prop_assert_eq!(Ok(d), parse_general(&text), "{}", text);
            }
        }

        #[test]
        fn usual_numbers_take_the_plain_path(neg: bool, int in 0u64..1_000_000_000_000, frac in 0u32..1_000_000, places in 0usize..7) {
            let mut text = format!("{}{int}", if neg { "-" } else { "" });
            if places > 0 {
                text += &format!(".{:06}", frac)[..places + 1];
            }
            proptest::prop_assert!(parse_plain(&text).is_some(), "{}", text);
            proptest::prop_assert_eq!(parse_plain(&text).map(Ok), Some(parse_general(&text)));
        }
    }
}
