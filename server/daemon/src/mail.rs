//! Sending email with lettre: SMTP for real use, files for development and tests.

use crate::config::MailConfig;
use base64::Engine;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tessera_app::outbox::EmailJob;

/// The configured transport and sender.
pub enum Mailer {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>, Mailbox),
    /// One `.eml` file per email in a folder.
    File(AsyncFileTransport<Tokio1Executor>, Mailbox),
}

impl Mailer {
    /// Builds the transport the configuration names.
    pub fn new(cfg: &MailConfig) -> anyhow::Result<Self> {
        let from: Mailbox = cfg.from.parse()?;
        match cfg.transport.as_str() {
            "smtp" => {
                let builder = match cfg.smtp_security.as_str() {
                    "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.smtp_host)?,
                    "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.smtp_host)?,
                    _ => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.smtp_host),
                };
                let mut builder = builder.port(cfg.smtp_port).timeout(Some(std::time::Duration::from_secs(30)));
                if let (Some(user), Some(pass)) = (&cfg.smtp_username, &cfg.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
                }
                Ok(Self::Smtp(builder.build(), from))
            }
            _ => {
                let dir = cfg.file_dir.clone().unwrap_or_else(|| "mail".into());
                std::fs::create_dir_all(&dir)?;
                Ok(Self::File(AsyncFileTransport::<Tokio1Executor>::new(dir), from))
            }
        }
    }

    /// Sends one email.
    pub async fn send(&self, email: &EmailJob) -> anyhow::Result<()> {
        let from = match self {
            Self::Smtp(_, f) | Self::File(_, f) => f.clone(),
        };
        let to: Mailbox = email.to.parse()?;
        let builder = Message::builder().from(from).to(to).subject(&email.subject);
        let message = if email.attachments.is_empty() {
            builder.body(email.body.clone())?
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(email.body.clone()));
            for a in &email.attachments {
                let bytes = base64::engine::general_purpose::STANDARD.decode(&a.base64)?;
                parts = parts
                    .singlepart(Attachment::new(a.filename.clone()).body(bytes, ContentType::parse(&a.content_type)?));
            }
            builder.multipart(parts)?
        };
        match self {
            Self::Smtp(t, _) => {
                t.send(message).await?;
            }
            Self::File(t, _) => {
                t.send(message).await?;
            }
        }
        Ok(())
    }
}
