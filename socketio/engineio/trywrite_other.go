//go:build !unix

package engineio

import "syscall"

// Elsewhere every WebSocket write goes through the flusher goroutine.
const tryWriteSupported = false

func tryWrite(syscall.RawConn, []byte) (int, error) { return 0, nil }
