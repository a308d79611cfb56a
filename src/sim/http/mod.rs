//! What the simulator does over HTTP the same way for every endpoint, apart from the
//! resources: Atlas's error shape (`error`), writing answers with `pretty` and `envelope`
//! (`render`), reading an API request (`request`), pages and their links (`paging`), and
//! the middleware layers, Digest authentication (`authenticate`), fault injection (`inject`)
//! and the simulated clock's `Date` on every answer (`date`). `routes.rs` puts the layers in
//! order in front of the handlers.

pub(crate) mod authenticate;
pub mod date;
pub(crate) mod error;
pub(crate) mod inject;
pub(crate) mod paging;
pub mod render;
pub(crate) mod request;
