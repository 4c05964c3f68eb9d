//! Faults the fake Discord answers with instead of handling a request: "the
//! next N requests matching METHOD and a route prefix get STATUS with BODY
//! and HEADERS". Requests a fault answers are recorded like any other, with
//! the fault's status, and change nothing in the fake's state.

use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Value};

/// One injected failure.
#[derive(Clone, Debug)]
pub struct Fault {
    pub method: String,
    /// Matched against the path after `/api/v10`, e.g. `/interactions/`.
    pub route_prefix: String,
    /// How many matching requests still get it.
    pub remaining: usize,
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Fault {
    /// `times` matching requests get `status` with `body`.
    pub fn new(method: &str, route_prefix: &str, times: usize, status: u16, body: Value) -> Fault {
        Fault {
            method: method.to_string(),
            route_prefix: route_prefix.to_string(),
            remaining: times,
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// Discord's 500 body.
    pub fn server_error(method: &str, route_prefix: &str, times: usize) -> Fault {
        Fault::new(
            method,
            route_prefix,
            times,
            500,
            json!({"message": "500: Internal Server Error", "code": 0}),
        )
    }

    /// Discord's 429: `retry_after` seconds in the body and the header; its
    /// body has no `code` unless `with_code`.
    pub fn rate_limited(
        method: &str,
        route_prefix: &str,
        times: usize,
        retry_after: f64,
        with_code: bool,
    ) -> Fault {
        let mut body = json!({
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": false,
        });
        if with_code {
            body["code"] = json!(0);
        }
        Fault::new(method, route_prefix, times, 429, body)
            .header("retry-after", &retry_after.ceil().to_string())
            .header("x-ratelimit-scope", "user")
    }

    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn matches(&self, method: &str, route: &str) -> bool {
        self.remaining > 0
            && self.method.eq_ignore_ascii_case(method)
            && route.starts_with(&self.route_prefix)
    }
}

/// The faults waiting for requests, first added first used.
#[derive(Debug, Default)]
pub struct Faults(Mutex<Vec<Fault>>);

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Vec<Fault>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add(&self, fault: Fault) {
        self.lock().push(fault);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many requests the faults added so far have still to answer.
    pub fn pending(&self) -> usize {
        self.lock().iter().map(|f| f.remaining).sum()
    }

    /// The fault that answers this request, if any (spending one of its uses).
    /// `path` is the full request path (`/api/v10/...`).
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let route = path.strip_prefix("/api/v10").unwrap_or(path);
        let mut faults = self.lock();
        let fault = faults.iter_mut().find(|f| f.matches(method, route))?;
        fault.remaining -= 1;
        let taken = fault.clone();
        faults.retain(|f| f.remaining > 0);
        Some(taken)
    }
}
