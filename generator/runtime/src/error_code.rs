//! Documented error codes: one table per service, referenced by each operation's metadata.

/// One documented error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCodeInfo {
    /// The number.
    pub code: i64,
    /// The documented name, e.g. `"OrderNotFound"`.
    pub name: &'static str,
    /// What it means.
    pub description: &'static str,
}

/// The error codes one service documents, sorted by code.
#[derive(Debug)]
pub struct ErrorCodeTable {
    /// The service (tag) documenting them.
    pub service: &'static str,
    /// The codes, in ascending order.
    pub codes: &'static [ErrorCodeInfo],
}

impl ErrorCodeTable {
    /// The documented code with this number.
    pub fn lookup(&self, code: i64) -> Option<&'static ErrorCodeInfo> {
        let codes = self.codes;
        codes.binary_search_by_key(&code, |c| c.code).ok().map(|i| &codes[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TABLE: ErrorCodeTable = ErrorCodeTable {
        service: "svc",
        codes: &[
            ErrorCodeInfo { code: 3, name: "A", description: "a" },
            ErrorCodeInfo { code: 20, name: "B", description: "b" },
        ],
    };

    #[test]
    fn looks_up_codes() {
        assert_eq!(TABLE.lookup(20).map(|c| c.name), Some("B"));
        assert_eq!(TABLE.lookup(3).map(|c| c.name), Some("A"));
        assert!(TABLE.lookup(4).is_none());
    }
}
