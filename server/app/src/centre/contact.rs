//! How candidates reach the centre: its postal address and help line, a setting of the centre
//! printed on its Confirmations of Entry and Statements of Results.

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::tenant::CentreContact;
use tessera_domain::{Role, TenantId};
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::tenants;

/// The centre's address and help line as the manager types them.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CentreContactInput {
    /// The postal address, one line per envelope line (at most 6 lines, 300 characters).
    #[schema(example = "ul. Jagiellońska 5\n40-032 Katowice\nPolska")]
    pub address: String,
    /// The help line's telephone number (digits, spaces and `+ - ( ) /`).
    #[schema(example = "+48 32 258 00 00")]
    pub help_phone: String,
    /// The help line's email address; empty or absent for none.
    #[schema(example = "exams@pl078.example")]
    #[serde(default)]
    pub help_email: Option<String>,
}

/// The centre's address and help line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CentreContactView {
    /// The postal address, its lines separated by newlines.
    pub address: String,
    pub help_phone: String,
    pub help_email: Option<String>,
}

impl From<CentreContact> for CentreContactView {
    fn from(c: CentreContact) -> Self {
        Self { address: c.address, help_phone: c.help_phone, help_email: c.help_email }
    }
}

/// The centre's address and help line, if its manager has set them.
pub async fn contact(state: &AppState, tenant: TenantId) -> Result<Option<CentreContactView>, AppError> {
    let t = state.db.call(move |c| tenants::by_id(c, tenant)).await?;
    Ok(t.contact.map(Into::into))
}

/// Sets the centre's address and help line (a centre manager only; audited). Each field is
/// checked and named when refused; nothing is stored then.
pub async fn set_contact(
    state: &AppState,
    user: &Actor,
    input: CentreContactInput,
) -> Result<CentreContactView, AppError> {
    user.require(&[Role::CentreManager])?;
    let contact = CentreContact::parse(&input.address, &input.help_phone, input.help_email.as_deref().unwrap_or(""))?;
    let (tid, by, now) = (user.tenant_id(), user.user.id.clone(), state.clock.now());
    let stored = contact.clone();
    state
        .db
        .call(move |c| {
            tessera_storage::atomically(c, |c| {
                tenants::set_contact(c, tid, &contact)?;
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "centre.contact",
                    target: None,
                    details: json!({"help_phone": contact.help_phone, "help_email": contact.help_email}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
        })
        .await?;
    Ok(stored.into())
}
