package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// healthcheck implements `rpsio healthcheck [URL]`: exit 0 if URL answers
// 200 within 3 s, 1 otherwise. The image is distroless (no shell, no curl),
// so container healthchecks run the binary itself. The default URL is
// /readyz on the port of RPSIO_ADDR (default :3000) on the loopback.
func healthcheck(args []string, getenv func(string) string) int {
	url := ""
	switch len(args) {
	case 0:
		addr := getenv("RPSIO_ADDR")
		if addr == "" {
			addr = ":3000"
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rpsio healthcheck: RPSIO_ADDR:", err)
			return 1
		}
		url = "http://127.0.0.1:" + port + "/readyz"
	case 1:
		url = args[0]
	default:
		fmt.Fprintln(os.Stderr, "usage: rpsio healthcheck [URL]")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rpsio healthcheck:", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rpsio healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "rpsio healthcheck:", url, resp.Status)
		return 1
	}
	return 0
}
