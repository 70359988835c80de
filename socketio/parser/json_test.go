package parser

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

var jsonSeeds = []string{
	`null`, `true`, `false`, `0`, `-0`, `-1.5e-7`, `1e400`, `123456789012345678`, `0.1`, `1E+2`, `01`, `1.`, `-`,
	`"plain"`, `"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \ud800 \udc00x \ud800\u0041"`, "\"bad \xff utf8\"", "\"ctl \x01\"",
	`[]`, `[1,"a",[true,null],{"k":{}}]`, `{"a":1,"a":2}`, `{"a" : [ 1 , 2 ] }`, `[1,]`, `{"a"}`, `{"a":1,}`, ` [ ] `, `[1] x`,
	`["message-with-ack",42]`, `{"_placeholder":true,"num":0}`,
}

// FuzzJSONDecode: decodeJSON accepts exactly what json.Unmarshal accepts
// and gives the same value.
func FuzzJSONDecode(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeJSON(b)
		var want any
		werr := json.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: decodeJSON err %v, encoding/json err %v", b, err, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decodeJSON %#v, encoding/json %#v", b, got, want)
		}
	})
}

// FuzzJSONEncode: appendJSON writes exactly what json.Marshal writes, for
// values decoded from arbitrary JSON and for strings of arbitrary bytes.
func FuzzJSONEncode(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s), s)
	}
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			v = nil
		}
		for _, x := range []any{v, s, []any{s, v, float64(len(s)) * 1e-7, map[string]any{s: v}}} {
			want, werr := json.Marshal(x)
			got, err := marshalJSON(nil, x)
			if (err == nil) != (werr == nil) || string(got) != string(want) {
				t.Fatalf("%#v: got %s (%v), want %s (%v)", x, got, err, want, werr)
			}
		}
	})
}

func TestJSONEncodeNumbers(t *testing.T) {
	for _, x := range []any{0.0, math.Copysign(0, -1), 1e-7, 1e21, 1e20, 123.456, -5e-324, math.MaxFloat64, float32(1e-7), float32(3.14),
		int(-3), int64(math.MaxInt64), uint64(math.MaxUint64), int32(7), uint32(8), math.NaN(), math.Inf(1),
		"<a href=\"x\">&amp;</a>\u2028\u2029\x00\x1f\x7f", []any(nil), map[string]any(nil), []any{placeholder{true, 3}}} {
		want, werr := json.Marshal(x)
		got, err := marshalJSON(nil, x)
		if (err == nil) != (werr == nil) || string(got) != string(want) {
			t.Errorf("%#v: got %s (%v), want %s (%v)", x, got, err, want, werr)
		}
	}
}
