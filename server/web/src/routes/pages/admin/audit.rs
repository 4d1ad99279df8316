//! The audit log of every tenant, with filters and pages.

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::audit_log::{self, AuditQuery};
use tessera_app::tenants;
use tessera_domain::Role;

/// The link to page `page` with the same filters.
fn page_link(q: &AuditQuery, page: i64) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("tenant", &q.tenant), ("action", &q.action), ("actor", &q.actor), ("from", &q.from), ("to", &q.to)]
    {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    s.append_pair("page", &page.to_string());
    format!("/admin/audit?{}", s.finish())
}

/// `GET /admin/audit`: the records matching the filters, newest first, a page at a time; a bad
/// filter is named and the form kept as typed.
pub(crate) async fn log(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let all = tenants::list(&state, &user).await?;
    let tenants: Vec<_> = all.iter().map(|t| context! { slug => t.slug(), name => t.name() }).collect();
    let actions = tessera_domain::audit::ACTIONS;
    let (status, ctx) = match audit_log::search(&state, &user, &q).await {
        Ok(found) => {
            let prev = (found.page > 1).then(|| page_link(&q, found.page - 1));
            let next = (found.page < found.pages).then(|| page_link(&q, found.page + 1));
            (StatusCode::OK, context! { found => found, prev => prev, next => next })
        }
        Err(e) if e.is_refusal() => (e.status, context! { error => e.for_page() }),
        Err(e) => return Err(e.into()),
    };
    let ctx = context! { q => q, tenants => tenants, actions => actions, ..ctx };
    render_user(&state, jar, user, "admin_audit.html", status, ctx)
}
