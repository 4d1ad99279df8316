//! Every page and email is a minijinja template, embedded in the binary, rendered in the
//! tenant's language through the `t` function.

use crate::error::PageError;
use crate::i18n::Catalogues;
use minijinja::value::Kwargs;
use minijinja::{Environment, State, Value};
use std::sync::Arc;
use tessera_domain::Locale;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = &embedded!(
    "base.html",
    "macros.html",
    "index.html",
    "login.html",
    "message.html",
    "forgot.html",
    "reset.html",
    "home_admin.html",
    "home_centre.html",
    "home_verifier.html",
    "email/password_reset.txt",
    "documents/statement_of_results.txt",
    "documents/confirmation_of_entry.txt",
    "email/entry_received.txt",
    "email/entry_cancelled.txt",
    "email/coe.txt",
    "centre_session_new.html",
    "centre_session.html",
    "centre_entry.html",
    "entry_form.html",
    "entry_received.html",
    "centre_calendar.html",
    "candidate_nav.html",
    "signup.html",
    "candidate_home.html",
    "candidate_shares.html",
    "candidate_account.html",
    "email/candidate_signup.txt",
    "email/results_released.txt",
    "email/email_changed.txt",
    "verifier_nav.html",
    "verifier_shared.html",
    "verifier_search.html",
    "verifier_detail.html",
    "verifier_lookup.html",
    "org_signup.html",
    "admin_organisations.html",
    "verifier_users.html",
    "verifier_download_controls.html",
    "verifier_downloads.html",
    "verifier_templates.html",
    "verifier_notifications.html",
    "verifier_api_clients.html",
    "email/org_approved.txt",
    "email/org_rejected.txt",
    "email/org_user_added.txt",
    "email/org_signup_received.txt",
    "email/notify_each.txt",
    "email/notify_digest.txt",
);

/// The template environment.
#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
    catalogues: Arc<Catalogues>,
}

impl Templates {
    /// Builds the environment; fails on a template that does not parse.
    pub fn load() -> Result<Self, String> {
        let catalogues = Arc::new(Catalogues::load()?);
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { minijinja::AutoEscape::Html } else { minijinja::AutoEscape::None }
        });
        for (name, src) in TEMPLATES {
            env.add_template(name, src).map_err(|e| format!("template {name}: {e}"))?;
        }
        let cats = catalogues.clone();
        env.add_function("t", move |state: &State, key: String, kwargs: Kwargs| -> Result<String, minijinja::Error> {
            let locale = state
                .lookup("locale")
                .and_then(|v| v.as_str().and_then(|s| s.parse::<Locale>().ok()))
                .unwrap_or(Locale::En);
            let mut text = cats.text(locale, &key).to_owned();
            for arg in kwargs.args() {
                let v: Value = kwargs.get(arg)?;
                text = text.replace(&format!("{{{arg}}}"), &v.to_string());
            }
            Ok(text)
        });
        Ok(Self { env: Arc::new(env), catalogues })
    }

    /// Renders `name` in `locale` with `ctx` (a serializable map).
    pub fn render(&self, name: &str, locale: Locale, ctx: Value) -> Result<String, minijinja::Error> {
        // A refusal handed over by a page (`AppError::for_page`) is written in the page's language.
        let error = ctx.get_attr("error").ok().and_then(|e| {
            e.downcast_object_ref::<crate::error::Refusal>()
                .map(|r| Value::from_serialize(PageError::new(&r.0, locale)))
        });
        let ctx = match error {
            Some(error) => minijinja::context! { locale => locale.as_str(), error => error, ..ctx },
            None => minijinja::context! { locale => locale.as_str(), ..ctx },
        };
        self.env.get_template(name)?.render(ctx)
    }

    /// Renders an email template whose first line is `Subject: ...`; returns (subject, body).
    pub fn render_email(&self, name: &str, locale: Locale, ctx: Value) -> Result<(String, String), minijinja::Error> {
        let text = self.render(name, locale, ctx)?;
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        let subject = first.strip_prefix("Subject:").unwrap_or(first).trim().to_owned();
        Ok((subject, rest.trim_start_matches('\n').to_owned()))
    }

    /// A catalogue text outside templates (flash messages, errors).
    pub fn text(&self, locale: Locale, key: &str) -> String {
        self.catalogues.text(locale, key).to_owned()
    }

    /// The catalogues, for checks.
    pub fn catalogues(&self) -> &Catalogues {
        &self.catalogues
    }
}
