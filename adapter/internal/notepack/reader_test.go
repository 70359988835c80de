package notepack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// jsonReference is what the adapter's generic path makes of a decoded
// value for a client: a Date as its ISO string, binaries as placeholders
// (numbered in the order met; map entries in sorted key order, as
// encoding/json writes them), then encoding/json.
func jsonReference(v any) ([]byte, [][]byte, error) {
	var atts [][]byte
	var conv func(v any) any
	conv = func(v any) any {
		switch v := v.(type) {
		case time.Time:
			return v.UTC().Format(ISODate)
		case []byte:
			atts = append(atts, v)
			return map[string]any{"_placeholder": true, "num": len(atts) - 1}
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = conv(e)
			}
			return out
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slicesSort(keys)
			out := make(map[string]any, len(v))
			for _, k := range keys {
				out[k] = conv(v[k])
			}
			return out
		}
		return v
	}
	js, err := json.Marshal(conv(v))
	return js, atts, err
}

func slicesSort(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// normalJSON decodes js (numbers as their text), puts each placeholder's
// attachment in its place, and encodes it again with sorted keys: two
// JSON texts that differ only in key order and attachment numbering
// normalise to the same bytes.
func normalJSON(t testing.TB, js []byte, atts [][]byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		case map[string]any:
			if p, ok := v["_placeholder"].(bool); ok && p && len(v) == 2 {
				n, err := strconv.Atoi(string(v["num"].(json.Number)))
				if err != nil || n < 0 || n >= len(atts) {
					t.Fatalf("%s: bad placeholder %v (%d attachments)", js, v, len(atts))
				}
				return "bin:" + hex.EncodeToString(atts[n])
			}
			for k, e := range v {
				v[k] = walk(e)
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// simpleMaps: no map with more than one key, anywhere (then the key order
// and the attachment numbering cannot differ).
func simpleMaps(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if !simpleMaps(e) {
				return false
			}
		}
	case map[string]any:
		if len(v) > 1 {
			return false
		}
		for _, e := range v {
			if !simpleMaps(e) {
				return false
			}
		}
	}
	return true
}

// collidingKeys: some map holds two keys that are the same once their
// invalid UTF-8 is replaced, as JSON encoding does.
func collidingKeys(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if collidingKeys(e) {
				return true
			}
		}
	case map[string]any:
		seen := make(map[string]bool, len(v))
		for k, e := range v {
			js, _ := json.Marshal(k)
			if seen[string(js)] || collidingKeys(e) {
				return true
			}
			seen[string(js)] = true
		}
	}
	return false
}

// checkReader: Validate accepts exactly what Unmarshal decodes, and what
// AppendJSON writes is the generic path's JSON (exactly, when no map can
// be ordered differently).
func checkReader(t *testing.T, b []byte) {
	t.Helper()
	v, uerr := Unmarshal(b)
	verr := Validate(b)
	if (uerr == nil) != (verr == nil) {
		t.Fatalf("%x: Unmarshal error %v, Validate error %v", b, uerr, verr)
	}
	if uerr != nil {
		return
	}
	got, gotAtts, err := NewReader(b).AppendJSON(nil, nil)
	want, wantAtts, werr := jsonReference(v)
	if errors.Is(err, ErrNotPlain) {
		return // the generic path's to do
	}
	if err != nil {
		t.Fatalf("%x: AppendJSON: %v", b, err)
	}
	if werr != nil {
		t.Fatalf("%x: AppendJSON wrote %s where encoding/json fails: %v", b, got, werr)
	}
	if collidingKeys(v) {
		// Two keys of one map that differ only in invalid UTF-8 are one
		// key in JSON ("\ufffd"): the reader writes them in wire order (the
		// last wins for the client, as in a Node peer's decoded object),
		// encoding/json in sorted byte order, so which value a parser keeps
		// differs and neither is the other's reference.
		return
	}
	if simpleMaps(v) {
		if !bytes.Equal(got, want) || !reflect.DeepEqual(gotAtts, wantAtts) {
			t.Fatalf("%x:\ngot  %s %x\nwant %s %x", b, got, gotAtts, want, wantAtts)
		}
		return
	}
	if g, w := normalJSON(t, got, gotAtts), normalJSON(t, want, wantAtts); g != w {
		t.Fatalf("%x:\ngot  %s\nwant %s", b, g, w)
	}
}

func TestReaderMatchesUnmarshal(t *testing.T) {
	for name, v := range goldenCases() {
		b, err := Marshal(v)
		if err != nil {
			t.Fatal(name, err)
		}
		t.Run(name, func(t *testing.T) { checkReader(t, b) })
	}
	for _, h := range []string{
		"c0", "d40000", "d50501ff", "d6ff6553f100", "c7020001ff", "c70cff000000000000000065", "d70000000000000001",
		"92a1619101", "82a16101a162c0", "8201a178c3a179", "81a16101a16102", // number key; repeated key
		"81c0c0", "81c3c0", "81d40000c0", "81cb3ff8000000000000c0", // null, true, undefined and 1.5 keys
		"81c40101c0", "8191c0c0", "8180c0", "81d6ff00000000c0", "81d50001ffc0", // keys Unmarshal refuses
		"81d4", "81d401", "d4", "c7", "c70c", "c70cff", // truncated
		"a3e282a8", "a2c3a8", "a1ff", "a3e28028", "a6e280a8e280a9", "a33c263e", "a5225c0809", "a11f", "a17f",
		"cb7ff8000000000000", "cb7ff0000000000000", "cb8000000000000000", "cb3eb0c6f7a0b5ed8d", "cb444b1ae4d6e2ef50",
		"cf8000000000000000", "cfffffffffffffffff", "d38000000000000000", "ca3dcccccd",
		"dc0000", "dd00000001c0", "de0000", "df00000001a0c0", "c1", "", "c0c0",
	} {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(h, err)
		}
		t.Run(h, func(t *testing.T) { checkReader(t, b) })
	}
	deep := append(bytes.Repeat([]byte{0x91}, MaxDepth), 0xc0)
	checkReader(t, deep)
	checkReader(t, append([]byte{0x91}, deep...))
	deepKey := append(append(bytes.Repeat([]byte{0x91}, MaxDepth-1), 0x81, 0x91), 0xc0, 0xc0)
	checkReader(t, deepKey)
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b\\c", "<a href='x'>&amp;</a>", "\x00\x01\b\f\n\r\t\x1f\x7f",
		"\u2028\u2029", "héllo 😀", "\xff\xfe", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80"} {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func TestAppendJSONFloat(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.1, 1e-6, 1e-7, 9.999e-7, 1e20, 1e21, 1.5e300, 5e-324, math.MaxFloat64,
		-1e-7, 123456789.125, 1 << 53, 1<<53 + 2, math.Copysign(0, -1)} {
		want, _ := json.Marshal(f)
		if got := AppendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
		b, _ := Marshal(f)
		checkReader(t, b)
	}
}

func TestReaderKinds(t *testing.T) {
	tests := []struct {
		hex  string
		kind Kind
	}{
		{"c0", KindNil}, {"d40000", KindNil}, {"c3", KindBool}, {"05", KindNumber}, {"ff", KindNumber},
		{"cb3ff8000000000000", KindNumber}, {"a161", KindString}, {"d90161", KindString}, {"c40101", KindBinary},
		{"c7020001ff", KindBinary}, {"90", KindArray}, {"dc0000", KindArray}, {"80", KindMap}, {"de0000", KindMap},
		{"d6ff6553f100", KindDate}, {"d70000000000000001", KindDate}, {"c70cff000000000000000065", KindDate},
		{"d50501ff", KindExt}, {"d40501", KindExt}, {"c1", KindInvalid}, {"", KindInvalid}, {"d4", KindInvalid},
	}
	for _, tt := range tests {
		b, _ := hex.DecodeString(tt.hex)
		if k := NewReader(b).Kind(); k != tt.kind {
			t.Errorf("%s: kind %d, want %d", tt.hex, k, tt.kind)
		}
	}
}

func TestReaderAllocations(t *testing.T) {
	b, err := Marshal([]any{"abcdef", Map{{"type", 2}, {"data", []any{"result", map[string]any{
		"round": 3.0, "moves": map[string]any{"p1": "rock", "p2": "paper"}, "scores": []any{1.0, -1.5},
	}}}, {"nsp", "/"}}})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		if err := Validate(b); err != nil {
			t.Fatal(err)
		}
		if _, _, err := NewReader(b).AppendJSON(buf[:0], nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Validate + AppendJSON", allocs)
	}
	m := map[string]any{"b": 1.0, "a": "x", "c": []any{true}}
	allocs = testing.AllocsPerRun(100, func() {
		if _, err := Append(buf[:0], m); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Append of a small map", allocs)
	}
}

func ExampleReader_AppendJSON() {
	b, _ := Marshal([]any{"move", Map{{"hand", "rock"}, {"at", 1.5}}, []byte{1, 2}})
	js, atts, _ := NewReader(b).AppendJSON(nil, nil)
	fmt.Println(string(js), atts)
	// Output: ["move",{"hand":"rock","at":1.5},{"_placeholder":true,"num":0}] [[1 2]]
}
