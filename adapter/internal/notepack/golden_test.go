package notepack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// goldenCases are test/notepack/cases.js as Go values: what a Go node holds
// where a Node node holds that JavaScript value. Client arguments arrive as
// JSON, so numbers are float64; the adapter's own messages use Map and
// Go integers.
func goldenCases() map[string]any {
	seq := func(n int, f func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	bin := func(n int, f func(i int) byte) []byte {
		out := make([]byte, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	map16 := Map{}
	for i := range 16 {
		map16 = append(map16, Field{fmt.Sprintf("k%02d", i), i})
	}
	return map[string]any{
		"broadcast-example": []any{"abcdef",
			Map{{"type", 2}, {"data", []any{"ev", 1.0, []byte{1, 2}}}, {"nsp", "/"}},
			Map{{"rooms", []string{"r1"}}, {"except", []string{}}, {"flags", Map{}}}},
		"broadcast-flags": []any{"abcdef",
			Map{{"type", 2}, {"data", []any{"ev", "x", 2.5, nil, true, map[string]any{"a": []any{1.0, -1.0}}}}, {"nsp", "/custom"}},
			Map{{"rooms", []string{}}, {"except", []string{"sid1", "sid2"}}, {"flags", Map{{"volatile", true}, {"timeout", int64(2000)}}}}},
		"emitter-broadcast": []any{"emitter",
			Map{{"type", 2}, {"data", []any{"hi"}}, {"nsp", "/"}},
			Map{{"rooms", []string{"a", "b"}}, {"flags", Map{}}, {"except", []string{}}}},
		"broadcast-ack-request": Map{{"uid", "abcdef"}, {"requestId", "PWC9bl"}, {"type", 7},
			{"packet", Map{{"type", 2}, {"data", []any{"question", "q?"}}, {"nsp", "/"}}},
			{"opts", Map{{"rooms", []string{}}, {"except", []string{}}, {"flags", Map{{"timeout", 2000}}}}}},
		"broadcast-ack-response": Map{{"type", 9}, {"requestId", "PWC9bl"}, {"packet", "ans-Lld"}},
		"broadcast-ack-binary":   Map{{"type", 9}, {"requestId", "PWC9bl"}, {"packet", []byte("bin")}},

		"ints-positive": []any{0, 1.0, uint8(127), int16(128), 255.0, 256, uint16(65535), 65536.0, uint32(4294967295),
			int64(4294967296), 9007199254740991.0, math.Pow(2, 62), uint64(1) << 63},
		"ints-negative": []any{-1, -32.0, int8(-33), int16(-128), -129.0, int32(-32768), -32769.0, int32(-2147483648),
			int64(-2147483649), -9007199254740991.0, -math.Pow(2, 63)},
		"ints-beyond-64-bits": []any{math.Pow(2, 64), 1e20, -math.Pow(2, 64), -1e20, math.MaxFloat64},
		"floats":              []any{0.5, float32(-1.5), 3.14, 1e-7, -0.1, 1e300 + 0.5, 5e-324},
		"not-finite":          []any{math.NaN(), math.Inf(1), math.Inf(-1)},
		"negative-zero":       math.Copysign(0, -1),
		"literals":            []any{nil, true, false},

		"str-empty":   "",
		"str-fix":     strings.Repeat("a", 31),
		"str-8":       strings.Repeat("b", 32),
		"str-8-max":   strings.Repeat("c", 255),
		"str-16":      strings.Repeat("d", 256),
		"str-32":      strings.Repeat("e", 65536),
		"str-unicode": "héllo wörld ✓ 😀 中文",

		"bin-empty":  []byte{},
		"bin-8":      bin(255, func(i int) byte { return byte(i) }),
		"bin-16":     bin(256, func(i int) byte { return byte(i % 256) }),
		"bin-32":     bin(65536, func(i int) byte { return byte(i * 7 % 256) }),
		"uint8array": []byte{9, 8, 7},

		"array-empty": []any{},
		"array-fix":   seq(15, func(i int) any { return i }),
		"array-16":    seq(16, func(i int) any { return float64(i) }),
		"array-32":    seq(65536, func(i int) any { return i % 3 }),
		"nested":      []any{[]any{[]any{[]any{"deep"}}}, map[string]any{"a": map[string]any{"b": map[string]any{"c": []any{}}}}},

		"map-empty":           map[string]any{},
		"map-order":           Map{{"z", 1}, {"a", 2}, {"m", []any{3}}},
		"map-sorted":          map[string]any{"c": map[string]any{"d": nil}, "b": "two", "a": 1.0},
		"map-16":              map16,
		"map-skips-undefined": Map{{"b", 1}},

		"date-32":          time.UnixMilli(1700000000000),
		"date-64":          time.UnixMilli(1700000000123),
		"date-96-negative": time.UnixMilli(-1),
		"date-96-far":      time.UnixMilli(1<<34*1000 + 5),
	}
}

type goldenEntry struct {
	Hex    string `json:"hex"`
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
}

func readGolden(t testing.TB) map[string]goldenEntry {
	t.Helper()
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]goldenEntry
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGolden: for every case, Marshal writes exactly what notepack.io
// wrote (testdata/golden.json, made by test/notepack/gen.js and checked
// against notepack.io by that directory's test).
func TestGolden(t *testing.T) {
	golden := readGolden(t)
	cases := goldenCases()
	for name := range golden {
		if _, ok := cases[name]; !ok {
			t.Errorf("golden case %q has no Go value", name)
		}
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			want, ok := golden[name]
			if !ok {
				t.Fatalf("no golden entry: run npm run gen in test/notepack")
			}
			got, err := Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if want.Hex != "" || want.Length == 0 {
				if h := hex.EncodeToString(got); h != want.Hex {
					t.Fatalf("got  %s\nwant %s", h, want.Hex)
				}
			} else {
				sum := sha256.Sum256(got)
				if len(got) != want.Length || hex.EncodeToString(sum[:]) != want.SHA256 {
					t.Fatalf("got %d bytes sha256 %x, want %d bytes %s", len(got), sum, want.Length, want.SHA256)
				}
			}
			// What notepack wrote decodes back to the value (as JavaScript
			// would see it), and re-encodes to the same bytes, but for the
			// numbers notepack itself wraps modulo 2^64.
			if name == "ints-beyond-64-bits" || name == "floats" {
				return
			}
			dec, err := Unmarshal(got)
			if err != nil {
				t.Fatalf("decoding our own output: %v", err)
			}
			again, err := Marshal(reorder(dec, v))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, got) {
				t.Fatalf("decode then encode changed the bytes:\n%x\n%x", again, got)
			}
		})
	}
}

// reorder gives decoded maps back the key order of the original value, so
// that re-encoding can be compared byte for byte.
func reorder(dec, orig any) any {
	switch o := orig.(type) {
	case Map:
		m, ok := dec.(map[string]any)
		if !ok {
			return dec
		}
		out := make(Map, 0, len(o))
		for _, f := range o {
			out = append(out, Field{f.Key, reorder(m[f.Key], f.Value)})
		}
		return out
	case []any:
		d, ok := dec.([]any)
		if !ok || len(d) != len(o) {
			return dec
		}
		out := make([]any, len(d))
		for i := range d {
			out[i] = reorder(d[i], o[i])
		}
		return out
	}
	return dec
}

func TestDecode(t *testing.T) {
	tests := []struct {
		hex  string
		want any
	}{
		{"c0", nil},
		{"c3", true},
		{"7f", 127.0},
		{"e0", -32.0},
		{"cc80", 128.0},
		{"d0df", -33.0},
		{"cf0000000100000000", 4294967296.0},
		{"d3ffffffff00000000", -4294967296.0},
		{"ca3fc00000", 1.5},
		{"cb3ff8000000000000", 1.5},
		{"a3616263", "abc"},
		{"d903616263", "abc"},
		{"c403010203", []byte{1, 2, 3}},
		{"c7020001ff", []byte{1, 0xff}},           // ext 0: ArrayBuffer
		{"d40000", nil},                           // fixext1 type 0: undefined
		{"d50501ff", []any{5.0, []byte{1, 0xff}}}, // other ext
		{"d6ff6553f100", time.Unix(1700000000, 0).UTC()},
		{"92a1619101", []any{"a", []any{1.0}}},
		{"82a16101a162c0", map[string]any{"a": 1.0, "b": nil}},
		{"8201a178c3a179", map[string]any{"1": "x", "true": "y"}},
	}
	for _, tt := range tests {
		b, _ := hex.DecodeString(tt.hex)
		got, err := Unmarshal(b)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, %v; want %#v", tt.hex, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "c1", "a3616", "92c0", "c0c0", "dc0010", "df7fffffff", "c6ffffffff00", "8192c0c0c0", "d9"} {
		b, _ := hex.DecodeString(bad)
		if v, err := Unmarshal(b); err == nil {
			t.Errorf("%q decoded as %#v", bad, v)
		}
	}
	deep := bytes.Repeat([]byte{0x91}, MaxDepth+5)
	if _, err := Unmarshal(append(deep, 0xc0)); err == nil {
		t.Error("deep nesting decoded")
	}
}

func TestMarshalOther(t *testing.T) {
	type point struct {
		X int    `json:"x"`
		Y string `json:"y,omitempty"`
	}
	// A struct goes as its JSON, as notepack does with toJSON.
	got, err := Marshal([]any{point{X: 1}, (*point)(nil), map[string]string{"k": "v"}, json.RawMessage(`{"a":[1.5]}`)})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Marshal([]any{Map{{"x", 1}}, nil, Map{{"k", "v"}}, Map{{"a", []any{1.5}}}})
	if !bytes.Equal(got, want) {
		t.Fatalf("%x\n%x", got, want)
	}
	if _, err := Marshal(make(chan int)); err == nil {
		t.Fatal("a channel encoded")
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, e := range readGolden(f) {
		if b, err := hex.DecodeString(e.Hex); err == nil && len(b) > 0 {
			f.Add(b)
		}
	}
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		// The allocation-free reader agrees with Unmarshal (reader_test.go),
		// and JSON strings are encoding/json's.
		checkReader(t, b)
		if want, _ := json.Marshal(string(b)); !bytes.Equal(AppendJSONString(nil, b), want) {
			t.Fatalf("%q: got %s, want %s", b, AppendJSONString(nil, b), want)
		}
		v, err := Unmarshal(b)
		if err != nil {
			return
		}
		// Whatever decodes encodes again.
		if _, err := Marshal(v); err != nil {
			t.Fatalf("re-encoding %#v: %v", v, err)
		}
	})
}
