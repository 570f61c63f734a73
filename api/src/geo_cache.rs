//! The reference geography each server holds in memory. It is read on nearly every screen and
//! changes every few years (a new thana or ward), so a server serves it from memory, reloads
//! it after its own change, and checks the database's revision now and then for a change made
//! through another server.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use persistence::geo::Geography;

use crate::problem::ApiError;
use crate::state::AppState;

/// How often a server checks whether another one changed the geography.
pub const POLL: Duration = Duration::from_secs(30);

pub struct GeoCache(RwLock<Arc<Geography>>);

impl GeoCache {
    pub fn new(geography: Geography) -> Self {
        GeoCache(RwLock::new(Arc::new(geography)))
    }

    /// The geography as this server holds it now.
    pub fn get(&self) -> Arc<Geography> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, geography: Geography) {
        let mut slot = match self.0.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = Arc::new(geography);
    }
}

/// Reloads the geography (after a change, or when the database's revision moved on).
pub async fn reload(state: &AppState) -> Result<(), ApiError> {
    let g = crate::unit_of_work::read(state, |conn| Ok(Geography::load(conn)?)).await?;
    state.geography.set(g);
    Ok(())
}

/// Reloads when another server changed the geography; returns whether it did.
pub async fn refresh_if_changed(state: &AppState) -> Result<bool, ApiError> {
    let revision = crate::unit_of_work::read(state, |conn| Ok(persistence::geo::revision(conn)?)).await?;
    if revision == state.geography.get().revision {
        return Ok(false);
    }
    reload(state).await?;
    Ok(true)
}
