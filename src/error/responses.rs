//! The error responses the handlers document, each set defined once for the OpenAPI
//! document: a handler lists its success responses and then one of these sets, e.g.
//! `responses((status = 200, ...), ClientOrData)`. Every variant's body is the `Error`
//! schema ([`super::ErrorEnvelope`]).

use super::ErrorEnvelope as Error;

/// One `IntoResponses` enum per set of statuses, every one answering `Error (JSON)`.
macro_rules! error_responses {
    ($($(#[$doc:meta])* $set:ident { $($status:literal $variant:ident),+ $(,)? })+) => {$(
        $(#[$doc])*
        #[allow(dead_code)] // Described, never built: `AppError` renders the errors.
        #[derive(utoipa::IntoResponses)]
        pub enum $set {
            $(
                #[doc = concat!("HTTP ", stringify!($status), ".")]
                #[response(status = $status, description = "Error (JSON)")]
                $variant(Error),
            )+
        }
    )+};
}

error_responses! {
    /// A bad parameter.
    BadRequest { 400 BadRequest }
    /// An unknown resource.
    NotFound { 404 NotFound }
    /// Reads the data: internal error or database unavailable.
    DataErrors { 500 Internal, 503 Unavailable }
    /// An unknown resource, or the data's errors.
    NotFoundOrData { 404 NotFound, 500 Internal, 503 Unavailable }
    /// A bad parameter, or the data's errors.
    BadRequestOrData { 400 BadRequest, 500 Internal, 503 Unavailable }
    /// A bad parameter, an unknown area or indicator, or the data's errors.
    LookupErrors { 400 BadRequest, 404 NotFound, 500 Internal, 503 Unavailable }
    /// A bad parameter, values that cannot be classified as asked (422), or the data's errors.
    ClassifyErrors { 400 BadRequest, 422 Unprocessable, 500 Internal, 503 Unavailable }
    /// Every error of a tile or a feature: bad parameter, unknown, cannot classify, data.
    FeatureErrors { 400 BadRequest, 404 NotFound, 422 Unprocessable, 500 Internal, 503 Unavailable }
    /// Unauthorised or not enabled.
    MetricsErrors { 401 Unauthorized, 404 NotFound }
}
