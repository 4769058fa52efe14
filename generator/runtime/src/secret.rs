//! Secret credentials whose `Debug` and `Display` never show the value.

use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(std::sync::Arc<str>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into().into())
            }

            /// Returns the secret value. Take care not to log it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// The value, shared (cloning it does not copy the secret).
            pub(crate) fn shared(&self) -> std::sync::Arc<str> {
                std::sync::Arc::clone(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name(value.into())
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name(value.into())
            }
        }
    };
}

secret_type! {
    /// An API key; exchanged for bearer tokens when the API describes a token exchange.
    ApiKey
}

secret_type! {
    /// A bearer token (JWT) sent in the `Authorization` header.
    BearerToken
}

/// Builds a header value marked sensitive (never shown by `Debug` of a header map).
pub(crate) fn sensitive_header(value: &str) -> Option<reqwest::header::HeaderValue> {
    let mut v = reqwest::header::HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts() {
        let k = ApiKey::new("s3cr3t");
        assert_eq!(format!("{k:?}"), "ApiKey(***)");
        assert_eq!(format!("{k}"), "ApiKey(***)");
        assert_eq!(k.expose_secret(), "s3cr3t");
        let t = BearerToken::from("tok");
        assert_eq!(format!("{t:?} {t}"), "BearerToken(***) BearerToken(***)");
    }
}
