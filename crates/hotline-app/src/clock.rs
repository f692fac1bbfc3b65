//! The one place that reads the time. Tests use a manual clock to move past lockouts and idle
//! timeouts without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, DurationRound as _, Utc};

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    #[must_use]
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    /// Now, at microsecond precision: what both databases store, so values round-trip exactly.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        let now = match self {
            Self::System => Utc::now(),
            Self::Manual(t) => *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        };
        now.duration_trunc(Duration::microseconds(1)).unwrap_or(now)
    }

    /// Moves a manual clock forward; the system clock ignores it.
    pub fn advance(&self, by: Duration) {
        if let Self::Manual(t) = self {
            let mut guard = t.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *guard += by;
        }
    }
}
