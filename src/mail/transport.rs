//! The ways a message can leave the portal.
use std::path::PathBuf;

use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailSettings, MailTransportKind};
use crate::db::outbox::QueuedMail;

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message, for development and tests.
    File(PathBuf),
    /// The message is written to the log, for a first look without any mail setup.
    Log,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Smtp"),
            Self::File(dir) => write!(f, "File({})", dir.display()),
            Self::Log => f.write_str("Log"),
        }
    }
}

pub struct Outgoing {
    pub transport: Transport,
    pub from: Mailbox,
}

impl Outgoing {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("TCS_MAIL_FROM is not a mailbox: {:?}", settings.from))?;
        let transport = match settings.transport {
            MailTransportKind::Smtp => {
                let url = settings
                    .smtp_url
                    .as_ref()
                    .context("the smtp transport needs TCS_SMTP_URL")?;
                Transport::Smtp(
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                        .context("TCS_SMTP_URL is not a valid SMTP URL")?
                        .build(),
                )
            }
            MailTransportKind::File => {
                std::fs::create_dir_all(&settings.dir).with_context(|| {
                    format!("cannot create the mail folder {}", settings.dir.display())
                })?;
                Transport::File(settings.dir.clone())
            }
            MailTransportKind::Log => Transport::Log,
        };
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: &QueuedMail) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mail
                .recipient
                .parse()
                .context("recipient is not a mailbox")?)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body_text.clone())
            .context("cannot build the message")?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP delivery failed")?;
            }
            Transport::File(dir) => {
                // Named by outbox id, so a redelivery after a crash overwrites
                // rather than duplicates.
                let path = dir.join(format!("{:010}.eml", mail.id));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Transport::Log => {
                tracing::info!(
                    to = %mail.recipient,
                    subject = %mail.subject,
                    body = %mail.body_text,
                    "mail (log transport)"
                );
            }
        }
        Ok(())
    }
}
