//! What every handler shares: the application's state.

pub use tessera_app::state::{AppState, SearchPool, SharedState, WebSettings};
