//! Version ranges written the way Kafka's message schemas write them (`"0+"`, `"3-9"`, `"none"`).

use std::fmt;

/// An inclusive range of API versions.
///
/// Built at compile time from Kafka's notation with [`VersionRange::parse`], so checks against a
/// range compile down to two integer comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// Lowest version in the range.
    pub min: i16,
    /// Highest version in the range (`i16::MAX` for an open range such as `"9+"`).
    pub max: i16,
}

impl VersionRange {
    /// The empty range (`"none"`).
    pub const NONE: VersionRange = VersionRange { min: 0, max: -1 };
    /// Every version (`"0+"`).
    pub const ALL: VersionRange = VersionRange {
        min: 0,
        max: i16::MAX,
    };

    /// Parses Kafka's notation: `"none"`, `"N"`, `"N+"` or `"N-M"`.
    ///
    /// # Panics
    /// On malformed input. It is meant for constants, where that panic is a compile error.
    pub const fn parse(s: &str) -> VersionRange {
        let b = s.as_bytes();
        if b.len() == 4 && b[0] == b'n' && b[1] == b'o' && b[2] == b'n' && b[3] == b'e' {
            return VersionRange::NONE;
        }
        let mut i = 0;
        let mut min: i16 = 0;
        let mut digits = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            min = min * 10 + (b[i] - b'0') as i16;
            i += 1;
            digits += 1;
        }
        assert!(digits > 0, "version range must start with a number");
        if i == b.len() {
            return VersionRange { min, max: min };
        }
        if b[i] == b'+' && i + 1 == b.len() {
            return VersionRange { min, max: i16::MAX };
        }
        assert!(b[i] == b'-', "expected '+', '-' or end of range");
        i += 1;
        let mut max: i16 = 0;
        digits = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            max = max * 10 + (b[i] - b'0') as i16;
            i += 1;
            digits += 1;
        }
        assert!(digits > 0 && i == b.len(), "malformed version range");
        assert!(max >= min, "empty version range");
        VersionRange { min, max }
    }

    /// Whether `version` lies in the range.
    #[inline(always)]
    pub const fn contains(self, version: i16) -> bool {
        version >= self.min && version <= self.max
    }

    /// Whether the range is empty.
    pub const fn is_empty(self) -> bool {
        self.max < self.min
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            f.write_str("none")
        } else if self.max == i16::MAX {
            write!(f, "{}+", self.min)
        } else if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}-{}", self.min, self.max)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kafka_notation() {
        assert_eq!(VersionRange::parse("0+"), VersionRange::ALL);
        assert_eq!(VersionRange::parse("none"), VersionRange::NONE);
        assert_eq!(
            VersionRange::parse("3-13"),
            VersionRange { min: 3, max: 13 }
        );
        assert_eq!(VersionRange::parse("7"), VersionRange { min: 7, max: 7 });
        assert!(VersionRange::parse("9+").contains(13));
        assert!(!VersionRange::parse("9+").contains(8));
        assert!(!VersionRange::NONE.contains(0));
        assert_eq!(VersionRange::parse("3-13").to_string(), "3-13");
        assert_eq!(VersionRange::parse("9+").to_string(), "9+");
    }
}
