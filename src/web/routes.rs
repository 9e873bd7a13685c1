//! A router that remembers what it was given, so tests can walk every route.
use axum::Router;
use axum::routing::MethodRouter;

use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
}

pub struct RouteTable {
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
}

impl RouteTable {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    /// Registers `handler` for `method` and `path`. `method` must be the one
    /// method the handler serves; it is recorded for the route list.
    pub fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.routes.push(RouteInfo { method, path });
        self
    }

    pub fn list(&self) -> &[RouteInfo] {
        &self.routes
    }

    /// The routes alone, still waiting for their state; `app` wraps them in the
    /// middleware stack and gives them the state.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

impl Default for RouteTable {
    fn default() -> Self {
        Self::new()
    }
}
