package notepack

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Validate checks that b is one value Unmarshal would decode, without
// building it: the same input is accepted and rejected (truncation,
// trailing bytes, unknown prefixes, nesting deeper than MaxDepth, map keys
// that are not a string, number, boolean or null). It allocates nothing on
// success.
func Validate(b []byte) error {
	d := decoder{b: b}
	if err := d.skip(0); err != nil {
		return err
	}
	if d.off != len(b) {
		return d.fail("trailing bytes")
	}
	return nil
}

// skip passes over one value as value(depth) would decode it.
func (d *decoder) skip(depth int) error {
	if depth > MaxDepth {
		return d.fail("nested too deep")
	}
	p, err := d.take(1)
	if err != nil {
		return err
	}
	c := p[0]
	switch {
	case c < 0x80, c > 0xdf:
		return nil
	case c < 0x90:
		return d.skipMap(int(c&0x0f), depth)
	case c < 0xa0:
		return d.skipArray(int(c&0x0f), depth)
	case c < 0xc0:
		_, err := d.take(int(c & 0x1f))
		return err
	}
	switch c {
	case 0xc0, 0xc2, 0xc3:
		return nil
	case 0xc4, 0xc5, 0xc6:
		n, err := d.uint(1 << (c - 0xc4))
		if err != nil {
			return err
		}
		_, err = d.take(int(min(n, math.MaxInt32)))
		return err
	case 0xc7, 0xc8, 0xc9:
		n, err := d.uint(1 << (c - 0xc7))
		if err != nil {
			return err
		}
		if _, err := d.take(1); err != nil { // the type
			return err
		}
		_, err = d.take(int(min(n, math.MaxInt32)))
		return err
	case 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3:
		_, err := d.take(scalarSize(c))
		return err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		_, err := d.take(1 + 1<<(c-0xd4))
		return err
	case 0xd9, 0xda, 0xdb:
		n, err := d.uint(1 << (c - 0xd9))
		if err != nil {
			return err
		}
		_, err = d.take(int(min(n, math.MaxInt32)))
		return err
	case 0xdc, 0xdd:
		n, err := d.uint(2 << (c - 0xdc))
		if err != nil {
			return err
		}
		return d.skipArray(int(min(n, math.MaxInt32)), depth)
	case 0xde, 0xdf:
		n, err := d.uint(2 << (c - 0xde))
		if err != nil {
			return err
		}
		return d.skipMap(int(min(n, math.MaxInt32)), depth)
	}
	d.off--
	return d.fail("unknown prefix")
}

// scalarSize is the size after the prefix of a float or integer.
func scalarSize(c byte) int {
	switch c {
	case 0xca:
		return 4
	case 0xcb:
		return 8
	case 0xcc, 0xcd, 0xce, 0xcf:
		return 1 << (c - 0xcc)
	}
	return 1 << (c - 0xd0) // 0xd0..0xd3
}

func (d *decoder) skipArray(n, depth int) error {
	if n > len(d.b)-d.off {
		return d.fail("array longer than the input")
	}
	for range n {
		if err := d.skip(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) skipMap(n, depth int) error {
	if n > (len(d.b)-d.off)/2 {
		return d.fail("map longer than the input")
	}
	for range n {
		if err := d.skipKey(depth + 1); err != nil {
			return err
		}
		if err := d.skip(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// skipKey passes over a map key, which must decode to what key accepts:
// a string, a number, a boolean or null (nil, or undefined).
func (d *decoder) skipKey(depth int) error {
	if depth > MaxDepth {
		return d.fail("nested too deep")
	}
	if d.off >= len(d.b) {
		return d.fail("truncated")
	}
	c := d.b[d.off]
	switch {
	case c < 0x80, c > 0xdf, c >= 0xa0 && c < 0xc0, c == 0xc0, c == 0xc2, c == 0xc3,
		c >= 0xca && c <= 0xd3, c >= 0xd9 && c <= 0xdb:
		return d.skip(depth)
	case c == 0xd4: // fixext 1: only undefined (type 0) is null
		if d.off+1 < len(d.b) && d.b[d.off+1] == 0 {
			return d.skip(depth)
		}
		if err := d.skip(depth); err != nil {
			return err
		}
	case c >= 0x80 && c < 0xa0, c == 0xdc, c == 0xdd, c == 0xde, c == 0xdf, c == 0xc4, c == 0xc5, c == 0xc6,
		c == 0xc7, c == 0xc8, c == 0xc9, c >= 0xd5 && c <= 0xd8:
		// Containers, bins, exts and dates are decoded (and may be
		// malformed themselves) before the key is refused.
		if err := d.skip(depth); err != nil {
			return err
		}
	default:
		return d.skip(depth) // an unknown prefix: its error
	}
	return d.fail("map key is not a string, number, boolean or null")
}

// Reader reads the values of a buffer one at a time without building Go
// values: the adapter uses it to pick the parts of a message it needs.
// Use it on input that Validate accepted; on other input its methods
// return errors (never panic) but do not check everything Unmarshal does.
type Reader struct{ d decoder }

// NewReader reads b from its start.
func NewReader(b []byte) *Reader { return &Reader{d: decoder{b: b}} }

// NewReaderAt reads b from off (an Offset of another Reader on b).
func NewReaderAt(b []byte, off int) *Reader { return &Reader{d: decoder{b: b, off: off}} }

// Bytes is the input.
func (r *Reader) Bytes() []byte { return r.d.b }

// Offset is where the next value starts.
func (r *Reader) Offset() int { return r.d.off }

// Kind is what Unmarshal makes of a value, as far as the adapter asks.
type Kind uint8

// Kinds of values.
const (
	KindInvalid Kind = iota // truncated, or an unknown prefix
	KindNil                 // nil, or undefined
	KindBool
	KindNumber
	KindString
	KindBinary // bin, or ext type 0 (an ArrayBuffer)
	KindArray
	KindMap
	KindDate // the timestamp extension (-1), or notepack's old Date
	KindExt  // another extension: [type, data]
)

// Kind tells what the next value is, without reading it.
func (r *Reader) Kind() Kind {
	b, off := r.d.b, r.d.off
	c := r.peek()
	switch {
	case c == 0xc1:
		return KindInvalid
	case isNumber(c):
		return KindNumber
	case c < 0x90 || c == 0xde || c == 0xdf:
		return KindMap
	case c < 0xa0 || c == 0xdc || c == 0xdd:
		return KindArray
	case c < 0xc0 || (c >= 0xd9 && c <= 0xdb):
		return KindString
	case c == 0xc0:
		return KindNil
	case c == 0xc2 || c == 0xc3:
		return KindBool
	case c >= 0xc4 && c <= 0xc6:
		return KindBinary
	case c >= 0xc7 && c <= 0xc9:
		size := 1 << (c - 0xc7)
		if off+1+size >= len(b) {
			return KindInvalid
		}
		var n uint64
		for _, x := range b[off+1 : off+1+size] {
			n = n<<8 | uint64(x)
		}
		switch typ := int8(b[off+1+size]); {
		case typ == -1 && c == 0xc7 && n == 12:
			return KindDate
		case typ == 0:
			return KindBinary
		}
		return KindExt
	case c >= 0xd4 && c <= 0xd8:
		if off+1 >= len(b) {
			return KindInvalid
		}
		n, typ := 1<<(c-0xd4), int8(b[off+1])
		switch {
		case n == 1 && typ == 0:
			return KindNil
		case (n == 4 && typ == -1) || (n == 8 && (typ == 0 || typ == -1)):
			return KindDate
		}
		return KindExt
	}
	return KindInvalid
}

// peek is the prefix of the next value, or 0xc1 (never used) at the end.
func (r *Reader) peek() byte {
	if r.d.off >= len(r.d.b) {
		return 0xc1
	}
	return r.d.b[r.d.off]
}

// ArrayLen reads an array header; ok false (nothing read) if the next
// value is not an array.
func (r *Reader) ArrayLen() (n int, ok bool) {
	c := r.peek()
	switch {
	case c >= 0x90 && c < 0xa0:
		r.d.off++
		return int(c & 0x0f), true
	case c == 0xdc || c == 0xdd:
		save := r.d.off
		r.d.off++
		u, err := r.d.uint(2 << (c - 0xdc))
		if err != nil {
			r.d.off = save
			return 0, false
		}
		return int(min(u, math.MaxInt32)), true
	}
	return 0, false
}

// MapLen reads a map header; ok false (nothing read) if the next value is
// not a map.
func (r *Reader) MapLen() (n int, ok bool) {
	c := r.peek()
	switch {
	case c >= 0x80 && c < 0x90:
		r.d.off++
		return int(c & 0x0f), true
	case c == 0xde || c == 0xdf:
		save := r.d.off
		r.d.off++
		u, err := r.d.uint(2 << (c - 0xde))
		if err != nil {
			r.d.off = save
			return 0, false
		}
		return int(min(u, math.MaxInt32)), true
	}
	return 0, false
}

// Str reads a string as the bytes of the input (valid until the input
// changes); ok false (nothing read) if the next value is not a string.
func (r *Reader) Str() (s []byte, ok bool) {
	c := r.peek()
	var n uint64
	save := r.d.off
	switch {
	case c >= 0xa0 && c < 0xc0:
		r.d.off++
		n = uint64(c & 0x1f)
	case c >= 0xd9 && c <= 0xdb:
		r.d.off++
		var err error
		if n, err = r.d.uint(1 << (c - 0xd9)); err != nil {
			r.d.off = save
			return nil, false
		}
	default:
		return nil, false
	}
	p, err := r.d.take(int(min(n, math.MaxInt32)))
	if err != nil {
		r.d.off = save
		return nil, false
	}
	return p, true
}

// IsNil tells whether the next value decodes to nil (nil or undefined),
// and reads it if so.
func (r *Reader) IsNil() bool {
	switch r.peek() {
	case 0xc0:
		r.d.off++
		return true
	case 0xd4:
		if r.d.off+2 < len(r.d.b) && r.d.b[r.d.off+1] == 0 {
			r.d.off += 3
			return true
		}
	}
	return false
}

// Bool reads a boolean; ok false (nothing read) if the next value is not
// one.
func (r *Reader) Bool() (v, ok bool) {
	switch r.peek() {
	case 0xc2:
		r.d.off++
		return false, true
	case 0xc3:
		r.d.off++
		return true, true
	}
	return false, false
}

// Number reads a number (any integer or float type) as the float64
// JavaScript would see; ok false (nothing read) if the next value is not
// one.
func (r *Reader) Number() (f float64, ok bool) {
	c := r.peek()
	if !isNumber(c) {
		return 0, false
	}
	save := r.d.off
	f, err := r.d.number()
	if err != nil {
		r.d.off = save
		return 0, false
	}
	return f, true
}

// number reads a value that isNumber, as value does, without boxing it.
func (d *decoder) number() (float64, error) {
	p, err := d.take(1)
	if err != nil {
		return 0, err
	}
	c := p[0]
	switch {
	case c < 0x80:
		return float64(c), nil
	case c > 0xdf:
		return float64(int8(c)), nil
	}
	switch c {
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
	}
	d.off--
	return 0, d.fail("not a number")
}

func isNumber(c byte) bool {
	return c < 0x80 || c > 0xdf || (c >= 0xca && c <= 0xd3)
}

// Skip passes over the next value, as Unmarshal would decode it at depth
// (0 for a value at the top).
func (r *Reader) Skip(depth int) error { return r.d.skip(depth) }

// Value decodes the next value as Unmarshal does, at depth.
func (r *Reader) Value(depth int) (any, error) { return r.d.value(depth) }

// Key reads a map key: a string's bytes (str true), or for another key
// nothing but its place (the key is passed over).
func (r *Reader) Key() (s []byte, str bool, err error) {
	if s, ok := r.Str(); ok {
		return s, true, nil
	}
	return nil, false, r.d.skipKey(MaxDepth)
}

// ErrNotPlain: AppendJSON met something it does not write itself (a map
// key that is not a string, a key twice in one map, a number JSON cannot
// hold); the caller decodes the value with Unmarshal instead.
var ErrNotPlain = errors.New("notepack: value needs the generic decoder")

// AppendJSON writes the next value as the JSON that encoding/json writes
// for what Unmarshal decodes from it, after the adapter's conversions for
// the Socket.IO parser: a Date becomes its ISO string (as JSON.stringify
// writes it), and every binary value (bin, ext type 0, the data of other
// extensions) is appended to atts and written as the parser's placeholder
// {"_placeholder":true,"num":N}, N its index in atts. Maps keep their
// keys' order (Unmarshal's maps have none; encoding/json sorts them, as
// the order is not part of what a client may rely on). The binaries are
// copies.
//
// The value must have passed Validate. With ErrNotPlain (see there), the
// caller falls back to Unmarshal; dst and atts are then to be discarded.
func (r *Reader) AppendJSON(dst []byte, atts [][]byte) ([]byte, [][]byte, error) {
	d := &r.d
	p, err := d.take(1)
	if err != nil {
		return dst, atts, err
	}
	c := p[0]
	switch {
	case c < 0x80:
		return strconv.AppendUint(dst, uint64(c), 10), atts, nil
	case c > 0xdf:
		return strconv.AppendInt(dst, int64(int8(c)), 10), atts, nil
	case c < 0x90:
		return r.objectJSON(dst, atts, int(c&0x0f))
	case c < 0xa0:
		return r.arrayJSON(dst, atts, int(c&0x0f))
	case c < 0xc0:
		s, err := d.take(int(c & 0x1f))
		if err != nil {
			return dst, atts, err
		}
		return AppendJSONString(dst, s), atts, nil
	}
	switch c {
	case 0xc0:
		return append(dst, "null"...), atts, nil
	case 0xc2:
		return append(dst, "false"...), atts, nil
	case 0xc3:
		return append(dst, "true"...), atts, nil
	case 0xc4, 0xc5, 0xc6:
		n, err := d.uint(1 << (c - 0xc4))
		if err != nil {
			return dst, atts, err
		}
		return r.binJSON(dst, atts, n)
	case 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3:
		d.off--
		f, err := d.number()
		if err != nil {
			return dst, atts, err
		}
		return appendJSONNumber(dst, f, atts)
	case 0xd9, 0xda, 0xdb:
		n, err := d.uint(1 << (c - 0xd9))
		if err != nil {
			return dst, atts, err
		}
		s, err := d.take(int(min(n, math.MaxInt32)))
		if err != nil {
			return dst, atts, err
		}
		return AppendJSONString(dst, s), atts, nil
	case 0xdc, 0xdd:
		n, err := d.uint(2 << (c - 0xdc))
		if err != nil {
			return dst, atts, err
		}
		return r.arrayJSON(dst, atts, int(min(n, math.MaxInt32)))
	case 0xde, 0xdf:
		n, err := d.uint(2 << (c - 0xde))
		if err != nil {
			return dst, atts, err
		}
		return r.objectJSON(dst, atts, int(min(n, math.MaxInt32)))
	}
	// Extensions (0xc7-0xc9, 0xd4-0xd8): decoded as Unmarshal does, then
	// written as the adapter converts them.
	d.off--
	v, err := d.value(MaxDepth)
	if err != nil {
		return dst, atts, err
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), atts, nil
	case time.Time:
		return AppendJSONString(dst, v.UTC().AppendFormat(nil, ISODate)), atts, nil
	case []byte:
		atts = append(atts, v)
		return appendPlaceholder(dst, len(atts)-1), atts, nil
	case []any: // [type, data]
		dst = strconv.AppendInt(append(dst, '['), int64(v[0].(float64)), 10)
		atts = append(atts, v[1].([]byte))
		return append(appendPlaceholder(append(dst, ','), len(atts)-1), ']'), atts, nil
	}
	return dst, atts, ErrNotPlain
}

// ISODate is the layout of a Date's JSON (Date.prototype.toISOString) in
// UTC, what a Date argument becomes for a client.
const ISODate = "2006-01-02T15:04:05.000Z"

func appendPlaceholder(dst []byte, n int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	return append(strconv.AppendInt(dst, int64(n), 10), '}')
}

func (r *Reader) binJSON(dst []byte, atts [][]byte, n uint64) ([]byte, [][]byte, error) {
	p, err := r.d.take(int(min(n, math.MaxInt32)))
	if err != nil {
		return dst, atts, err
	}
	atts = append(atts, append([]byte{}, p...)) // a copy, as Unmarshal's
	return appendPlaceholder(dst, len(atts)-1), atts, nil
}

func (r *Reader) arrayJSON(dst []byte, atts [][]byte, n int) ([]byte, [][]byte, error) {
	if n > len(r.d.b)-r.d.off {
		return dst, atts, r.d.fail("array longer than the input")
	}
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, atts, err = r.AppendJSON(dst, atts); err != nil {
			return dst, atts, err
		}
	}
	return append(dst, ']'), atts, nil
}

// smallMap is the most keys of a map checked for repeats without a Go
// map.
const smallMap = 16

func (r *Reader) objectJSON(dst []byte, atts [][]byte, n int) ([]byte, [][]byte, error) {
	if n > (len(r.d.b)-r.d.off)/2 {
		return dst, atts, r.d.fail("map longer than the input")
	}
	var small [smallMap][]byte
	var seen map[string]struct{}
	if n > smallMap {
		seen = make(map[string]struct{}, n)
	}
	dst = append(dst, '{')
	for i := range n {
		k, ok := r.Str()
		if !ok {
			return dst, atts, ErrNotPlain // a number, boolean or null key: JavaScript's name for it
		}
		// Unmarshal's map keeps one value per key (the last): leave a
		// repeated key to it.
		if seen != nil {
			if _, dup := seen[string(k)]; dup {
				return dst, atts, ErrNotPlain
			}
			seen[string(k)] = struct{}{}
		} else {
			if slices.ContainsFunc(small[:i], func(s []byte) bool { return bytes.Equal(s, k) }) {
				return dst, atts, ErrNotPlain
			}
			small[i] = k
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(AppendJSONString(dst, k), ':')
		var err error
		if dst, atts, err = r.AppendJSON(dst, atts); err != nil {
			return dst, atts, err
		}
	}
	return append(dst, '}'), atts, nil
}

// appendJSONNumber writes f as encoding/json does; NaN and infinities,
// which it refuses, are ErrNotPlain.
func appendJSONNumber(dst []byte, f float64, atts [][]byte) ([]byte, [][]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, atts, ErrNotPlain
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 && (f != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(dst, int64(f), 10), atts, nil
	}
	return AppendJSONFloat(dst, f), atts, nil
}

// AppendJSONFloat writes a finite f exactly as encoding/json does.
func AppendJSONFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendJSONString writes s as a JSON string exactly as encoding/json
// does: HTML characters, U+2028 and U+2029 escaped, each invalid UTF-8
// byte as U+FFFD.
func AppendJSONString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRune(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
