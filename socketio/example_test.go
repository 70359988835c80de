package socketio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/rpsio/rpsio/socketio"
)

func ExampleNewServer() {
	srv := socketio.NewServer(socketio.Options{})

	chat := srv.Of("/chat")
	// Middleware vets every socket before it joins the namespace.
	chat.Use(func(s *socketio.Socket) error {
		name, _ := s.Handshake().Auth["name"].(string)
		if name == "" {
			return &socketio.ConnectError{Message: "name required"}
		}
		s.Set("name", name)
		return nil
	})
	chat.OnConnection(func(s *socketio.Socket) {
		name, _ := s.Get("name")
		s.Join("lobby")
		_ = s.Emit("welcome", fmt.Sprint("hello ", name))
		s.On("say", func(e *socketio.Event) {
			var text string
			if err := e.Bind(0, &text); err != nil {
				return
			}
			// To the others in the lobby, then acknowledge to the sender.
			_ = s.To("lobby").Emit("said", name, text)
			_ = e.Ack("delivered")
		})
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	// Raw clients show the wire format; a real client would be
	// socket.io-client.
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	alice := join(url, `{"name":"alice"}`)
	fmt.Println("alice:", read(alice))
	bob := join(url, `{"name":"bob"}`)
	fmt.Println("bob:", read(bob))
	nobody := join(url, `{}`)
	fmt.Println("nobody:", read(nobody))
	defer alice.Close()
	defer bob.Close()
	defer nobody.Close()

	// alice says hi and waits for ack 1.
	_ = alice.WriteMessage(websocket.TextMessage, []byte(`42/chat,1["say","hi"]`))
	fmt.Println("bob:", read(bob))
	fmt.Println("alice:", read(alice))
	// Output:
	// alice: 42/chat,["welcome","hello alice"]
	// bob: 42/chat,["welcome","hello bob"]
	// nobody: 44/chat,{"message":"name required"}
	// bob: 42/chat,["said","alice","hi"]
	// alice: 43/chat,1["delivered"]
}

// join opens a WebSocket and asks to join /chat with auth; it skips the
// Engine.IO open packet and a successful CONNECT reply.
func join(url, auth string) *websocket.Conn {
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	read(ws) // 0{"sid":...,"upgrades":[],"pingInterval":25000,...}
	_ = ws.WriteMessage(websocket.TextMessage, []byte("40/chat,"+auth))
	return ws
}

// read returns the next message, skipping CONNECT replies (40/chat,{"sid":...}).
func read(ws *websocket.Conn) string {
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			panic(err)
		}
		if !strings.HasPrefix(string(msg), "40") {
			return string(msg)
		}
	}
}
