//! `digicert.submit_order`: places one order at DigiCert exactly once.
//!
//! The attempt is counted before DigiCert is called. Every attempt after the
//! first starts by searching DigiCert for our reference (it sits in the order's
//! `comments`), so an order that DigiCert created while we lost the answer (a
//! timeout, a dropped connection, a 5xx from a gateway, a worker killed mid-call)
//! is adopted instead of placed a second time.
use async_trait::async_trait;
use digicert::{Error as DigicertError, OrderId, OrderListQuery};

use super::call::{Halt, retry};
use super::{FOLLOW_ORDER, OrderJob, Pipeline, request};
use crate::db::orders::{self as db, OrderRecord};
use crate::domain::OrderStatus;
use crate::jobs::{self, Job, JobHandler, JobOutcome, NewJob};

pub(super) struct SubmitOrder {
    pub(super) pipeline: Pipeline,
}

#[async_trait]
impl JobHandler for SubmitOrder {
    async fn run(&self, job: &Job) -> JobOutcome {
        let order_id = match job.payload::<OrderJob>() {
            Ok(payload) => payload.order_id,
            Err(error) => return JobOutcome::Fail(format!("bad payload: {error}")),
        };
        match self.pipeline.submit(order_id).await {
            Ok(()) => JobOutcome::Ok,
            Err(Halt::Job(outcome)) => outcome,
            Err(Halt::Digicert(error)) => self.pipeline.after_failure(order_id, &error).await,
        }
    }
}

impl Pipeline {
    async fn submit(&self, order_id: crate::domain::OrderId) -> Result<(), Halt> {
        let Some(order) = db::unscoped_get(&self.pool, order_id).await? else {
            return Err(Halt::Job(JobOutcome::Fail("no such order".to_owned())));
        };
        if let Some(placed) = order.digicert_order_id {
            // A previous run placed it and died before finishing.
            return self.adopt(order.id, placed, None).await;
        }
        if order.status != OrderStatus::Queued {
            // Canceled or failed in the meantime: nothing to send.
            return Ok(());
        }
        let tried_before = order.submit_attempts > 0;
        if !db::unscoped_record_attempt(&self.pool, order.id, self.clock.now()).await? {
            // Canceled since it was read: the cancel won, nothing goes to DigiCert.
            return Ok(());
        }
        if tried_before && let Some(found) = self.find_at_digicert(&order).await? {
            tracing::info!(order = %order.id, digicert_order = found.0, "adopting the order DigiCert already has");
            return self.adopt(order.id, to_i64(found)?, None).await;
        }
        let request = match request::build(&order) {
            Ok(request) => request,
            Err(error) => {
                let error = error.to_string();
                self.fail_order(order.id, &error).await?;
                return Err(Halt::Job(JobOutcome::Fail(error)));
            }
        };
        let created = self.client.place_order(&request).await?;
        let request_id = created
            .requests
            .first()
            .and_then(|request| i64::try_from(request.id.0).ok());
        self.adopt(order.id, to_i64(created.id)?, request_id).await
    }

    /// DigiCert's order carrying our reference, if there is one.
    async fn find_at_digicert(&self, order: &OrderRecord) -> Result<Option<OrderId>, Halt> {
        let Some(reference) = order.reference.as_deref() else {
            return Ok(None);
        };
        let query = OrderListQuery::search_containing(reference);
        let found = self.client.list_orders(&query).await?;
        for candidate in found.orders {
            // List items need not carry `comments`; the order itself does, and
            // the search may also have matched the reference elsewhere.
            let comments = match candidate.comments {
                Some(comments) => comments,
                None => {
                    let full = self.client.order(candidate.id).await?;
                    full.comments.unwrap_or_default()
                }
            };
            if comments.trim() == reference {
                return Ok(Some(candidate.id));
            }
        }
        Ok(None)
    }

    /// Records DigiCert's order and starts following it, in one transaction.
    async fn adopt(
        &self,
        order_id: crate::domain::OrderId,
        digicert_order_id: i64,
        request_id: Option<i64>,
    ) -> Result<(), Halt> {
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        db::unscoped_mark_submitted(&mut tx, order_id, digicert_order_id, request_id, now).await?;
        let follow = NewJob::new(FOLLOW_ORDER, &OrderJob { order_id })
            .map_err(|error| Halt::Job(JobOutcome::Fail(error.to_string())))?
            .dedup_key(format!("follow:{order_id}"));
        jobs::enqueue(&mut *tx, &follow, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn fail_order(&self, order_id: crate::domain::OrderId, error: &str) -> sqlx::Result<()> {
        db::unscoped_set_status(
            &self.pool,
            order_id,
            OrderStatus::Failed,
            None,
            Some(error),
            self.clock.now(),
        )
        .await
    }

    /// A DigiCert error while placing. Ambiguous and transient ones are retried
    /// (the next attempt reconciles first); a refusal fails the order for good.
    async fn after_failure(
        &self,
        order_id: crate::domain::OrderId,
        error: &DigicertError,
    ) -> JobOutcome {
        let text = error.to_string();
        let now = self.clock.now();
        if error.may_have_taken_effect() || error.is_transient() {
            if let Err(db_error) = db::unscoped_record_error(&self.pool, order_id, &text, now).await
            {
                return retry(db_error);
            }
            return retry(text);
        }
        if matches!(error, DigicertError::InvalidApiKey) {
            // Staff can fix the key; the order must not be lost meanwhile.
            return retry(text);
        }
        match self.fail_order(order_id, &text).await {
            Ok(()) => JobOutcome::Fail(text),
            Err(db_error) => retry(db_error),
        }
    }
}

fn to_i64(id: OrderId) -> Result<i64, Halt> {
    i64::try_from(id.0).map_err(|_| {
        Halt::Job(JobOutcome::Fail(format!(
            "DigiCert order id {id} out of range"
        )))
    })
}
