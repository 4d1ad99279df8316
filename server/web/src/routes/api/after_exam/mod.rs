//! Exam day and after through the API (centre staff).

use tessera_domain::Role;

pub(super) mod appeals;
pub(super) mod attendance;
pub(super) mod cases;
pub(super) mod certificates;
pub(super) mod enquiries;
pub(super) mod photo;
pub(super) mod timetable_change;

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];
