//! A departure's grace period (issue 15 §4): whole days from 0 (revoke at the next run)
//! to [`GraceDays::MAX`], the same bounds on every page and door that sets it.

/// A grace period within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraceDays(i32);

/// The catalogue key of the one message for a grace period out of bounds or not a number.
pub const BAD_GRACE: &str = "departures.bad_grace";

impl GraceDays {
    /// Longer than a quarter would keep a departed person's certificates alive for no
    /// reason an institution has given.
    pub const MAX: i32 = 90;

    pub fn new(days: i32) -> Result<Self, &'static str> {
        if (0..=Self::MAX).contains(&days) {
            Ok(Self(days))
        } else {
            Err(BAD_GRACE)
        }
    }

    /// A typed number of days.
    pub fn parse(typed: &str) -> Result<Self, &'static str> {
        typed
            .trim()
            .parse::<i32>()
            .map_err(|_| BAD_GRACE)
            .and_then(Self::new)
    }

    pub fn days(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_to_ninety_days_are_a_grace_period_and_nothing_else_is() {
        assert_eq!(GraceDays::parse(" 0 ").unwrap().days(), 0);
        assert_eq!(GraceDays::parse("90").unwrap().days(), 90);
        for typed in ["91", "-1", "sedam", "", "7.5"] {
            assert_eq!(GraceDays::parse(typed), Err(BAD_GRACE), "{typed}");
        }
    }
}
