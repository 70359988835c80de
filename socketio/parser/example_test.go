package parser_test

import (
	"fmt"

	"github.com/rpsio/rpsio/socketio/parser"
)

// Encode turns []byte values into binary attachments, each sent as a
// message of its own after the text.
func ExampleEncode() {
	text, attachments, err := parser.Encode(&parser.Packet{
		Type:      parser.Event,
		Namespace: "/chat",
		ID:        7, HasID: true, // the sender waits for an ack
		Data: []any{"file", "a.txt", []byte("hello")},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", text)
	fmt.Printf("%q\n", attachments)
	// Output:
	// 51-/chat,7["file","a.txt",{"_placeholder":true,"num":0}]
	// ["hello"]
}

// A Decoder takes a connection's messages in order and returns each packet
// once it is complete.
func ExampleDecoder() {
	var d parser.Decoder
	p, _ := d.AddText([]byte(`51-/chat,7["file","a.txt",{"_placeholder":true,"num":0}]`))
	fmt.Println(p == nil) // waiting for the attachment
	p, _ = d.AddBinary([]byte("hello"))
	args := p.Data.([]any)
	fmt.Printf("%v %s id=%d %q %q %q\n", p.Type, p.Namespace, p.ID, args[0], args[1], args[2])

	p, _ = d.AddText([]byte(`2["move","rock"]`))
	fmt.Printf("%v %s %q\n", p.Type, p.Namespace, p.Data)

	_, err := d.AddText([]byte(`2["disconnect"]`))
	fmt.Println(err)
	// Output:
	// true
	// EVENT /chat id=7 "file" "a.txt" "hello"
	// EVENT / ["move" "rock"]
	// socketio: invalid packet: invalid payload for EVENT
}
