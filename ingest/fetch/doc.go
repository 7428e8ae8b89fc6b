// Package fetch pulls export files from HTTP(S) sources into a local archive, so that the
// loader only ever reads files on disk and every figure can be traced to the exact bytes a
// unit's server sent.
//
// A download is streamed to a temporary file while it is hashed, then kept as
// <ArchiveDir>/<sha256>/<file name>; the name is the one the server gave (Content-Disposition,
// else the URL's last path segment) because the loader reads the export's date and format
// from it. Per-source state — ETag, Last-Modified and the last good download — lives in
// <ArchiveDir>/state/<source>.json and is replaced atomically only after a good download, so
// a failed run never loses what the previous one fetched, and an unchanged export is not
// downloaded twice.
//
// Failures are classified the rclone way: errors wrapping ErrRetryable (5xx, 429, timeouts,
// connection errors, truncated bodies) are retried here with bounded backoff and may succeed
// on a later run; anything else (4xx, oversized bodies, missing secrets, bad config) will
// not fix itself. One source's failure is its own Result: the caller fetches the others.
//
// Secrets come from environment variables named by the config; they are never logged or put
// in errors. Archived exports hold citizens' personal data, so the archive is created
// readable by its owner only.
//
// fetch must not import the store, DuckDB or any other minqing package: ingest wires it in.
package fetch
