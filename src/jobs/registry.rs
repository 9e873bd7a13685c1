//! What a job kind's code implements, and the registry the worker looks kinds up in.
use std::collections::BTreeMap;
use std::sync::Arc;

use time::Duration;

use super::queue::Job;

/// What became of one run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done; the job succeeded.
    Ok,
    /// A transient failure: try again after the queue's back-off, or after
    /// `after` when that is longer (a DigiCert `Retry-After`). Counts as an attempt.
    Retry {
        after: Option<Duration>,
        error: String,
    },
    /// A failure no retry can fix: the job ends failed at once, visible to staff.
    Fail(String),
    /// Not a failure, just not yet (the rate limit says wait, an order is still
    /// pending): run again after `after` without using up an attempt.
    Snooze(Duration),
}

/// The code behind one job kind. Handlers must tolerate running twice for the
/// same job (a worker may die after the work but before recording it).
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &Job) -> JobOutcome;
}

/// Handlers by job kind. A worker claims only the kinds registered here, so a
/// process that does not know a kind leaves its jobs to one that does.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: BTreeMap<String, Arc<dyn JobHandler>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.handlers.keys()).finish()
    }
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of `kind` with `handler`, replacing any handler registered before.
    #[must_use]
    pub fn register(mut self, kind: &str, handler: impl JobHandler) -> Self {
        self.handlers.insert(kind.to_owned(), Arc::new(handler));
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.handlers.get(kind).cloned()
    }

    pub fn kinds(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }
}
