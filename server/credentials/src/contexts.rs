//! The JSON-LD contexts this crate knows, bundled so that nothing is fetched at run time.
