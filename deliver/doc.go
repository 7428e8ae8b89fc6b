// Package deliver sends a finished run's outputs where people will read them: by e-mail
// with the workbook and the document attached, to a 企业微信 or 钉钉 group robot with the
// headline figures and warning counts, and as a copy into a shared folder.
//
// Each channel is tried up to the configured number of attempts with exponential backoff
// (2 s, 8 s, 32 s …), because mail relays and robots on government networks fail
// transiently far more often than permanently; one channel failing never stops the others,
// and every channel's outcome comes back as a Result for the run history.
//
// The secrets (the SMTP login, the robot's URL with its key, the 钉钉 signing secret) are
// read from environment variables once, in New, and never leave the package: every error
// string is scrubbed of them before it is logged or put in a Result, and Results name a
// channel's target only by what is safe to show.
//
// deliver imports only config; it knows nothing of figures or workbooks: the caller
// composes the Message.
package deliver
