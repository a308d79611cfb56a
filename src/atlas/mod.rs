//! The wire: the Atlas Admin API client, its types and its errors. Knows nothing of screens.

mod client;
mod download;
mod http;
mod http_log;
mod lenient;
pub use download::{DownloadBody, OpenError, check_download_url};
mod error;
mod server_clock;
mod status;
mod transport;
mod types;
mod written;

pub use client::{
    AtlasClient, ClientOptions, Created, Downloaded, MAX_ITEMS_PER_PAGE, SnapshotFilter, check_base_url, read_created,
    restore_jobs_url,
};
pub use error::{AtlasError, BadBodyKind, StatusError, TransportKind, address_in};
pub use http_log::HTTP_TARGET;
pub use server_clock::{ServerClock, describe_skew, parse_http_date};
pub use types::{
    ApiErrorBody, BsonTimestamp, Checkpoint, CheckpointPart, Cluster, ClusterRole, Delivery, DeliveryStatus, FileHash,
    JobStatus, Link, Page, Project, ProjectClusters, RestorableTimeRange, RestoreJob, Snapshot, SnapshotPart,
    hoist_page_urls, pick_cluster,
};
