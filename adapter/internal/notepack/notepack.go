// Package notepack encodes and decodes MessagePack the way notepack.io 3.x
// (the codec of @socket.io/redis-adapter and @socket.io/redis-emitter)
// does, so that what a Go node publishes is byte for byte what a Node node
// would publish for the same JavaScript value.
//
// Encoding follows notepack's rules: a number that is a whole, finite value
// takes the smallest integer type (positive fixint, uint8/16/32/64,
// negative fixint, int8/16/32/64), any other number float64 (never
// float32); strings fixstr/str8/16/32; []byte bin8/16/32; time.Time the
// timestamp extension (-1) at millisecond precision, as a JavaScript Date.
// Map is an ordered map (keys in the order given, as a JavaScript object's
// insertion order); a map[string]any is written with its keys sorted, as
// encoding/json does. Values of other types are encoded as their JSON
// (what notepack does for an object with toJSON).
//
// Decoding gives what notepack gives a JavaScript program, in Go types: nil,
// bool, float64 for every number, string, []byte for bin, []any,
// map[string]any, time.Time for a timestamp; ext type 0 (ArrayBuffer) is
// []byte, fixext1 type 0 (undefined) is nil and any other extension is
// []any{float64(type), []byte}. Malformed input (truncated, trailing bytes,
// unknown prefix, nesting deeper than MaxDepth, a length larger than the
// input) is an error, never a panic.
//
// Encode and Decode are pure functions, safe for concurrent use.
package notepack

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Field is one key and value of a Map.
type Field struct {
	Key   string
	Value any
}

// Map is a map whose keys are written in order.
type Map []Field

// Get returns the value of key in m.
func (m Map) Get(key string) (any, bool) {
	for _, f := range m {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes m as a JSON object with its keys in order.
func (m Map) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, f := range m {
		if i > 0 {
			buf = append(buf, ',')
		}
		kb, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		buf = append(append(append(buf, kb...), ':'), vb...)
	}
	return append(buf, '}'), nil
}

// MaxDepth bounds the nesting of arrays and maps, both ways.
const MaxDepth = 64

// ErrMalformed wraps every decoding error.
var ErrMalformed = errors.New("notepack: malformed input")

// Marshal encodes v.
func Marshal(v any) ([]byte, error) { return Append(nil, v) }

// Append appends the encoding of v to dst.
func Append(dst []byte, v any) ([]byte, error) { return appendValue(dst, v, 0) }

// AppendNested appends the encoding of v as a value nested depth levels
// deep in what the caller writes (MaxDepth counts from the top).
func AppendNested(dst []byte, v any, depth int) ([]byte, error) { return appendValue(dst, v, depth) }

// AppendString, AppendInt, AppendArrayHeader and AppendMapHeader write
// what Append writes for a string, an integer, and the start of an array
// or a map of n entries.
func AppendString(dst []byte, s string) []byte { return appendString(dst, s) }

// AppendInt: see AppendString.
func AppendInt(dst []byte, i int64) []byte { return appendInt(dst, i) }

// AppendArrayHeader: see AppendString.
func AppendArrayHeader(dst []byte, n int) []byte { return appendArrayHeader(dst, n) }

// AppendMapHeader: see AppendString.
func AppendMapHeader(dst []byte, n int) []byte { return appendMapHeader(dst, n) }

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return b, errors.New("notepack: value nested too deep")
	}
	switch v := v.(type) {
	case nil:
		return append(b, 0xc0), nil
	case bool:
		if v {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case string:
		return appendString(b, v), nil
	case float64:
		return appendNumber(b, v), nil
	case float32:
		return appendNumber(b, float64(v)), nil
	case int:
		return appendInt(b, int64(v)), nil
	case int8:
		return appendInt(b, int64(v)), nil
	case int16:
		return appendInt(b, int64(v)), nil
	case int32:
		return appendInt(b, int64(v)), nil
	case int64:
		return appendInt(b, v), nil
	case uint:
		return appendUint(b, uint64(v)), nil
	case uint8:
		return appendUint(b, uint64(v)), nil
	case uint16:
		return appendUint(b, uint64(v)), nil
	case uint32:
		return appendUint(b, uint64(v)), nil
	case uint64:
		return appendUint(b, v), nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return b, fmt.Errorf("notepack: %w", err)
		}
		return appendNumber(b, f), nil
	case []byte:
		return appendBin(b, v), nil
	case time.Time:
		return appendTime(b, v), nil
	case []any:
		b = appendArrayHeader(b, len(v))
		for _, e := range v {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case []string:
		b = appendArrayHeader(b, len(v))
		for _, e := range v {
			b = appendString(b, e)
		}
		return b, nil
	case Map:
		b = appendMapHeader(b, len(v))
		for _, f := range v {
			b = appendString(b, f.Key)
			var err error
			if b, err = appendValue(b, f.Value, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]any:
		// The keys of a small map are sorted on the stack.
		var small [16]string
		keys := small[:0]
		if len(v) > len(small) {
			keys = make([]string, 0, len(v))
		}
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = appendMapHeader(b, len(keys))
		for _, k := range keys {
			b = appendString(b, k)
			var err error
			if b, err = appendValue(b, v[k], depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return appendValue(b, m, depth)
	case json.RawMessage:
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return b, fmt.Errorf("notepack: %w", err)
		}
		return appendValue(b, x, depth)
	}
	// Anything else goes as its JSON, as notepack does with toJSON. A nil
	// pointer, slice or map is null.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		if rv.IsNil() {
			return append(b, 0xc0), nil
		}
	}
	js, err := json.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("notepack: %w", err)
	}
	var x any
	if err := json.Unmarshal(js, &x); err != nil {
		return b, fmt.Errorf("notepack: %w", err)
	}
	return appendValue(b, x, depth)
}

func appendString(b []byte, s string) []byte {
	n := len(s)
	if !utf8.ValidString(s) {
		// JavaScript strings cannot hold invalid UTF-8: as Node would
		// after reading such bytes, write U+FFFD for each bad byte.
		s = toValidUTF8(s)
		n = len(s)
	}
	switch {
	case n < 0x20:
		b = append(b, 0xa0|byte(n))
	case n < 0x100:
		b = append(b, 0xd9, byte(n))
	case n < 0x10000:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, s...)
}

func toValidUTF8(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, r) // invalid bytes decode as U+FFFD
	}
	return string(out)
}

// twoTo64 is 2^64 as a float64.
const twoTo64 = 18446744073709551616.0

// appendNumber writes a JavaScript number as notepack does.
func appendNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) {
		// JavaScript has one NaN; V8 writes it as the quiet NaN.
		return append(b, 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0)
	}
	if math.IsInf(f, 0) || math.Floor(f) != f {
		b = append(b, 0xcb)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	}
	if f >= 0 { // -0 too, as in JavaScript
		if f < 1<<63 {
			return appendUint(b, uint64(f))
		}
		// notepack writes the value modulo 2^64 into uint64.
		return appendRawUint64(b, 0xcf, uint64(math.Mod(f, twoTo64)))
	}
	if f >= -(1 << 63) {
		return appendInt(b, int64(f))
	}
	m := math.Mod(f, twoTo64) // in (-2^64, 0]
	if m < 0 {
		m += twoTo64
	}
	return appendRawUint64(b, 0xd3, uint64(m))
}

func appendRawUint64(b []byte, prefix byte, u uint64) []byte {
	b = append(b, prefix)
	return binary.BigEndian.AppendUint64(b, u)
}

func appendUint(b []byte, u uint64) []byte {
	switch {
	case u < 0x80:
		return append(b, byte(u))
	case u < 0x100:
		return append(b, 0xcc, byte(u))
	case u < 0x10000:
		return append(b, 0xcd, byte(u>>8), byte(u))
	case u < 0x100000000:
		b = append(b, 0xce)
		return binary.BigEndian.AppendUint32(b, uint32(u))
	}
	return appendRawUint64(b, 0xcf, u)
}

func appendInt(b []byte, i int64) []byte {
	switch {
	case i >= 0:
		return appendUint(b, uint64(i))
	case i >= -0x20:
		return append(b, byte(i))
	case i >= -0x80:
		return append(b, 0xd0, byte(i))
	case i >= -0x8000:
		return append(b, 0xd1, byte(i>>8), byte(i))
	case i >= -0x80000000:
		b = append(b, 0xd2)
		return binary.BigEndian.AppendUint32(b, uint32(i))
	}
	return appendRawUint64(b, 0xd3, uint64(i))
}

func appendBin(b []byte, p []byte) []byte {
	n := len(p)
	switch {
	case n < 0x100:
		b = append(b, 0xc4, byte(n))
	case n < 0x10000:
		b = append(b, 0xc5, byte(n>>8), byte(n))
	default:
		b = append(b, 0xc6)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, p...)
}

// appendTime writes a Date (millisecond precision) as notepack does.
func appendTime(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	s := ms / 1000
	if ms < 0 && ms%1000 != 0 {
		s-- // floor
	}
	ns := (ms - s*1000) * 1e6
	switch {
	case s >= 0 && s <= 0x3ffffffff && ns == 0 && s <= 0xffffffff:
		b = append(b, 0xd6, 0xff)
		return binary.BigEndian.AppendUint32(b, uint32(s))
	case s >= 0 && s <= 0x3ffffffff:
		b = append(b, 0xd7, 0xff)
		return binary.BigEndian.AppendUint64(b, uint64(ns)<<34|uint64(s))
	}
	b = append(b, 0xc7, 0x0c, 0xff)
	b = binary.BigEndian.AppendUint32(b, uint32(ns))
	return binary.BigEndian.AppendUint64(b, uint64(s))
}

func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 0x10:
		return append(b, 0x90|byte(n))
	case n < 0x10000:
		return append(b, 0xdc, byte(n>>8), byte(n))
	}
	b = append(b, 0xdd)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 0x10:
		return append(b, 0x80|byte(n))
	case n < 0x10000:
		return append(b, 0xde, byte(n>>8), byte(n))
	}
	b = append(b, 0xdf)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

// Unmarshal decodes one value that must fill b.
func Unmarshal(b []byte) (any, error) {
	d := decoder{b: b}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(b)-d.off)
	}
	return v, nil
}

type decoder struct {
	b   []byte
	off int
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrMalformed, what, d.off)
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.off {
		return nil, d.fail("truncated")
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

func (d *decoder) uint(n int) (uint64, error) {
	p, err := d.take(n)
	if err != nil {
		return 0, err
	}
	var u uint64
	for _, c := range p {
		u = u<<8 | uint64(c)
	}
	return u, nil
}

func (d *decoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.fail("nested too deep")
	}
	p, err := d.take(1)
	if err != nil {
		return nil, err
	}
	c := p[0]
	switch {
	case c < 0x80:
		return float64(c), nil
	case c < 0x90:
		return d.mapOf(int(c&0x0f), depth)
	case c < 0xa0:
		return d.array(int(c&0x0f), depth)
	case c < 0xc0:
		return d.str(int(c & 0x1f))
	case c > 0xdf:
		return float64(int8(c)), nil
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6:
		n, err := d.uint(1 << (c - 0xc4))
		if err != nil {
			return nil, err
		}
		return d.bin(n)
	case 0xc7, 0xc8, 0xc9:
		n, err := d.uint(1 << (c - 0xc7))
		if err != nil {
			return nil, err
		}
		return d.ext(n, c == 0xc7)
	case 0xca:
		u, err := d.uint(4)
		return float64(math.Float32frombits(uint32(u))), err
	case 0xcb:
		u, err := d.uint(8)
		return math.Float64frombits(u), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err := d.uint(1 << (c - 0xcc))
		return float64(u), err
	case 0xd0:
		u, err := d.uint(1)
		return float64(int8(u)), err
	case 0xd1:
		u, err := d.uint(2)
		return float64(int16(u)), err
	case 0xd2:
		u, err := d.uint(4)
		return float64(int32(u)), err
	case 0xd3:
		u, err := d.uint(8)
		return float64(int64(u)), err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return d.fixext(1 << (c - 0xd4))
	case 0xd9, 0xda, 0xdb:
		n, err := d.uint(1 << (c - 0xd9))
		if err != nil {
			return nil, err
		}
		return d.str(int(min(n, math.MaxInt32)))
	case 0xdc, 0xdd:
		n, err := d.uint(2 << (c - 0xdc))
		if err != nil {
			return nil, err
		}
		return d.array(int(min(n, math.MaxInt32)), depth)
	case 0xde, 0xdf:
		n, err := d.uint(2 << (c - 0xde))
		if err != nil {
			return nil, err
		}
		return d.mapOf(int(min(n, math.MaxInt32)), depth)
	}
	d.off--
	return nil, d.fail(fmt.Sprintf("unknown prefix 0x%02x", c))
}

func (d *decoder) str(n int) (any, error) {
	p, err := d.take(n)
	if err != nil {
		return nil, err
	}
	return string(p), nil
}

func (d *decoder) bin(n uint64) (any, error) {
	p, err := d.take(int(min(n, math.MaxInt32)))
	if err != nil {
		return nil, err
	}
	return append([]byte{}, p...), nil
}

func (d *decoder) array(n, depth int) (any, error) {
	if n > len(d.b)-d.off { // every element takes a byte at least
		return nil, d.fail("array longer than the input")
	}
	out := make([]any, n)
	for i := range out {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (d *decoder) mapOf(n, depth int) (any, error) {
	if n > (len(d.b)-d.off)/2 {
		return nil, d.fail("map longer than the input")
	}
	out := make(map[string]any, n)
	for range n {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		key, err := d.key(k)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// key turns a decoded map key into the property name JavaScript would use.
func (d *decoder) key(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case float64:
		return jsNumber(k), nil
	case bool:
		return strconv.FormatBool(k), nil
	case nil:
		return "null", nil
	}
	return "", d.fail("map key is not a string, number, boolean or null")
}

// jsNumber formats f as JavaScript's String(f) does for the usual cases.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func (d *decoder) ext(n uint64, short bool) (any, error) {
	tp, err := d.take(1)
	if err != nil {
		return nil, err
	}
	typ := int8(tp[0])
	if typ == -1 && short && n == 12 {
		ns, _ := d.uint(4)
		s, err := d.uint(8)
		if err != nil {
			return nil, err
		}
		return time.UnixMilli(int64(s)*1000 + int64(ns/1e6)).UTC(), nil
	}
	p, err := d.bin(n)
	if err != nil || typ == 0 {
		return p, err // type 0: an ArrayBuffer
	}
	return []any{float64(typ), p}, nil
}

func (d *decoder) fixext(n int) (any, error) {
	tp, err := d.take(1)
	if err != nil {
		return nil, err
	}
	typ := int8(tp[0])
	switch {
	case n == 1 && typ == 0:
		_, err := d.take(1)
		return nil, err // undefined
	case n == 4 && typ == -1:
		s, err := d.uint(4)
		return time.Unix(int64(s), 0).UTC(), err
	case n == 8 && typ == 0:
		u, err := d.uint(8) // notepack's old Date: int64 milliseconds
		return time.UnixMilli(int64(u)).UTC(), err
	case n == 8 && typ == -1:
		u, err := d.uint(8)
		return time.UnixMilli(int64(u&(1<<34-1))*1000 + int64(u>>34)/1e6).UTC(), err
	}
	p, err := d.bin(uint64(n))
	if err != nil {
		return nil, err
	}
	return []any{float64(typ), p}, nil
}
