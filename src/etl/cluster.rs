//! A cluster as the loader carries it, in its own file because the reader (`sources`), the
//! matcher (`cluster_match`) and the writer (`postgis`) all need it, and the reader also
//! calls the matcher: kept in either of those two, it would make them use each other.

/// A cluster ready to insert (from the cluster list or polygon attributes).
#[derive(Debug)]
pub struct Cluster {
    /// Key or official code.
    pub code: String,
    /// English name.
    pub name_en: String,
    /// Welsh name, if published.
    pub name_cy: Option<String>,
    /// Health board, when the input says; otherwise the majority of its LSOAs'.
    pub hb_code: Option<String>,
}
