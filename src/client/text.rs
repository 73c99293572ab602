//! Reading numbers and booleans from XML attribute text as Pacemaker does.

/// `strtoll`-style reading (leading blanks, a sign, decimal digits; anything after is ignored).
/// `None` when there is no digit; `Err` carries the clipped value on overflow (`ERANGE`).
pub fn scan_ll(text: &[u8]) -> Option<Result<i64, i64>> {
    let mut i = 0;
    while i < text.len() && matches!(text[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut negative = false;
    if i < text.len() && (text[i] == b'+' || text[i] == b'-') {
        negative = text[i] == b'-';
        i += 1;
    }
    let digits = text[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let mut value: i64 = 0;
    for &c in &text[i..i + digits] {
        let d = (c - b'0') as i64;
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
        match next {
            Some(v) => value = v,
            None => return Some(Err(if negative { i64::MIN } else { i64::MAX })),
        }
    }
    Some(Ok(value))
}

/// Pacemaker's `crm_is_true`: "true", "on", "yes", "y", "1", in any case.
pub fn is_true(text: Option<&str>) -> bool {
    text.is_some_and(|t| {
        ["true", "on", "yes", "y", "1"]
            .iter()
            .any(|w| t.eq_ignore_ascii_case(w))
    })
}

/// `crm_element_value_ll`: absent → `None` (the caller's value stays), unparsable → −1.
pub fn attr_ll(text: Option<&[u8]>) -> Option<i64> {
    text.map(|t| match scan_ll(t) {
        Some(Ok(v)) => v,
        Some(Err(clipped)) => clipped,
        None => -1,
    })
}

/// `crm_element_value_int`: as [`attr_ll`], and −1 when out of `int` range.
pub fn attr_int(text: Option<&[u8]>) -> Option<i32> {
    attr_ll(text).map(|v| i32::try_from(v).unwrap_or(-1))
}

/// An attribute value as an owned string ("" when absent).
pub fn owned(v: Option<&std::ffi::CStr>) -> String {
    v.map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(scan_ll(b" 42x"), Some(Ok(42)));
        assert_eq!(scan_ll(b"-7"), Some(Ok(-7)));
        assert_eq!(scan_ll(b"x"), None);
        assert_eq!(scan_ll(b"99999999999999999999"), Some(Err(i64::MAX)));
        assert_eq!(attr_int(Some(b"4294967296")), Some(-1));
        assert_eq!(attr_int(Some(b"abc")), Some(-1));
        assert_eq!(attr_int(None), None);
        assert!(
            is_true(Some("YES")) && is_true(Some("1")) && !is_true(Some("no")) && !is_true(None)
        );
    }
}
