// Package pprofserver serves net/http/pprof on a listener of its own, never
// on an application's port: cmd/rpsio (--pprof-addr) and the conformance
// binary (--pprof-addr) both use it. Bind it to a local address: profiles
// reveal a lot.
//
// Start may be called from any goroutine; the returned server is an
// ordinary *http.Server (Close and Shutdown are safe concurrently).
package pprofserver
