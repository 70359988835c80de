package redis

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/rpsio/rpsio/adapter/internal/notepack"
	"github.com/rpsio/rpsio/socketio"
)

// errMalformed is wrapped by every error about a message from Redis.
var errMalformed = errors.New("redis adapter: malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

const uidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// uid2 is an id of n characters of the URL-safe base64 alphabet, as the
// uid2 package gives Node's adapter (its uid and request ids).
func uid2(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = uidAlphabet[b[i]&63]
	}
	return string(b)
}

// hexID is 8 random bytes in hex, the ids of the sharded adapter.
func hexID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// bytesOf views a go-redis payload as bytes without a copy; the decoders
// copy what they keep.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// decodeMessage decodes a request, response or sharded message: JSON when
// it starts with '{', else MessagePack, as Node sniffs it.
func decodeMessage(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, malformed("empty")
	}
	var v any
	if b[0] == '{' {
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, malformed("JSON: %v", err)
		}
	} else {
		var err error
		if v, err = notepack.Unmarshal(b); err != nil {
			return nil, fmt.Errorf("%w: %w", errMalformed, err)
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, malformed("not an object")
	}
	return m, nil
}

// getString returns m[k] if it is a string.
func getString(m map[string]any, k string) (string, bool) {
	s, ok := m[k].(string)
	return s, ok
}

// getInt returns m[k] if it is a whole number.
func getInt(m map[string]any, k string) (int, bool) {
	f, ok := m[k].(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// roomList reads a list of rooms: strings, or numbers as JavaScript
// prints them (Node allows numeric room names). nil or missing is empty.
func roomList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, malformed("rooms: not an array")
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case float64:
			out = append(out, jsNumber(e))
		default:
			return nil, malformed("rooms: %T in the list", e)
		}
	}
	return out, nil
}

func jsNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// wireOptions reads {rooms, except, flags} into BroadcastOptions.
func wireOptions(v any) (socketio.BroadcastOptions, error) {
	var o socketio.BroadcastOptions
	m, ok := v.(map[string]any)
	if !ok {
		return o, malformed("opts: not an object")
	}
	var err error
	if o.Rooms, err = roomList(m["rooms"]); err != nil {
		return o, err
	}
	if o.Except, err = roomList(m["except"]); err != nil {
		return o, err
	}
	if f, ok := m["flags"].(map[string]any); ok {
		o.Flags.Volatile, _ = f["volatile"].(bool)
		if ms, ok := f["timeout"].(float64); ok && ms > 0 && ms < math.MaxInt32 {
			o.Flags.Timeout = time.Duration(ms) * time.Millisecond
		}
	}
	return o, nil
}

// unique returns s without repeats, in order (Node keeps rooms in a Set).
func unique(s []string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// flagsMap is the BroadcastOperator flags object of Node.
func flagsMap(f socketio.BroadcastFlags, withTimeout bool) notepack.Map {
	m := notepack.Map{}
	if f.Volatile {
		m = append(m, notepack.Field{Key: "volatile", Value: true})
	}
	if withTimeout && f.Timeout > 0 {
		m = append(m, notepack.Field{Key: "timeout", Value: f.Timeout.Milliseconds()})
	}
	return m
}

// jsonOpts is {rooms, except} of the JSON requests.
type jsonOpts struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
}

func toJSONOpts(o socketio.BroadcastOptions) jsonOpts {
	return jsonOpts{Rooms: unique(o.Rooms), Except: unique(o.Except)}
}

// toJS converts a decoded value to what the Go side sees of it: a Date
// becomes its ISO string, as JSON.stringify gives it to a client.
func toJS(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UTC().Format("2006-01-02T15:04:05.000Z")
	case []any:
		for i, e := range v {
			v[i] = toJS(e)
		}
	case map[string]any:
		for k, e := range v {
			v[k] = toJS(e)
		}
	}
	return v
}

// jsonValue converts a Go value for a JSON message as Node would write
// it: a []byte becomes a Buffer's toJSON, {"type":"Buffer","data":[...]}.
func jsonValue(v any) any {
	switch v := v.(type) {
	case []byte:
		data := make([]int, len(v))
		for i, b := range v {
			data[i] = int(b)
		}
		return map[string]any{"type": "Buffer", "data": data}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = jsonValue(e)
		}
		return out
	}
	return v
}

// hasBinary reports whether v holds a []byte.
func hasBinary(v any) bool {
	switch v := v.(type) {
	case []byte:
		return true
	case []any:
		return slices.ContainsFunc(v, hasBinary)
	case map[string]any:
		for _, e := range v {
			if hasBinary(e) {
				return true
			}
		}
	}
	return false
}

// jsDate is JavaScript's Date.prototype.toString in UTC, what Node's
// handshake.time holds.
func jsDate(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("Mon Jan 02 2006 15:04:05 GMT+0000 (Coordinated Universal Time)")
}

// wireSocket is a fetchSockets entry as Node writes it.
type wireSocket struct {
	ID        string        `json:"id"`
	Handshake wireHandshake `json:"handshake"`
	Rooms     []string      `json:"rooms"`
	Data      any           `json:"data"`
}

type wireHandshake struct {
	Headers map[string]any `json:"headers"`
	Time    string         `json:"time"`
	Address string         `json:"address"`
	XDomain bool           `json:"xdomain"`
	Secure  bool           `json:"secure"`
	Issued  int64          `json:"issued"`
	URL     string         `json:"url"`
	Query   map[string]any `json:"query"`
	Auth    map[string]any `json:"auth"`
}

// socketToWire converts a local socket's description to Node's shape:
// header names in lower case with one value as a string, query values as
// strings (an array when repeated), time as a Date string.
func socketToWire(s socketio.SocketInfo) wireSocket {
	h := s.Handshake
	headers := map[string]any{}
	for k, vs := range h.Headers {
		k = strings.ToLower(k)
		switch {
		case len(vs) == 1:
			headers[k] = vs[0]
		case k == "set-cookie":
			headers[k] = vs
		case len(vs) > 1:
			headers[k] = strings.Join(vs, ", ")
		}
	}
	query := map[string]any{}
	for k, vs := range h.Query {
		if len(vs) == 1 {
			query[k] = vs[0]
		} else if len(vs) > 1 {
			query[k] = vs
		}
	}
	auth := h.Auth
	if auth == nil {
		auth = map[string]any{}
	}
	_, xdomain := h.Headers["Origin"]
	var data any = map[string]any{}
	if s.Data != nil {
		data = jsonValue(s.Data)
	}
	rooms := s.Rooms
	if rooms == nil {
		rooms = []string{}
	}
	return wireSocket{
		ID: s.ID,
		Handshake: wireHandshake{
			Headers: headers, Time: jsDate(h.Time), Address: h.Address, XDomain: xdomain,
			Secure: h.Secure, Issued: h.Time, URL: h.URL, Query: query, Auth: jsonValue(auth).(map[string]any),
		},
		Rooms: rooms,
		Data:  data,
	}
}

// socketFromWire reads a fetchSockets entry from any node.
func socketFromWire(v any, nsp string) (socketio.SocketInfo, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return socketio.SocketInfo{}, malformed("socket: not an object")
	}
	id, ok := getString(m, "id")
	if !ok {
		return socketio.SocketInfo{}, malformed("socket: no id")
	}
	rooms, err := roomList(m["rooms"])
	if err != nil {
		return socketio.SocketInfo{}, err
	}
	info := socketio.SocketInfo{ID: id, Namespace: nsp, Rooms: rooms}
	if d, ok := toJS(m["data"]).(map[string]any); ok {
		info.Data = d
	}
	if h, ok := m["handshake"].(map[string]any); ok {
		info.Handshake = handshakeFromWire(h)
	}
	return info, nil
}

func handshakeFromWire(h map[string]any) socketio.HandshakeInfo {
	var out socketio.HandshakeInfo
	out.Address, _ = getString(h, "address")
	out.URL, _ = getString(h, "url")
	out.Secure, _ = h["secure"].(bool)
	if issued, ok := h["issued"].(float64); ok {
		out.Time = int64(issued)
	} else if s, ok := getString(h, "time"); ok {
		if t, err := time.Parse("Mon Jan 02 2006 15:04:05 GMT-0700", strings.SplitN(s, " (", 2)[0]); err == nil {
			out.Time = t.UnixMilli()
		}
	}
	out.Auth, _ = toJS(h["auth"]).(map[string]any)
	if out.Auth == nil {
		out.Auth = map[string]any{}
	}
	out.Query = stringLists(h["query"], false)
	out.Headers = stringLists(h["headers"], true)
	return out
}

// stringLists reads {name: "v"} or {name: ["v", ...]} into a map of lists.
func stringLists(v any, canonical bool) map[string][]string {
	out := map[string][]string{}
	m, _ := v.(map[string]any)
	for k, e := range m {
		if canonical {
			k = http.CanonicalHeaderKey(k)
		}
		switch e := e.(type) {
		case string:
			out[k] = []string{e}
		case float64:
			out[k] = []string{jsNumber(e)}
		case []any:
			for _, x := range e {
				if s, ok := x.(string); ok {
					out[k] = append(out[k], s)
				}
			}
		}
	}
	return out
}
