//! The mail outbox: a durable queue of messages with leases.
use sqlx::{PgPool, Postgres, Transaction};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub attempts: i32,
}

pub async fn enqueue(
    tx: &mut Transaction<'_, Postgres>,
    recipient: &str,
    subject: &str,
    body_text: &str,
    send_after: OffsetDateTime,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO outbox (recipient, subject, body_text, send_after) VALUES ($1, $2, $3, $4) RETURNING id",
        recipient,
        subject,
        body_text,
        send_after
    )
    .fetch_one(&mut **tx)
    .await
}

/// Queues many messages of one subject, as [`enqueue`] each, in one statement.
pub async fn enqueue_many(
    tx: &mut Transaction<'_, Postgres>,
    subject: &str,
    messages: &[(String, String)],
    send_after: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO outbox (recipient, subject, body_text, send_after)
         SELECT m.recipient, $1, m.body_text, $2
         FROM UNNEST($3::text[], $4::text[]) WITH ORDINALITY AS m(recipient, body_text, n)
         ORDER BY m.n",
        subject,
        send_after,
        &messages
            .iter()
            .map(|(to, _)| to.clone())
            .collect::<Vec<_>>() as &[String],
        &messages
            .iter()
            .map(|(_, body)| body.clone())
            .collect::<Vec<_>>() as &[String]
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Claims up to `limit` due messages for `lease`. Rows locked by another worker
/// are skipped, and a lease that ran out (its worker died) makes a row due again.
pub async fn claim(
    pool: &PgPool,
    limit: i64,
    now: OffsetDateTime,
    lease: Duration,
) -> sqlx::Result<Vec<QueuedMail>> {
    sqlx::query_as!(
        QueuedMail,
        r#"UPDATE outbox SET locked_until = $2::timestamptz + $3::float8 * interval '1 second', attempts = attempts + 1
           WHERE id IN (
               SELECT id FROM outbox
               WHERE sent_at IS NULL AND given_up_at IS NULL AND send_after <= $2
                 AND (locked_until IS NULL OR locked_until < $2)
               ORDER BY send_after, id
               LIMIT $1
               FOR UPDATE SKIP LOCKED)
           RETURNING id, recipient, subject, body_text, attempts"#,
        limit,
        now,
        lease.as_seconds_f64(),
    )
    .fetch_all(pool)
    .await
}

pub async fn mark_sent(pool: &PgPool, id: i64, now: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE outbox SET sent_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1",
        id,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed delivery and schedules the next try.
pub async fn mark_failed(
    pool: &PgPool,
    id: i64,
    error: &str,
    retry_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE outbox SET last_error = $2, send_after = $3, locked_until = NULL WHERE id = $1",
        id,
        error,
        retry_at
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Stops retrying a message, keeping its last error: staff see it among the
/// undelivered mail.
pub async fn give_up(pool: &PgPool, id: i64, error: &str, now: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE outbox SET last_error = $2, given_up_at = $3, locked_until = NULL WHERE id = $1",
        id,
        error,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A message the outbox gave up on. The body is left out: it may carry a
/// person's access link, which staff have no business reading.
#[derive(Debug, Clone)]
pub struct UndeliveredMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub given_up_at: OffsetDateTime,
}

/// The newest `limit` messages given up on.
pub async fn list_given_up(pool: &PgPool, limit: i64) -> sqlx::Result<Vec<UndeliveredMail>> {
    sqlx::query_as!(
        UndeliveredMail,
        r#"SELECT id, recipient, subject, attempts, last_error, created_at,
                  given_up_at AS "given_up_at!"
           FROM outbox
           WHERE given_up_at IS NOT NULL AND sent_at IS NULL
           ORDER BY given_up_at DESC, id DESC
           LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Puts a message given up on back in the queue with a fresh count of tries;
/// `false` when there is no such message (sent, never given up, unknown).
pub async fn send_again(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE outbox SET given_up_at = NULL, attempts = 0, send_after = $2
           WHERE id = $1 AND given_up_at IS NOT NULL AND sent_at IS NULL"#,
        id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Erases the text of messages delivered before `before`, keeping recipient,
/// subject and dates; returns how many were erased.
pub async fn erase_delivered_bodies(pool: &PgPool, before: OffsetDateTime) -> sqlx::Result<u64> {
    let erased = sqlx::query!(
        "UPDATE outbox SET body_text = '' WHERE sent_at < $1 AND body_text <> ''",
        before
    )
    .execute(pool)
    .await?;
    Ok(erased.rows_affected())
}
